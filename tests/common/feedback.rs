//! The organization the feedback-API scenarios share: the `common::graph`
//! fixture, two spaces and four more feedbacks that use every field of the
//! feedback API ([`feedback_fixture`]); and the organization's whole
//! feedback list as rows ([`all_feedbacks`]), from which a scenario
//! computes the answer a filter or a sort must give; with the checks the
//! scenarios share (a refusal's code and parameter, a customer's counters,
//! the links left to highlights).

use chrono::{DateTime, Utc};
use entity::{insight_highlights, issue_highlights};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::graph::{Fixture, fixture, uuid_of};
use super::{Backend, GraphQLAnswer, TestApp, spawn_app};

/// `createFeedback`, answering every field of a feedback.
pub const NEW_FEEDBACK: &str = "mutation($o: UUID!, $i: CreateFeedbackInput!) {
  createFeedback(organizationUuid: $o, input: $i) {
    uuid customerUuid feedbackContents feedbackDate source feedbackType priority
    dataSourceType dataSourceId createdAt spaceUuids spaces { totalCount nodes { uuid name } }
  } }";

/// `createSpace`, answering every field of a space.
pub const NEW_SPACE: &str = "mutation($o: UUID!, $n: String!, $d: String) {
  createSpace(organizationUuid: $o, name: $n, description: $d) {
    uuid organizationUuid name description createdAt
  } }";

/// The instant of Alice's and Bob's feedbacks of the API (a shared date).
pub const JUNE: &str = "2025-06-01T12:00:00Z";

/// The [`fixture`] organization, its two spaces and four feedbacks of the
/// feedback API (the fixture's six have the defaults: type
/// `FEEDBACK_RESPONSE`, priority 0, no space).
pub struct FeedbackFixture {
    /// The `common::graph` organization.
    pub fx: Fixture,
    /// The space "Roadmap".
    pub roadmap: Uuid,
    /// The space "Bugs" (first by name).
    pub bugs: Uuid,
    /// Alice's `NPS_RESPONSE` at [`JUNE`], priority 4, in both spaces.
    pub alice_nps: Uuid,
    /// Bob's `SUPPORT_EXCHANGE` at [`JUNE`], priority 2, in Bugs.
    pub bob_support: Uuid,
}

/// Runs a mutation that must succeed: its one field's answer.
pub async fn mutate(app: &TestApp, token: &str, mutation: &str, variables: Value) -> Value {
    let answer = app.graphql(token, mutation, variables).await.ok();
    let data = answer.body["data"].as_object().expect("data object");
    data.values().next().expect("one field").clone()
}

/// Builds a [`FeedbackFixture`] on `app`.
pub async fn feedback_fixture(app: &TestApp) -> FeedbackFixture {
    let fx = fixture(app).await;
    let (token, org) = (fx.token.clone(), json!(fx.organization));
    let mut spaces = Vec::new();
    for (name, description) in [
        ("Roadmap", "what to build next"),
        ("Bugs", "what is broken"),
    ] {
        let variables = json!({"o": org, "n": name, "d": description});
        spaces.push(uuid_of(
            &mutate(app, &token, NEW_SPACE, variables).await["uuid"],
        ));
    }
    let [roadmap, bugs]: [Uuid; 2] = spaces.try_into().expect("two spaces");
    let mut created = Vec::new();
    for input in [
        json!({"customerUuid": fx.alice, "feedbackContents": "Checkout is SLOW on mobile",
            "feedbackDate": JUNE, "feedbackType": "NPS_RESPONSE", "priority": 4,
            "dataSourceType": "SLACK_CHANNEL", "dataSourceId": "C123", "spaceUuids": [roadmap, bugs]}),
        json!({"customerUuid": fx.bob, "feedbackContents": "Search is slow",
            "feedbackDate": JUNE, "feedbackType": "SUPPORT_EXCHANGE", "priority": 2,
            "dataSourceType": "ZENDESK", "dataSourceId": "ticket-9", "spaceUuids": [bugs]}),
        json!({"customerUuid": fx.carol, "feedbackContents": "Love the new dashboard",
            "feedbackDate": "2025-07-01T00:00:00Z", "feedbackType": "NPS_RESPONSE", "priority": 2,
            "spaceUuids": [roadmap]}),
        // At the instant of Bob's fixture feedback: a tie on the date.
        json!({"customerUuid": fx.dave, "feedbackContents": "Pricing question",
            "feedbackDate": "2025-02-01T10:00:00Z", "feedbackType": "SALES_CALL", "priority": 1}),
    ] {
        let variables = json!({"o": org, "i": input});
        created.push(uuid_of(
            &mutate(app, &token, NEW_FEEDBACK, variables).await["uuid"],
        ));
    }
    FeedbackFixture {
        fx,
        roadmap,
        bugs,
        alice_nps: created[0],
        bob_support: created[1],
    }
}

