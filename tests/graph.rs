//! The GraphQL schema over HTTP: every field, filter, sort and mutation of a
//! small organization built through the mutations, the tenancy rule, the
//! statement and row bounds of nested pages, and the batched relation pages.
//! Each of those scenarios runs once per backend (`…::on_sqlite`,
//! `…::on_postgres`). GraphQL over HTTP (tokens, media types, methods,
//! batches, sizes), the document limits and the response order, which the
//! database does not change, run on SQLite alone.

mod common;

use std::collections::HashMap;

use common::{Backend, TestApp, mail, seeded_app, spawn_app, spawn_app_with};
use customer_graph::config::ServerConfig;
use customer_graph::store::relations::{self, Direction, FeedbackSort, Relation, Window};
use entity::{customers, feedback_highlights, feedbacks};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// The uuid a JSON string holds.
fn uuid_of(value: &Value) -> Uuid {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a uuid: {value}"))
}

/// A small organization built through the mutations, with known answers.
struct Fixture {
    organization: Uuid,
    token: String,
    persona: Uuid,
    company: Uuid,
    alice: Uuid,
    bob: Uuid,
    carol: Uuid,
    dave: Uuid,
    feedback_a1: Uuid,
    highlights: Vec<Uuid>,
    insight_speed: Uuid,
    issue_timeouts: Uuid,
}

/// Runs a mutation that creates one thing: the uuid it answers.
async fn create(app: &TestApp, token: &str, mutation: &str, variables: Value) -> Uuid {
    let answer = app.graphql(token, mutation, variables).await.ok();
    let data = answer.body["data"].as_object().expect("data object");
    let (_, created) = data.iter().next().expect("one field");
    uuid_of(&created["uuid"])
}

/// Builds the [`Fixture`] organization: Alice (persona and company, two
/// feedbacks), Bob (one), Carol (persona, three), Dave (none), seven
/// highlights, two insights and two issues.
async fn fixture(app: &TestApp) -> Fixture {
    let (organization, token) = app.organization_with_token().await;
    let org = json!(organization);
    let persona = create(
        app,
        &token,
        "mutation($o: UUID!) { createPersona(organizationUuid: $o, name: \"Power User\", description: \"daily\") { uuid } }",
        json!({"o": org}),
    )
    .await;
    let company = create(
        app,
        &token,
        "mutation($o: UUID!) { createCustomerCompany(organizationUuid: $o, name: \"Acme\", domain: \"acme.test\") { uuid } }",
        json!({"o": org}),
    )
    .await;
    let new_customer = "mutation($o: UUID!, $i: CreateCustomerInput!) { createCustomer(organizationUuid: $o, input: $i) { uuid } }";
    let alice = create(app, &token, new_customer, json!({"o": org, "i": {
        "fullName": "Alice Johnson", "email": mail("alice", "example.com"), "role": "Marketing Manager",
        "personaUuid": persona, "customerCompanyUuid": company}})).await;
    let bob = create(
        app,
        &token,
        new_customer,
        json!({"o": org, "i": {"fullName": "Bob 50%_Off", "email": mail("bob", "example.org")}}),
    )
    .await;
    let carol = create(
        app,
        &token,
        new_customer,
        json!({"o": org, "i": {
        "fullName": "Carol Smith", "email": mail("carol", "example.com"), "personaUuid": persona}}),
    )
    .await;
    let dave = create(
        app,
        &token,
        new_customer,
        json!({"o": org, "i": {"fullName": "Dave Quiet", "email": mail("dave", "example.com")}}),
    )
    .await;

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
async fn app_with_fixture(backend: Backend) -> (TestApp, Fixture) {
    let app = spawn_app(backend).await;
    let fx = fixture(&app).await;
    (app, fx)
}

/// The customer list, every argument a variable.
const CUSTOMER_LIST: &str = "query($o: UUID!, $f: CustomerFilter, $s: CustomerSortBy, $d: SortDirection, $n: Int, $p: Int) {
  customers(organizationUuid: $o, filter: $f, sortBy: $s, sortDirection: $d, pageSize: $n, pageNumber: $p) {
    totalCount hasNextPage pageNumber pageSize nodes { uuid }
  }
}";

