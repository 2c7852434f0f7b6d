//! The small organization the GraphQL scenarios read and write, built
//! through the mutations ([`fixture`]), and the customer list they page
//! through ([`CUSTOMER_LIST`], [`list`]).

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Backend, TestApp, mail, spawn_app};

/// The uuid a JSON string holds.
pub fn uuid_of(value: &Value) -> Uuid {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a uuid: {value}"))
}

/// A small organization built through the mutations, with known answers.
pub struct Fixture {
    pub organization: Uuid,
    pub token: String,
    pub persona: Uuid,
    pub company: Uuid,
    pub alice: Uuid,
    pub bob: Uuid,
    pub carol: Uuid,
    pub dave: Uuid,
    pub feedback_a1: Uuid,
    pub highlights: Vec<Uuid>,
    pub insight_speed: Uuid,
    pub issue_timeouts: Uuid,
}

/// Runs a mutation that creates one thing: the uuid it answers.
pub async fn create(app: &TestApp, token: &str, mutation: &str, variables: Value) -> Uuid {
    let answer = app.graphql(token, mutation, variables).await.ok();
    let data = answer.body["data"].as_object().expect("data object");
    let (_, created) = data.iter().next().expect("one field");
    uuid_of(&created["uuid"])
}

/// Builds the [`Fixture`] organization: Alice (persona and company, two
/// feedbacks), Bob (one), Carol (persona, three), Dave (none), seven
/// highlights, two insights and two issues.
pub async fn fixture(app: &TestApp) -> Fixture {
    let (organization, token) = app.organization_with_token().await;
    let org = json!(organization);
    let new_persona = "mutation($o: UUID!) { createPersona(organizationUuid: $o, name: \"Power User\", description: \"daily\") { uuid } }";
    let persona = create(app, &token, new_persona, json!({"o": org})).await;
    let new_company = "mutation($o: UUID!) { createCustomerCompany(organizationUuid: $o, name: \"Acme\", domain: \"acme.test\") { uuid } }";
    let company = create(app, &token, new_company, json!({"o": org})).await;
    let new_customer = "mutation($o: UUID!, $i: CreateCustomerInput!) { createCustomer(organizationUuid: $o, input: $i) { uuid } }";
    let mut customers = Vec::new();
    for input in [
        json!({"fullName": "Alice Johnson", "email": mail("alice", "example.com"), "role": "Marketing Manager",
            "personaUuid": persona, "customerCompanyUuid": company}),
        json!({"fullName": "Bob 50%_Off", "email": mail("bob", "example.org")}),
        json!({"fullName": "Carol Smith", "email": mail("carol", "example.com"), "personaUuid": persona}),
        json!({"fullName": "Dave Quiet", "email": mail("dave", "example.com")}),
    ] {
        customers.push(create(app, &token, new_customer, json!({"o": org, "i": input})).await);
    }
    let [alice, bob, carol, dave]: [Uuid; 4] = customers.try_into().expect("four customers");

    let new_feedback = "mutation($o: UUID!, $i: CreateFeedbackInput!) { createFeedback(organizationUuid: $o, input: $i) { uuid } }";
    let mut feedbacks = Vec::new();
    for (customer, date, source) in [
        (alice, "2025-01-01T10:00:00Z", "email"),
        (alice, "2025-03-01T10:00:00Z", "call"),
        (bob, "2025-02-01T10:00:00Z", "survey"),
        (carol, "2024-12-01T10:00:00Z", "chat"),
        (carol, "2025-05-01T10:00:00Z", "email"),
        (carol, "2025-04-01T10:00:00Z", "review"),
    ] {
        feedbacks.push(
            create(
                app,
                &token,
                new_feedback,
                json!({"o": org, "i": {
                "customerUuid": customer, "feedbackContents": format!("Feedback from {source}"),
                "feedbackDate": date, "source": source}}),
            )
            .await,
        );
    }
    let new_highlight = "mutation($o: UUID!, $f: UUID!, $q: String!, $s: Float!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: $q, sentimentScore: $s) { uuid } }";
    let mut highlights = Vec::new();
    for (feedback, score) in [
        (0, 0.9),
        (0, -0.5),
        (1, 0.1),
        (2, -0.9),
        (3, 0.5),
        (5, -0.2),
        (4, 0.8),
    ] {
        highlights.push(
            create(app, &token, new_highlight, json!({"o": org, "f": feedbacks[feedback], "q": format!("quote {score}"), "s": score})).await,
        );
    }
    let new_insight = "mutation($o: UUID!, $t: String!, $h: [UUID!]!) { createInsight(organizationUuid: $o, title: $t, highlightUuids: $h) { uuid } }";
    let insight_speed = create(
        app,
        &token,
        new_insight,
        json!({"o": org, "t": "Speed", "h": [highlights[0], highlights[2], highlights[4]]}),
    )
    .await;
    create(
        app,
        &token,
        new_insight,
        json!({"o": org, "t": "Onboarding", "h": [highlights[1]]}),
    )
    .await;
    let new_issue = "mutation($o: UUID!, $t: String!, $s: IssueStatus!, $h: [UUID!]!) { createIssue(organizationUuid: $o, title: $t, status: $s, highlightUuids: $h) { uuid } }";
    let issue_timeouts = create(
        app,
        &token,
        new_issue,
        json!({"o": org, "t": "Timeouts", "s": "OPEN", "h": [highlights[1], highlights[3]]}),
    )
    .await;
    create(
        app,
        &token,
        new_issue,
        json!({"o": org, "t": "Bug", "s": "IN_PROGRESS", "h": [highlights[5]]}),
    )
    .await;
    Fixture {
        organization,
        token,
        persona,
        company,
        alice,
        bob,
        carol,
        dave,
        feedback_a1: feedbacks[0],
        highlights,
        insight_speed,
        issue_timeouts,
    }
}

/// A running app of `backend` with the [`fixture`] organization.
pub async fn app_with_fixture(backend: Backend) -> (TestApp, Fixture) {
    let app = spawn_app(backend).await;
    let fx = fixture(&app).await;
    (app, fx)
}

/// The customer list, every argument a variable.
pub const CUSTOMER_LIST: &str = "query($o: UUID!, $f: CustomerFilter, $s: CustomerSortBy, $d: SortDirection, $n: Int, $p: Int) {
  customers(organizationUuid: $o, filter: $f, sortBy: $s, sortDirection: $d, pageSize: $n, pageNumber: $p) {
    totalCount hasNextPage pageNumber pageSize nodes { uuid }
  }
}";

/// [`CUSTOMER_LIST`] of the fixture's organization with `variables`: the
/// uuids listed, the total and whether a next page follows.
pub async fn list(app: &TestApp, fx: &Fixture, variables: Value) -> (Vec<Uuid>, i64, bool) {
    let mut variables = variables;
    variables["o"] = json!(fx.organization);
    let answer = app.graphql(&fx.token, CUSTOMER_LIST, variables).await.ok();
    let page = answer.data("/customers");
    let nodes = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| uuid_of(&node["uuid"]))
        .collect();
    (
        nodes,
        page["totalCount"].as_i64().expect("total"),
        page["hasNextPage"].as_bool().expect("bool"),
    )
}