/// A running app with the [`FeedbackFixture`] organization.
pub async fn app_with_feedback(backend: Backend) -> (TestApp, FeedbackFixture) {
    let app = spawn_app(backend).await;
    let ff = feedback_fixture(&app).await;
    (app, ff)
}

/// Panics unless `answer` failed with `code`, naming `parameter`.
pub fn refused(answer: &GraphQLAnswer, code: &str, parameter: &str, case: &str) {
    assert_eq!(answer.error_code(), Some(code), "{case}: {}", answer.body);
    assert_eq!(
        answer.body["errors"][0]["extensions"]["parameter"], parameter,
        "{case}: {}",
        answer.body
    );
}

/// A customer's counters and derived lists.
pub const CUSTOMER_STATE: &str =
    "query($u: UUID!) { viewer { customer(uuid: $u) { feedbackCount lastInteractedDate version
    feedbackHighlights { totalCount } insights { totalCount } issues { totalCount } } } }";

/// [`CUSTOMER_STATE`] of `customer`.
pub async fn customer_state(app: &TestApp, token: &str, customer: Uuid) -> Value {
    let answer = app
        .graphql(token, CUSTOMER_STATE, json!({"u": customer}))
        .await
        .ok();
    answer.data("/viewer/customer").clone()
}

/// How many insight and issue links the highlights `of` still have.
pub async fn links(app: &TestApp, of: &[Uuid]) -> u64 {
    let insights = insight_highlights::Entity::find()
        .filter(insight_highlights::Column::HighlightUuid.is_in(of.iter().copied()))
        .count(&app.db);
    let issues = issue_highlights::Entity::find()
        .filter(issue_highlights::Column::HighlightUuid.is_in(of.iter().copied()))
        .count(&app.db);
    insights.await.expect("count") + issues.await.expect("count")
}

/// The organization's feedback list with a filter, sort and direction.
pub const FEEDBACK_LIST: &str = "query($f: FeedbackFilter, $s: FeedbackSortBy, $d: SortDirection) {
  viewer { feedbacks(filter: $f, sortBy: $s, sortDirection: $d, pageSize: 100) { totalCount nodes { uuid } } } }";

/// [`FEEDBACK_LIST`] with `variables`: the uuids listed and the total.
pub async fn listed(app: &TestApp, token: &str, variables: Value) -> (Vec<Uuid>, i64) {
    let answer = app.graphql(token, FEEDBACK_LIST, variables).await.ok();
    let page = answer.data("/viewer/feedbacks");
    (
        uuids(&page["nodes"]),
        page["totalCount"].as_i64().expect("total"),
    )
}

/// The organization's customer total and feedback total.
pub async fn totals(app: &TestApp, token: &str) -> (i64, i64) {
    let answer = app
        .graphql(
            token,
            "{ viewer { customers { totalCount } feedbacks { totalCount } } }",
            json!({}),
        )
        .await
        .ok();
    let total = |pointer: &str| answer.data(pointer).as_i64().expect("total");
    (
        total("/viewer/customers/totalCount"),
        total("/viewer/feedbacks/totalCount"),
    )
}