/// [`CUSTOMER_LIST`] of the fixture's organization with `variables`: the
/// uuids listed, the total and whether a next page follows.
async fn list(app: &TestApp, fx: &Fixture, variables: Value) -> (Vec<Uuid>, i64, bool) {
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

on_each_backend! {
    async fn customers_sort_by_every_column_both_ways_with_nulls_last(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let (a, b, c, d) = (fx.alice, fx.bob, fx.carol, fx.dave);

        let (nodes, total, more) = list(&app, &fx, json!({})).await;
        assert_eq!(
            nodes,
            vec![c, a, b, d],
            "{backend:?}: default is latest interaction first, never-interacted last"
        );
        assert_eq!((total, more), (4, false));
        let (nodes, ..) = list(&app, &fx, json!({"d": "ASC"})).await;
        assert_eq!(
            nodes,
            vec![b, a, c, d],
            "{backend:?}: nulls stay last ascending"
        );
        for (sort, ascending) in [
            ("FULL_NAME", vec![a, b, c, d]),
            ("EMAIL", vec![a, b, c, d]),
            ("FEEDBACK_COUNT", vec![d, b, a, c]),
            ("CREATED_AT", vec![a, b, c, d]),
        ] {
            let (nodes, ..) = list(&app, &fx, json!({"s": sort, "d": "ASC"})).await;
            assert_eq!(nodes, ascending, "{backend:?} {sort} ASC");
            let (nodes, ..) = list(&app, &fx, json!({"s": sort, "d": "DESC"})).await;
            let mut descending = ascending.clone();
            descending.reverse();
            assert_eq!(nodes, descending, "{backend:?} {sort} DESC");
        }
        let (nodes, ..) = list(&app, &fx, json!({"s": "UPDATED_AT", "d": "DESC"})).await;
        assert_eq!(nodes.len(), 4);
    }
}

on_each_backend! {
    async fn customer_pages_cover_every_customer_once_and_say_whether_more_follow(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let (a, b, c, d) = (fx.alice, fx.bob, fx.carol, fx.dave);
        let mut seen = Vec::new();
        for page in 1..=3 {
            let (nodes, total, more) = list(
                &app,
                &fx,
                json!({"n": 3, "p": page, "s": "FULL_NAME", "d": "ASC"}),
            )
            .await;
            assert_eq!(total, 4);
            assert_eq!(more, page == 1, "{backend:?} page {page}");
            seen.extend(nodes);
        }
        assert_eq!(seen, vec![a, b, c, d], "pages cover everything once");
    }
}

#[tokio::test]
async fn equal_sort_values_are_ordered_by_uuid_so_pages_never_overlap() {
    let app = spawn_app(Backend::Sqlite).await;
    let (organization, token) = app.organization_with_token().await;
    for index in 0..7 {
        app.graphql(
            &token,
            "mutation($o: UUID!, $i: CreateCustomerInput!) { createCustomer(organizationUuid: $o, input: $i) { uuid } }",
            json!({"o": organization, "i": {"fullName": "Same Name", "email": format!("same{index}@example.com")}}),
        )
        .await
        .ok();
    }
    let mut seen = Vec::new();
    for page in 1..=4 {
        let answer = app
            .graphql(
                &token,
                CUSTOMER_LIST,
                json!({"o": organization, "s": "FULL_NAME", "n": 2, "p": page}),
            )
            .await
            .ok();
        for node in answer.data("/customers/nodes").as_array().expect("nodes") {
            seen.push(uuid_of(&node["uuid"]));
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (7, 7));
}

on_each_backend! {
    async fn every_customer_filter_narrows_the_list(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let (a, b, c, d) = (fx.alice, fx.bob, fx.carol, fx.dave);
        for (filter, expected) in [
            (json!({"uuids": [a, d]}), vec![a, d]),
            (json!({"uuids": []}), vec![]),
            (json!({"companyUuids": [fx.company]}), vec![a]),
            (json!({"personaUuids": [fx.persona]}), vec![c, a]),
            (json!({"search": "ALICE"}), vec![a]),
            (json!({"search": "example.org"}), vec![b]),
            (json!({"search": "50%_"}), vec![b]),
            (json!({"search": "%"}), vec![b]),
            (json!({"search": "_"}), vec![b]),
            (json!({"minFeedbackCount": 2}), vec![c, a]),
            (json!({"minAverageSentiment": 0.2}), vec![c]),
            (json!({"maxAverageSentiment": 0.0}), vec![b]),
            (
                json!({"minAverageSentiment": 0.0, "maxAverageSentiment": 0.2}),
                vec![a],
            ),
            (
                json!({"personaUuids": [fx.persona], "minFeedbackCount": 3}),
                vec![c],
            ),
        ] {
            let (nodes, total, _) = list(&app, &fx, json!({"f": filter})).await;
            assert_eq!(nodes, expected, "{backend:?} {filter}");
            assert_eq!(total, expected.len() as i64, "{backend:?} {filter}");
        }
    }
}

on_each_backend! {
    async fn a_customer_carries_its_relations_and_aggregates(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let query = "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) {
            uuid organizationUuid fullName email role personaUuid customerCompanyUuid lastInteractedDate createdAt updatedAt
            feedbackCount averageSentiment
            persona { uuid name description customers { totalCount } }
            company { uuid name domain customers { nodes { uuid } } }
            feedbacks { totalCount nodes { source feedbackDate customerUuid organizationUuid customer { uuid }
                highlights(pageSize: 5) { totalCount nodes { sentimentScore feedback { uuid } insights(pageSize: 5) { nodes { title } } issues(pageSize: 5) { nodes { title } } } } } }
            oldestFirst: feedbacks(sortDirection: ASC) { nodes { source } }
            bySource: feedbacks(sortBy: SOURCE, sortDirection: ASC) { nodes { source } }
            feedbackHighlights { totalCount nodes { sentimentScore } }
            insights { totalCount nodes { title highlightCount averageSentiment highlights { totalCount } } }
            issues { totalCount nodes { title status averageSentiment highlightCount highlights { nodes { uuid } } } }
        } }";
        let answer = app
            .graphql(
                &fx.token,
                query,
                json!({"o": fx.organization, "u": fx.alice}),
            )
            .await
            .ok();
        let alice = answer.data("/customer");
        assert_eq!(alice["fullName"], "Alice Johnson");
        assert_eq!(alice["role"], "Marketing Manager");
        assert_eq!(alice["organizationUuid"], json!(fx.organization));
        assert_eq!(alice["feedbackCount"], 2);
        assert!(
            alice["lastInteractedDate"]
                .as_str()
                .is_some_and(|date| date.starts_with("2025-03-01T10:00:00"))
        );
        let average = alice["averageSentiment"].as_f64().expect("average");
        assert!((average - 0.5 / 3.0).abs() < 1e-9, "{average}");
        assert_eq!(alice["persona"]["name"], "Power User");
        assert_eq!(alice["persona"]["customers"]["totalCount"], 2);
        assert_eq!(alice["company"]["domain"], "acme.test");
        assert_eq!(
            alice["company"]["customers"]["nodes"][0]["uuid"],
            json!(fx.alice)
        );
        assert_eq!(alice["feedbacks"]["totalCount"], 2);
        assert_eq!(
            alice["feedbacks"]["nodes"][0]["source"], "call",
            "newest first by default"
        );
        assert_eq!(
            alice["feedbacks"]["nodes"][0]["customer"]["uuid"],
            json!(fx.alice)
        );
        assert_eq!(alice["oldestFirst"]["nodes"][0]["source"], "email");
        assert_eq!(alice["bySource"]["nodes"][0]["source"], "call");
        let first = &alice["feedbacks"]["nodes"][1];
        assert_eq!(first["highlights"]["totalCount"], 2);
        assert_eq!(
            first["highlights"]["nodes"][0]["feedback"]["uuid"],
            json!(fx.feedback_a1)
        );
        assert_eq!(
            first["highlights"]["nodes"][0]["insights"]["nodes"][0]["title"],
            "Speed"
        );
        assert_eq!(
            first["highlights"]["nodes"][1]["issues"]["nodes"][0]["title"],
            "Timeouts"
        );
        assert_eq!(alice["feedbackHighlights"]["totalCount"], 3);
        assert_eq!(alice["insights"]["totalCount"], 2);
        let titles: Vec<_> = alice["insights"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["title"].clone())
            .collect();
        assert_eq!(
            titles,
            vec![json!("Onboarding"), json!("Speed")],
            "distinct, by title"
        );
        assert_eq!(alice["insights"]["nodes"][1]["highlightCount"], 3);
        assert_eq!(alice["issues"]["totalCount"], 1);
        let timeouts = &alice["issues"]["nodes"][0];
        assert_eq!(timeouts["status"], "OPEN");
        assert!((timeouts["averageSentiment"].as_f64().expect("avg") + 0.7).abs() < 1e-9);
        assert_eq!(timeouts["highlightCount"], 2);
    }
}

on_each_backend! {
    async fn a_customer_without_feedback_has_empty_relations_and_null_aggregates(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let dave = app
            .graphql(&fx.token, "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { lastInteractedDate averageSentiment feedbacks { totalCount hasNextPage nodes { uuid } } insights { totalCount } } }", json!({"o": fx.organization, "u": fx.dave}))
            .await
            .ok();
        assert_eq!(
            dave.data("/customer/lastInteractedDate"),
            &Value::Null,
            "{backend:?}"
        );
        assert_eq!(dave.data("/customer/averageSentiment"), &Value::Null);
        assert_eq!(dave.data("/customer/feedbacks/totalCount"), 0);
        assert_eq!(dave.data("/customer/insights/totalCount"), 0);
    }
}

/// A customer's company and persona, as the list scenarios select them.
const RELATED: &str = "company { uuid name domain } persona { uuid name description }";

/// The customers by name, each with [`RELATED`].
fn listed_with_related() -> String {
    format!(
        "query($o: UUID!) {{ customers(organizationUuid: $o, sortBy: FULL_NAME, sortDirection: ASC) {{ nodes {{ uuid {RELATED} }} }} }}"
    )
}

on_each_backend! {
    /// The list loads its customers' companies and personas with the
    /// customers, also through a fragment and an alias.
    async fn a_listed_customers_company_and_persona_add_no_statement_to_the_list(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let bare = "query($o: UUID!) { customers(organizationUuid: $o, sortBy: FULL_NAME, sortDirection: ASC) { nodes { uuid } } }";
        let statements = |query: String| {
            let app = &app;
            let token = fx.token.clone();
            async move {
                let before = app.metrics.statements();
                let answer = app
                    .graphql(&token, &query, json!({"o": fx.organization}))
                    .await
                    .ok();
                (answer, app.metrics.statements() - before)
            }
        };
        let (_, with_related) = statements(listed_with_related()).await;
        let (_, without) = statements(bare.to_owned()).await;
        assert_eq!(
            with_related, without,
            "{backend:?}: company and persona add no statement to a list"
        );
        // Through a fragment and an alias, the list still brings them along.
        let (answer, through_fragment) = statements(
            "query($o: UUID!) { customers(organizationUuid: $o, sortBy: FULL_NAME, sortDirection: ASC) { nodes { ...C } } } \
             fragment C on Customer { uuid employer: company { name } }"
                .to_owned(),
        )
        .await;
        assert_eq!(through_fragment, without, "{backend:?}");
        assert_eq!(answer.data("/customers/nodes/0/employer/name"), "Acme");
    }
}

on_each_backend! {
    async fn a_listed_customers_company_and_persona_match_what_the_customer_field_loads(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let answer = app
            .graphql(&fx.token, &listed_with_related(), json!({"o": fx.organization}))
            .await
            .ok();
        let nodes = answer
            .data("/customers/nodes")
            .as_array()
            .expect("nodes")
            .clone();
        assert_eq!(nodes.len(), 4);
        // Alice has both, Bob and Dave neither, Carol only a persona.
        let by_name: Vec<(bool, bool)> = nodes
            .iter()
            .map(|node| (node["company"].is_null(), node["persona"].is_null()))
            .collect();
        assert_eq!(
            by_name,
            [(false, false), (true, true), (true, false), (true, true)],
            "{backend:?}"
        );
        assert_eq!(nodes[0]["company"]["uuid"], json!(fx.company));
        assert_eq!(nodes[0]["company"]["domain"], "acme.test");
        assert_eq!(nodes[2]["persona"]["uuid"], json!(fx.persona));
        assert_eq!(nodes[2]["persona"]["description"], "daily");
        for node in &nodes {
            let one = app
                .graphql(
                    &fx.token,
                    &format!("query($o: UUID!, $u: UUID!) {{ customer(organizationUuid: $o, uuid: $u) {{ uuid {RELATED} }} }}"),
                    json!({"o": fx.organization, "u": node["uuid"]}),
                )
                .await
                .ok();
            assert_eq!(
                one.data("/customer"),
                node,
                "{backend:?}: the loader says the same"
            );
        }
    }
}