/// A feedback as the scenarios compare it.
#[derive(Debug, Clone)]
pub struct FeedbackRow {
    pub uuid: Uuid,
    pub customer: Uuid,
    /// The customer's company.
    pub company: Option<Uuid>,
    pub contents: String,
    pub date: DateTime<Utc>,
    pub created: DateTime<Utc>,
    pub priority: i64,
    pub kind: String,
    pub spaces: Vec<Uuid>,
    /// The mean sentiment of its highlights.
    pub sentiment: Option<f64>,
}

/// What [`all_feedbacks`] reads of each feedback.
const ROW_FIELDS: &str = "uuid customerUuid feedbackContents feedbackDate createdAt priority
    feedbackType spaceUuids customer { customerCompanyUuid }
    highlights(pageSize: 100) { nodes { sentimentScore } }";

/// An RFC 3339 instant.
pub fn instant(text: &str) -> DateTime<Utc> {
    text.parse()
        .unwrap_or_else(|_| panic!("not an instant: {text}"))
}

impl FeedbackRow {
    fn read(node: &Value) -> FeedbackRow {
        let scores: Vec<f64> = node["highlights"]["nodes"]
            .as_array()
            .expect("highlights")
            .iter()
            .map(|highlight| highlight["sentimentScore"].as_f64().expect("score"))
            .collect();
        let company = &node["customer"]["customerCompanyUuid"];
        FeedbackRow {
            uuid: uuid_of(&node["uuid"]),
            customer: uuid_of(&node["customerUuid"]),
            company: (!company.is_null()).then(|| uuid_of(company)),
            contents: node["feedbackContents"].as_str().expect("text").to_owned(),
            date: instant(node["feedbackDate"].as_str().expect("date")),
            created: instant(node["createdAt"].as_str().expect("date")),
            priority: node["priority"].as_i64().expect("priority"),
            kind: node["feedbackType"].as_str().expect("type").to_owned(),
            spaces: node["spaceUuids"]
                .as_array()
                .expect("space uuids")
                .iter()
                .map(uuid_of)
                .collect(),
            sentiment: (!scores.is_empty())
                .then(|| scores.iter().sum::<f64>() / scores.len() as f64),
        }
    }
}

/// Every feedback of the token's organization (at most 100).
pub async fn all_feedbacks(app: &TestApp, token: &str) -> Vec<FeedbackRow> {
    let query = format!(
        "{{ viewer {{ feedbacks(pageSize: 100) {{ totalCount nodes {{ {ROW_FIELDS} }} }} }} }}"
    );
    let answer = app.graphql(token, &query, json!({})).await.ok();
    let nodes = answer
        .data("/viewer/feedbacks/nodes")
        .as_array()
        .expect("nodes");
    assert_eq!(answer.data("/viewer/feedbacks/totalCount"), nodes.len());
    nodes.iter().map(FeedbackRow::read).collect()
}

/// The uuids of `rows` ordered by `key` (largest first when `descending`),
/// ties broken by uuid in the same direction, as the API orders them.
pub fn ordered<K: Ord>(
    rows: &[&FeedbackRow],
    key: impl Fn(&FeedbackRow) -> K,
    descending: bool,
) -> Vec<Uuid> {
    let mut rows = rows.to_vec();
    // Ties go by uuid in the sort's direction.
    rows.sort_by(|a, b| {
        let order = (key(a), a.uuid).cmp(&(key(b), b.uuid));
        match descending {
            true => order.reverse(),
            false => order,
        }
    });
    rows.iter().map(|row| row.uuid).collect()
}

/// The uuids `nodes` (a JSON list of objects with a `uuid`) holds.
pub fn uuids(nodes: &Value) -> Vec<Uuid> {
    nodes
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {nodes}"))
        .iter()
        .map(|node| uuid_of(&node["uuid"]))
        .collect()
}