on_each_backend! {
    async fn the_organization_root_lists_everything_it_holds(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let query = "query($o: UUID!) { organization(uuid: $o) { uuid name createdAt
            customers(pageSize: 2) { totalCount hasNextPage }
            customer(uuid: \"%BOB%\") { fullName }
            customerCompanies { totalCount nodes { name } }
            personas { totalCount nodes { name } }
            feedbacks(pageSize: 2) { totalCount nodes { source } }
            since: feedbacks(filter: {from: \"2025-03-01T00:00:00Z\"}) { totalCount }
            window: feedbacks(filter: {from: \"2025-01-15T00:00:00Z\", to: \"2025-04-15T00:00:00Z\"}) { totalCount }
            bobs: feedbacks(filter: {customerUuids: [\"%BOB%\"]}) { totalCount }
            text: feedbacks(filter: {search: \"FROM CALL\"}) { totalCount }
            unhappy: feedbacks(filter: {maxSentiment: -0.5}) { totalCount }
            happy: feedbacks(filter: {minSentiment: 0.5}) { totalCount }
            insights { totalCount nodes { title } }
            issues { totalCount nodes { title status } }
        } viewer { uuid } }"
            .replace("%BOB%", &fx.bob.to_string());
        let answer = app
            .graphql(&fx.token, &query, json!({"o": fx.organization}))
            .await
            .ok();
        let org = answer.data("/organization");
        assert_eq!(org["name"], "Test Org");
        assert_eq!(answer.data("/viewer/uuid"), &json!(fx.organization));
        assert_eq!(
            (
                org["customers"]["totalCount"].as_i64(),
                org["customers"]["hasNextPage"].as_bool()
            ),
            (Some(4), Some(true))
        );
        assert_eq!(org["customer"]["fullName"], "Bob 50%_Off");
        assert_eq!(org["customerCompanies"]["nodes"][0]["name"], "Acme");
        assert_eq!(org["personas"]["totalCount"], 1);
        assert_eq!(org["feedbacks"]["totalCount"], 6);
        assert_eq!(
            org["feedbacks"]["nodes"][0]["source"], "email",
            "newest first: carol's 2025-05-01"
        );
        assert_eq!(org["since"]["totalCount"], 3);
        assert_eq!(org["window"]["totalCount"], 3);
        assert_eq!(org["bobs"]["totalCount"], 1);
        assert_eq!(org["text"]["totalCount"], 1);
        assert_eq!(org["unhappy"]["totalCount"], 1);
        assert_eq!(org["happy"]["totalCount"], 2);
        assert_eq!(org["insights"]["totalCount"], 2);
        assert_eq!(org["issues"]["nodes"][0]["status"], "IN_PROGRESS");
    }
}

#[tokio::test]
async fn out_of_range_pages_and_bad_filters_answer_bad_user_input() {
    let (app, fx) = app_with_fixture(Backend::Sqlite).await;
    for (variables, parameter) in [
        (json!({"n": 0}), "pageSize"),
        (json!({"n": 101}), "pageSize"),
        (json!({"p": 0}), "pageNumber"),
        (
            json!({"f": {"minAverageSentiment": 2.0}}),
            "minAverageSentiment",
        ),
        (json!({"f": {"search": "x".repeat(201)}}), "search"),
    ] {
        let mut variables = variables;
        variables["o"] = json!(fx.organization);
        let answer = app
            .graphql(&fx.token, CUSTOMER_LIST, variables.clone())
            .await;
        assert_eq!(
            answer.error_code(),
            Some("BAD_USER_INPUT"),
            "{variables}: {}",
            answer.body
        );
        assert_eq!(
            answer.body["errors"][0]["extensions"]["parameter"],
            parameter
        );
    }
    let nested = app
        .graphql(&fx.token, "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { feedbacks(pageSize: 500) { totalCount } } }", json!({"o": fx.organization, "u": fx.alice}))
        .await;
    assert_eq!(
        nested.error_code(),
        Some("BAD_USER_INPUT"),
        "{}",
        nested.body
    );
    let bad_uuid = app
        .graphql(&fx.token, CUSTOMER_LIST, json!({"o": "not-a-uuid"}))
        .await;
    assert_eq!(
        bad_uuid.status, 400,
        "a variable that does not coerce is a request error"
    );
    assert_eq!(
        bad_uuid.error_code(),
        Some("BAD_USER_INPUT"),
        "{}",
        bad_uuid.body
    );
    assert!(bad_uuid.body.get("data").is_none());
    let nested_bad_uuid = app
        .graphql(
            &fx.token,
            CUSTOMER_LIST,
            json!({"o": fx.organization, "f": {"companyUuids": ["not-a-uuid"]}}),
        )
        .await;
    assert_eq!(
        nested_bad_uuid.status, 400,
        "a value deep in an input object that does not coerce is a request error too: {}",
        nested_bad_uuid.body
    );
    assert_eq!(
        nested_bad_uuid.body["errors"][0]["message"],
        r#"variable $f: at companyUuids[0]: expected a value of type UUID!, found "not-a-uuid""#
    );
    assert!(nested_bad_uuid.body.get("data").is_none());
    let missing = app.graphql(&fx.token, CUSTOMER_LIST, json!({})).await;
    assert_eq!(
        missing.status, 400,
        "a missing required variable is a request error"
    );
    assert!(missing.body.get("data").is_none());
}

/// `updateCustomer`, answering every field it may change.
const UPDATE_CUSTOMER: &str = "mutation($o: UUID!, $u: UUID!, $i: UpdateCustomerInput!) { updateCustomer(organizationUuid: $o, uuid: $u, input: $i) { fullName email role personaUuid customerCompanyUuid updatedAt createdAt } }";

/// `createFeedback`, answering the uuid and source.
const NEW_FEEDBACK: &str = "mutation($o: UUID!, $i: CreateFeedbackInput!) { createFeedback(organizationUuid: $o, input: $i) { uuid source } }";

on_each_backend! {
    async fn create_customer_refuses_bad_input_naming_the_field_and_a_taken_email(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let new_customer = "mutation($o: UUID!, $i: CreateCustomerInput!) { createCustomer(organizationUuid: $o, input: $i) { uuid email } }";
        for (input, code, parameter) in [
            (
                json!({"fullName": "X", "email": "not-an-email"}),
                "BAD_USER_INPUT",
                Some("email"),
            ),
            (
                json!({"fullName": "  ", "email": mail("new", "example.com")}),
                "BAD_USER_INPUT",
                Some("fullName"),
            ),
            (
                json!({"fullName": "X", "email": mail("alice", "example.com")}),
                "CONFLICT",
                None,
            ),
            (
                json!({"fullName": "X", "email": mail("x1", "example.com"), "personaUuid": Uuid::new_v4()}),
                "BAD_USER_INPUT",
                Some("personaUuid"),
            ),
            (
                json!({"fullName": "X", "email": mail("x2", "example.com"), "customerCompanyUuid": Uuid::new_v4()}),
                "BAD_USER_INPUT",
                Some("customerCompanyUuid"),
            ),
        ] {
            let answer = app
                .graphql(&fx.token, new_customer, json!({"o": org, "i": input}))
                .await;
            assert_eq!(
                answer.error_code(),
                Some(code),
                "{backend:?} {input}: {}",
                answer.body
            );
            if let Some(parameter) = parameter {
                assert_eq!(
                    answer.body["errors"][0]["extensions"]["parameter"],
                    parameter
                );
            }
            assert_eq!(answer.body["data"], Value::Null);
        }
    }
}

on_each_backend! {
    async fn update_customer_keeps_absent_fields_and_clears_those_sent_as_null(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let update = UPDATE_CUSTOMER;
        let answer = app
            .graphql(
                &fx.token,
                update,
                json!({"o": org, "u": fx.alice, "i": {"fullName": "Alice J."}}),
            )
            .await
            .ok();
        let updated = answer.data("/updateCustomer");
        assert_eq!(updated["fullName"], "Alice J.", "{backend:?}");
        assert_eq!(
            updated["role"], "Marketing Manager",
            "absent fields are kept"
        );
        assert_eq!(updated["personaUuid"], json!(fx.persona));
        assert_ne!(updated["updatedAt"], updated["createdAt"]);
        let answer = app
            .graphql(&fx.token, update, json!({"o": org, "u": fx.alice, "i": {"role": null, "personaUuid": null, "customerCompanyUuid": fx.company}}))
            .await
            .ok();
        let cleared = answer.data("/updateCustomer");
        assert_eq!(
            (cleared["role"].clone(), cleared["personaUuid"].clone()),
            (Value::Null, Value::Null)
        );
        assert_eq!(cleared["customerCompanyUuid"], json!(fx.company));
    }
}

on_each_backend! {
    async fn update_customer_refuses_a_null_name_a_taken_email_and_a_missing_customer(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let update = UPDATE_CUSTOMER;
        let null_name = app
            .graphql(
                &fx.token,
                update,
                json!({"o": org, "u": fx.alice, "i": {"fullName": null}}),
            )
            .await;
        assert_eq!(
            null_name.error_code(),
            Some("BAD_USER_INPUT"),
            "{backend:?}"
        );
        let taken = app
            .graphql(
                &fx.token,
                update,
                json!({"o": org, "u": fx.alice, "i": {"email": mail("bob", "example.org")}}),
            )
            .await;
        assert_eq!(taken.error_code(), Some("CONFLICT"), "{}", taken.body);
        let missing = app
            .graphql(
                &fx.token,
                update,
                json!({"o": org, "u": Uuid::new_v4(), "i": {"fullName": "Z"}}),
            )
            .await;
        assert_eq!(missing.error_code(), Some("NOT_FOUND"));
    }
}

on_each_backend! {
    /// A new feedback moves lastInteractedDate forward only, and counts.
    async fn a_new_feedback_counts_and_moves_the_last_interaction_forward_only(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let new_feedback = NEW_FEEDBACK;
        for date in ["2026-01-01T00:00:00Z", "2020-01-01T00:00:00Z"] {
            app.graphql(&fx.token, new_feedback, json!({"o": org, "i": {"customerUuid": fx.dave, "feedbackContents": "hi", "feedbackDate": date}}))
                .await
                .ok();
        }
        let dave = app
            .graphql(&fx.token, "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { feedbackCount lastInteractedDate feedbacks { nodes { source } } } }", json!({"o": org, "u": fx.dave}))
            .await
            .ok();
        assert_eq!(dave.data("/customer/feedbackCount"), 2, "{backend:?}");
        assert!(
            dave.data("/customer/lastInteractedDate")
                .as_str()
                .is_some_and(|d| d.starts_with("2026-01-01"))
        );
        assert_eq!(
            dave.data("/customer/feedbacks/nodes/0/source"),
            "api",
            "default source"
        );
    }
}

on_each_backend! {
    async fn a_feedback_of_no_customer_a_score_out_of_range_and_an_unknown_highlight_are_refused(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let new_feedback = NEW_FEEDBACK;
        let orphan = app
            .graphql(
                &fx.token,
                new_feedback,
                json!({"o": org, "i": {"customerUuid": Uuid::new_v4(), "feedbackContents": "hi"}}),
            )
            .await;
        assert_eq!(orphan.error_code(), Some("NOT_FOUND"), "{backend:?}");

        let highlight = "mutation($o: UUID!, $f: UUID!, $s: Float!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: \"q\", sentimentScore: $s) { uuid } }";
        let out_of_range = app
            .graphql(
                &fx.token,
                highlight,
                json!({"o": org, "f": fx.feedback_a1, "s": 1.5}),
            )
            .await;
        assert_eq!(out_of_range.error_code(), Some("BAD_USER_INPUT"));
        let unknown_highlight = app
            .graphql(&fx.token, "mutation($o: UUID!, $h: [UUID!]!) { createInsight(organizationUuid: $o, title: \"T\", highlightUuids: $h) { uuid } }", json!({"o": org, "h": [Uuid::new_v4()]}))
            .await;
        assert_eq!(unknown_highlight.error_code(), Some("BAD_USER_INPUT"));
    }
}

on_each_backend! {
    async fn linking_a_highlight_twice_changes_nothing(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        for _ in 0..2 {
            let linked = app
                .graphql(&fx.token, "mutation($o: UUID!, $i: UUID!, $h: UUID!) { linkHighlightToInsight(organizationUuid: $o, insightUuid: $i, highlightUuid: $h) { highlightCount } }", json!({"o": org, "i": fx.insight_speed, "h": fx.highlights[6]}))
                .await
                .ok();
            assert_eq!(
                linked.data("/linkHighlightToInsight/highlightCount"),
                4,
                "{backend:?}"
            );
            let linked = app
                .graphql(&fx.token, "mutation($o: UUID!, $i: UUID!, $h: UUID!) { linkHighlightToIssue(organizationUuid: $o, issueUuid: $i, highlightUuid: $h) { highlightCount } }", json!({"o": org, "i": fx.issue_timeouts, "h": fx.highlights[0]}))
                .await
                .ok();
            assert_eq!(linked.data("/linkHighlightToIssue/highlightCount"), 3);
        }
    }
}

on_each_backend! {
    async fn another_organizations_data_reads_exactly_like_missing_data(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let (other_org, other_token) = app.organization_with_token().await;

        let customer =
            "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { uuid } }";
        let foreign = app
            .graphql(
                &other_token,
                customer,
                json!({"o": fx.organization, "u": fx.alice}),
            )
            .await;
        let missing = app
            .graphql(
                &other_token,
                customer,
                json!({"o": Uuid::new_v4(), "u": fx.alice}),
            )
            .await;
        assert_eq!(foreign.error_code(), Some("NOT_FOUND"));
        assert_eq!(foreign.body["data"], Value::Null);
        assert_eq!(
            foreign.body["errors"][0]["message"],
            missing.body["errors"][0]["message"]
        );

        let own_org = app
            .graphql(
                &other_token,
                customer,
                json!({"o": other_org, "u": fx.alice}),
            )
            .await;
        let own_missing = app
            .graphql(
                &other_token,
                customer,
                json!({"o": other_org, "u": Uuid::new_v4()}),
            )
            .await;
        assert_eq!(own_org.body, own_missing.body, "{backend:?}");

        let organization = app
            .graphql(
                &other_token,
                "query($o: UUID!) { organization(uuid: $o) { name } }",
                json!({"o": fx.organization}),
            )
            .await;
        assert_eq!(organization.error_code(), Some("NOT_FOUND"));

        let (nodes, total, _) = {
            let answer = app
                .graphql(
                    &other_token,
                    CUSTOMER_LIST,
                    json!({"o": other_org, "f": {"uuids": [fx.alice, fx.bob]}}),
                )
                .await
                .ok();
            let page = answer.data("/customers").clone();
            (
                page["nodes"].as_array().expect("nodes").len(),
                page["totalCount"].as_i64(),
                (),
            )
        };
        assert_eq!((nodes, total), (0, Some(0)));
    }
}

on_each_backend! {
    /// Writes into another organization, or to its data from one's own, are
    /// `NOT_FOUND` as if it were missing.
    async fn another_organizations_data_cannot_be_written(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let (other_org, other_token) = app.organization_with_token().await;
        let write = app
            .graphql(
                &other_token,
                "mutation($o: UUID!) { createPersona(organizationUuid: $o, name: \"x\") { uuid } }",
                json!({"o": fx.organization}),
            )
            .await;
        assert_eq!(write.error_code(), Some("NOT_FOUND"), "{backend:?}");
        let cross = app
            .graphql(&other_token, "mutation($o: UUID!, $u: UUID!) { updateCustomer(organizationUuid: $o, uuid: $u, input: {fullName: \"x\"}) { uuid } }", json!({"o": other_org, "u": fx.alice}))
            .await;
        assert_eq!(cross.error_code(), Some("NOT_FOUND"));
        let link = app
            .graphql(&other_token, "mutation($o: UUID!, $i: UUID!, $h: UUID!) { linkHighlightToInsight(organizationUuid: $o, insightUuid: $i, highlightUuid: $h) { uuid } }", json!({"o": other_org, "i": fx.insight_speed, "h": fx.highlights[0]}))
            .await;
        assert_eq!(link.error_code(), Some("NOT_FOUND"));
    }
}

/// A page of customers with four nested pages each.
const NESTED: &str =
    "query($o: UUID!, $n: Int) { customers(organizationUuid: $o, pageSize: $n) { nodes {
    uuid fullName company { name } persona { name }
    feedbacks(pageSize: 3) { totalCount nodes { uuid feedbackDate } }
    feedbackHighlights(pageSize: 2) { totalCount nodes { quote sentimentScore } }
    insights(pageSize: 2) { totalCount nodes { title } }
    issues(pageSize: 2) { totalCount nodes { title } }
} } }";

on_each_backend! {
    async fn a_nested_page_of_25_or_100_customers_takes_the_same_few_statements(backend) {
        let (app, organization, token) = seeded_app(backend, 120).await;
        let mut counts = Vec::new();
        for page_size in [25, 100] {
            let before = app.metrics.statements();
            let answer = app
                .graphql(&token, NESTED, json!({"o": organization, "n": page_size}))
                .await
                .ok();
            counts.push(app.metrics.statements() - before);
            let nodes = answer.data("/customers/nodes").as_array().expect("nodes");
            assert_eq!(nodes.len(), page_size as usize);
            assert!(
                nodes
                    .iter()
                    .all(|node| node["feedbacks"]["totalCount"] == 4)
            );
        }
        assert!(
            counts[0] <= 7,
            "{backend:?}: token, customers (with company and persona), 4 pages, 1 for the totals: {counts:?}"
        );
        assert_eq!(
            counts[0], counts[1],
            "{backend:?}: independent of the page size"
        );
    }
}

on_each_backend! {
    async fn no_more_child_rows_are_fetched_than_returned(backend) {
        let (app, organization, token) = seeded_app(backend, 30).await;
        let before = app.metrics.child_rows();
        let answer = app
            .graphql(&token, NESTED, json!({"o": organization, "n": 30}))
            .await
            .ok();
        let fetched = app.metrics.child_rows() - before;
        let returned: usize = answer
            .data("/customers/nodes")
            .as_array()
            .expect("nodes")
            .iter()
            .map(|node| {
                ["feedbacks", "feedbackHighlights", "insights", "issues"]
                    .iter()
                    .map(|field| node[field]["nodes"].as_array().map_or(0, Vec::len))
                    .sum::<usize>()
            })
            .sum();
        assert_eq!(fetched, returned as u64, "{backend:?}");
        assert!(returned > 30 * 3, "the test exercises real pages");
    }
}

/// A running SQLite app and a token of a new organization.
async fn sqlite_app_and_token() -> (TestApp, String) {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, token) = app.organization_with_token().await;
    (app, token)
}

/// `POST /graphql` of `body` as JSON with `token`, accepting `accept`.
async fn post_accepting(
    app: &TestApp,
    token: &str,
    accept: &str,
    body: &Value,
) -> reqwest::Response {
    app.graphql_request(token)
        .header("Accept", accept)
        .json(body)
        .send()
        .await
        .expect("send")
}

/// `GET /graphql?query=…` with `token`.
async fn get_query(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client
        .get(app.url("/graphql"))
        .bearer_auth(token)
        .query(&[("query", query)])
        .send()
        .await
        .expect("send")
}

/// The operation the GraphQL-over-HTTP scenarios send.
fn viewer() -> Value {
    json!({"query": "{ viewer { uuid } }"})
}

#[tokio::test]
async fn a_graphql_request_without_a_token_is_401_with_a_bearer_challenge() {
    let app = spawn_app(Backend::Sqlite).await;
    let no_token = app
        .client
        .post(app.url("/graphql"))
        .json(&viewer())
        .send()
        .await
        .expect("send");
    assert_eq!(no_token.status(), 401);
    assert_eq!(no_token.headers()["www-authenticate"], "Bearer");
    let body: Value = no_token.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn graphql_answers_the_media_type_it_is_asked_for_or_406() {
    let (app, token) = sqlite_app_and_token().await;
    for (accept, content_type) in [
        (
            "application/graphql-response+json",
            "application/graphql-response+json; charset=utf-8",
        ),
        ("application/json", "application/json; charset=utf-8"),
        ("*/*", "application/json; charset=utf-8"),
        (
            "application/json;q=0.5, application/graphql-response+json",
            "application/graphql-response+json; charset=utf-8",
        ),
    ] {
        let response = post_accepting(&app, &token, accept, &viewer()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], content_type, "{accept}");
    }
    let unacceptable = post_accepting(&app, &token, "text/csv", &viewer()).await;
    assert_eq!(unacceptable.status(), 406);
}

/// A document that does not parse is 400 as `application/graphql-response+json`
/// and 200 as `application/json`; one that does not validate, or a body
/// without a Content-Type, is refused.
#[tokio::test]
async fn a_document_that_does_not_parse_or_validate_is_a_request_error() {
    let (app, token) = sqlite_app_and_token().await;
    let unparsable = json!({"query": "{ viewer { "});
    for (accept, status) in [
        ("application/graphql-response+json", 400),
        ("application/json", 200),
    ] {
        let response = post_accepting(&app, &token, accept, &unparsable).await;
        assert_eq!(response.status(), status, "{accept}");
        let body: Value = response.json().await.expect("json");
        assert!(body.get("data").is_none());
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "GRAPHQL_PARSE_FAILED"
        );
    }
    let invalid = app
        .graphql(&token, "{ viewer { noSuchField } }", json!({}))
        .await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));

    let no_type = app
        .graphql_request(&token)
        .body(viewer().to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(no_type.status(), 415);
}

/// GET runs a query, refuses a mutation with 405 and `Allow: POST`, and
/// serves the page to a browser.
#[tokio::test]
async fn get_runs_queries_refuses_mutations_and_serves_the_page_to_browsers() {
    let (app, token) = sqlite_app_and_token().await;
    let get = get_query(&app, &token, "{ viewer { uuid } }").await;
    assert_eq!(get.status(), 200);
    let mutation = get_query(&app, &token, "mutation { createPersona(organizationUuid: \"00000000-0000-0000-0000-000000000000\", name: \"x\") { uuid } }").await;
    assert_eq!(mutation.status(), 405);
    assert_eq!(mutation.headers()["allow"], "POST");

    let page = app
        .client
        .get(app.url("/graphql"))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("send");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("<html"));
}

#[tokio::test]
async fn batches_are_off_by_default_and_an_oversized_body_is_413() {
    let (app, token) = sqlite_app_and_token().await;
    let batch = post_accepting(
        &app,
        &token,
        "application/graphql-response+json",
        &json!([viewer(), viewer()]),
    )
    .await;
    assert_eq!(batch.status(), 400, "batches are off by default");

    let huge = json!({"query": format!("{{ viewer {{ uuid }} }} #{}", "x".repeat(300 * 1024))});
    let too_large = app
        .graphql_request(&token)
        .json(&huge)
        .send()
        .await
        .expect("send");
    assert_eq!(too_large.status(), 413);
}

#[tokio::test]
async fn depth_complexity_and_batch_limits_hold_and_are_configurable() {
    let app = spawn_app(Backend::Sqlite).await;
    let (organization, token) = app.organization_with_token().await;
    let deep = "query($o: UUID!) { customers(organizationUuid: $o, pageSize: 1) { nodes { feedbacks(pageSize: 1) { nodes { customer { feedbacks(pageSize: 1) { nodes { customer { feedbacks(pageSize: 1) { nodes { highlights(pageSize: 1) { nodes { feedback { uuid } } } } } } } } } } } } } }";
    let answer = app.graphql(&token, deep, json!({"o": organization})).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nested too deep")),
        "{}",
        answer.body
    );

    let wide = "query($o: UUID!) { customers(organizationUuid: $o, pageSize: 100) { nodes { feedbacks(pageSize: 100) { nodes { highlights(pageSize: 100) { nodes { quote } } } } } } }";
    let answer = app.graphql(&token, wide, json!({"o": organization})).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("complex")),
        "{}",
        answer.body
    );

    let config = ServerConfig {
        graphql_max_batch: 3,
        graphql_introspection: false,
        ..ServerConfig::default()
    };
    let relaxed = spawn_app_with(Backend::Sqlite, config).await;
    let (_, relaxed_token) = relaxed.organization_with_token().await;
    let single = json!({"query": "{ viewer { uuid } }"});
    let batch = relaxed
        .graphql_request(&relaxed_token)
        .json(&json!([single, single]))
        .send()
        .await
        .expect("send");
    assert_eq!(batch.status(), 200);
    let body: Value = batch.json().await.expect("json");
    assert_eq!(body.as_array().map(Vec::len), Some(2));
    let too_many = relaxed
        .graphql_request(&relaxed_token)
        .header("Accept", "application/graphql-response+json")
        .json(&json!([single, single, single, single]))
        .send()
        .await
        .expect("send");
    assert_eq!(too_many.status(), 400);
    let introspection = relaxed
        .graphql(&relaxed_token, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        introspection.body.get("errors").is_some()
            || introspection.body["data"]["__schema"].is_null(),
        "introspection can be turned off: {}",
        introspection.body
    );
    let allowed = app
        .graphql(&token, "{ __schema { queryType { name } } }", json!({}))
        .await
        .ok();
    assert_eq!(allowed.data("/__schema/queryType/name"), "QueryRoot");
}

#[tokio::test]
async fn a_database_failure_answers_a_coded_error_without_sql() {
    let app = spawn_app(Backend::Sqlite).await;
    let (organization, token) = app.organization_with_token().await;
    // Authenticate first, then take the database away mid-flight by closing the pool.
    let query = json!({"query": "query($o: UUID!) { customers(organizationUuid: $o) { totalCount } }", "variables": {"o": organization}});
    let state = customer_graph::app::AppState::new(
        app.db.clone(),
        app.metrics.clone(),
        ServerConfig::default(),
    );
    let tenant = customer_graph::auth::authenticate(&state, Some(&token))
        .await
        .expect("valid token");
    app.db.close_by_ref().await.expect("close");
    let request: async_graphql::Request = serde_json::from_value(query).expect("request");
    let response = state.execute(tenant, request).await;
    let body = serde_json::to_string(&response).expect("json");
    assert!(!body.to_lowercase().contains("select"), "{body}");
    assert!(!body.contains("customers c"), "{body}");
    let code = response.errors[0]
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .cloned();
    assert!(
        matches!(code, Some(async_graphql::Value::String(ref c)) if c == "SERVICE_UNAVAILABLE" || c == "INTERNAL_SERVER_ERROR"),
        "{body}"
    );
}

#[test]
fn schema_graphql_is_the_served_schema() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql");
    assert!(
        committed == customer_graph::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
}

#[tokio::test]
async fn response_fields_follow_the_order_of_the_query() {
    let (app, organization, token) = seeded_app(Backend::Sqlite, 5).await;
    let query = "query($o: UUID!) { customers(organizationUuid: $o, pageSize: 3) { nodes {
        fullName issues(pageSize: 1) { totalCount } company { name } ...More persona { name } averageSentiment
    } totalCount } } fragment More on Customer { insights(pageSize: 1) { totalCount } mail: email }";
    for _ in 0..5 {
        let response = app
            .graphql_request(&token)
            .json(&json!({"query": query, "variables": {"o": organization}}))
            .send()
            .await
            .expect("send");
        let text = response.text().await.expect("body");
        let positions: Vec<usize> = [
            "\"fullName\"",
            "\"issues\"",
            "\"company\"",
            "\"insights\"",
            "\"mail\"",
            "\"persona\"",
            "\"averageSentiment\"",
        ]
        .iter()
        .map(|key| {
            text.find(key)
                .unwrap_or_else(|| panic!("{key} missing in {text}"))
        })
        .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
        assert!(
            text.find("\"nodes\"") < text.find("\"totalCount\":5"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_standard_introspection_query_is_not_held_to_the_depth_limit() {
    let app = spawn_app(Backend::Sqlite).await;
    let (organization, token) = app.organization_with_token().await;
    let deep_introspection = "{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } } } }";
    let answer = app
        .graphql(&token, deep_introspection, json!({}))
        .await
        .ok();
    assert!(
        answer
            .data("/__schema/types")
            .as_array()
            .is_some_and(|types| types.len() > 10)
    );
    let mixed = format!(
        "query($o: UUID!) {{ customers(organizationUuid: $o) {{ totalCount }} {} }}",
        &deep_introspection[2..deep_introspection.len() - 2]
    );
    let answer = app
        .graphql(&token, &mixed, json!({"o": organization}))
        .await;
    assert_eq!(
        answer.status, 400,
        "data queries keep the limit: {}",
        answer.body
    );
}

#[tokio::test]
async fn a_document_whose_fragments_double_each_other_is_refused_before_it_runs() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, token) = app.organization_with_token().await;
    // F{n} spreads F{n-1} twice: 2^23 fields once expanded.
    let doubling: String = (1..=23)
        .map(|level| {
            let below = level - 1;
            format!(" fragment F{level} on QueryRoot {{ ...F{below} ...F{below} }}")
        })
        .collect();
    let document = format!("{{ ...F23 }} fragment F0 on QueryRoot {{ __typename }}{doubling}");
    let answer = app.graphql(&token, &document, json!({})).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));
}

/// Every parent's page as [`relations::pages`] reads it, for all `parents` in
/// one batch and in batches of `batch`.
async fn pages_both_ways<M>(
    app: &TestApp,
    organization: Uuid,
    relation: Relation,
    parents: &[Uuid],
    window: Window,
    batch: usize,
) -> (HashMap<Uuid, Vec<M>>, HashMap<Uuid, Vec<M>>)
where
    M: sea_orm::FromQueryResult,
{
    let whole = relations::pages::<M, _>(&app.db, organization, relation, parents, window)
        .await
        .expect("one batch");
    let mut batched = HashMap::new();
    for chunk in parents.chunks(batch) {
        batched.extend(
            relations::pages::<M, _>(&app.db, organization, relation, chunk, window)
                .await
                .expect("a small batch"),
        );
    }
    (whole, batched)
}

/// An app seeded with 120 customers, its organization and the customers'
/// uuids: over the most SQLite joins as separate walks, so the whole batch is
/// numbered there and batches of 40 are walked.
async fn many_parents(backend: Backend) -> (TestApp, Uuid, Vec<Uuid>) {
    let (app, organization, _) = seeded_app(backend, 120).await;
    let customers = customers::Entity::find()
        .filter(customers::Column::OrganizationUuid.eq(organization))
        .all(&app.db)
        .await
        .expect("customers");
    let parents = customers.iter().map(|customer| customer.uuid).collect();
    (app, organization, parents)
}

/// The page the batch scenarios read: the second to the fourth child.
const WINDOW: Window = Window {
    limit: 3,
    offset: 1,
};

on_each_backend! {
    async fn large_and_small_batches_give_every_customer_exactly_its_own_feedback_page(backend) {
        let (app, organization, parents) = many_parents(backend).await;
        let window = WINDOW;
        let all_feedbacks = feedbacks::Entity::find()
            .filter(feedbacks::Column::OrganizationUuid.eq(organization))
            .all(&app.db)
            .await
            .expect("feedbacks");
        for (sort, direction) in [
            (FeedbackSort::FeedbackDate, Direction::Desc),
            (FeedbackSort::Source, Direction::Asc),
        ] {
            let relation = Relation::CustomerFeedbacks(sort, direction);
            let (whole, batched) = pages_both_ways::<feedbacks::Model>(
                &app,
                organization,
                relation,
                &parents,
                window,
                40,
            )
            .await;
            assert_eq!(whole, batched, "{backend:?} {relation:?}");
            for parent in &parents {
                let mut own: Vec<&feedbacks::Model> = all_feedbacks
                    .iter()
                    .filter(|feedback| feedback.customer_uuid == *parent)
                    .collect();
                own.sort_by(|a, b| {
                    let by_column = match sort {
                        FeedbackSort::Source => a.source.cmp(&b.source),
                        _ => b.feedback_date.cmp(&a.feedback_date),
                    };
                    by_column.then(a.uuid.cmp(&b.uuid))
                });
                let expected: Vec<feedbacks::Model> =
                    own.into_iter().skip(1).take(3).cloned().collect();
                assert_eq!(whole[parent], expected, "{backend:?} {relation:?}");
            }
        }
    }
}

on_each_backend! {
    /// A customer's highlights come newest feedback first, then by uuid.
    async fn large_and_small_batches_give_every_customer_exactly_its_own_highlight_page(backend) {
        let (app, organization, parents) = many_parents(backend).await;
        let window = WINDOW;
        let (whole, batched) = pages_both_ways::<feedback_highlights::Model>(
            &app,
            organization,
            Relation::CustomerHighlights,
            &parents,
            window,
            40,
        )
        .await;
        assert_eq!(whole, batched, "{backend:?} highlights");
        assert!(
            whole.values().any(|page| page.len() == 3),
            "{backend:?}: the seed gives some customers full pages"
        );
        for (parent, page) in &whole {
            assert!(
                page.iter()
                    .all(|highlight| highlight.customer_uuid == *parent)
            );
            assert!(
                page.windows(2)
                    .all(|pair| (pair[1].feedback_date, pair[0].uuid)
                        <= (pair[0].feedback_date, pair[1].uuid)),
                "{backend:?}: newest feedback first, then by uuid"
            );
        }
    }
}
