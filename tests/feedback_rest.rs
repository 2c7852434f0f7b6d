//! The feedback API's REST routes (`…/feedbacks`, `…/spaces`) and the
//! customer delete: every route in its envelope, every filter of the
//! feedback list checked against the same answer computed here from the
//! full list, the sort orders, dates in every accepted form and the refused
//! ones, the all-or-nothing delete with the customers' counters after it,
//! and another organization's rows answered exactly like missing ones. Each
//! scenario runs once per backend (`…::on_sqlite`, `…::on_postgres`).

mod common;

use std::collections::{HashMap, HashSet};

use common::rest::answer;
use common::{TestApp, mail, sorted, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// The members of every feedback in an answer.
const FEEDBACK_KEYS: &[&str] = &[
    "uuid",
    "organization_uuid",
    "customer_uuid",
    "feedback_contents",
    "feedback_date",
    "priority",
    "feedback_type",
    "data_source_type",
    "data_source_id",
    "space_uuids",
    "created_at",
    "source",
];

/// One organization's `/api/v1/organizations/{org}` routes, with its token.
struct Org<'a> {
    app: &'a TestApp,
    organization: Uuid,
    token: String,
}

impl<'a> Org<'a> {
    async fn new(app: &'a TestApp) -> Org<'a> {
        let (organization, token) = app.organization_with_token().await;
        Org {
            app,
            organization,
            token,
        }
    }

    /// `method` on `/api/v1/organizations/{org}` + `path` with `body` as JSON:
    /// the status and the JSON body (`null` for none).
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.send_as(&self.token, method, path, body).await
    }

    /// [`Org::send`] with another token.
    async fn send_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = self.app.url(&format!(
            "/api/v1/organizations/{}{path}",
            self.organization
        ));
        let mut request = self.app.client.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        let text = response.text().await.expect("body");
        let body = match text.is_empty() {
            true => Value::Null,
            false => serde_json::from_str(&text).expect("a JSON body"),
        };
        (status, body)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    /// `GET path`, asserting 200: the body.
    async fn read(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// `POST path` with `body`, asserting 201: the one item under `key`.
    async fn create(&self, path: &str, key: &str, body: Value) -> Value {
        let (status, answer) = self.send(Method::POST, path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path} {body}: {answer}");
        answer[key][0].clone()
    }

    /// Runs a GraphQL operation with this organization's token: its data.
    async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.app
            .graphql(&self.token, query, variables)
            .await
            .ok()
            .body["data"]
            .clone()
    }

    /// Asserts a 400 naming `parameter` for `method path body`.
    async fn refused(&self, method: Method, path: &str, body: Option<Value>, parameter: &str) {
        let (status, answer) = self.send(method.clone(), path, body.clone()).await;
        assert_eq!(
            (status, answer["error"]["parameter"].as_str()),
            (StatusCode::BAD_REQUEST, Some(parameter)),
            "{method} {path} {body:?}: {answer}"
        );
        assert_eq!(answer["error"]["code"], "bad_request");
        let message = answer["error"]["message"].as_str().expect("a message");
        for internal in ["i64", "i32", "map", "invalid type", "variant"] {
            assert!(
                !message.contains(internal),
                "{method} {path} {body:?}: {message}"
            );
        }
    }
}

/// A uuid a JSON value holds.
fn uuid(value: &Value) -> Uuid {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a uuid: {value}"))
}

/// The uuids of a feedback list's items, in order.
fn uuids(list: &Value) -> Vec<Uuid> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| uuid(&item["uuid"]))
        .collect()
}

/// The members of a JSON object, sorted.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    keys
}

/// An organization with feedback of every kind: two companies, three
/// customers (Ann and Ben at Acme, Cy at Globex), two spaces and eight
/// feedbacks of various types, priorities, dates, spaces and highlights.
struct Data<'a> {
    org: Org<'a>,
    customers: [Uuid; 3],
    companies: [Uuid; 2],
    spaces: [Uuid; 2],
    /// Every feedback, as `GET /feedbacks?page_size=100` answers it.
    feedbacks: Vec<Value>,
    /// Each feedback's mean highlight sentiment, where it has highlights.
    sentiment: HashMap<Uuid, f64>,
}

/// A feedback to record: (customer, contents, date, type, priority, spaces,
/// highlight scores).
type Given = (
    usize,
    &'static str,
    &'static str,
    &'static str,
    i64,
    Vec<usize>,
    Vec<f64>,
);

async fn data(app: &TestApp) -> Data<'_> {
    let org = Org::new(app).await;
    let o = org.organization;
    let mut companies = Vec::new();
    for name in ["Acme", "Globex"] {
        let data = org
            .graphql(
                "mutation($o: UUID!, $n: String!) { createCustomerCompany(organizationUuid: $o, name: $n) { uuid } }",
                json!({"o": o, "n": name}),
            )
            .await;
        companies.push(uuid(&data["createCustomerCompany"]["uuid"]));
    }
    let mut customers = Vec::new();
    for (name, company) in [
        ("Ann", companies[0]),
        ("Ben", companies[0]),
        ("Cy", companies[1]),
    ] {
        let body = json!({"full_name": name, "email": mail(&name.to_lowercase(), "example.com"), "customer_company_uuid": company});
        customers.push(uuid(
            &org.create("/customers", "customers", body).await["uuid"],
        ));
    }
    let mut spaces = Vec::new();
    for name in ["Roadmap", "Bugs"] {
        let body = json!({"name": name, "description": format!("{name} feedback")});
        spaces.push(uuid(&org.create("/spaces", "spaces", body).await["uuid"]));
    }
    let rows: [Given; 8] = [
        (
            0,
            "Checkout is slow",
            "2025-03-01T10:00:00Z",
            "SUPPORT_EXCHANGE",
            3,
            vec![1],
            vec![-0.8, -0.4],
        ),
        (
            0,
            "Love the new dashboard",
            "2025-03-01",
            "NPS_RESPONSE",
            0,
            vec![0],
            vec![0.9],
        ),
        (
            1,
            "CHECKOUT crashed twice",
            "2025-03-02T23:59:59",
            "SUPPORT_EXCHANGE",
            4,
            vec![0, 1],
            vec![-1.0],
        ),
        (
            1,
            "Please add SSO",
            "2025-02-10T08:30:00+02:00",
            "SALES_CALL",
            2,
            vec![0],
            vec![],
        ),
        (
            2,
            "Straße names break search",
            "2025-01-05T12:00:00Z",
            "USER_INTERVIEW",
            1,
            vec![],
            vec![0.1, 0.3],
        ),
        (
            2,
            "Csat: fine",
            "2025-03-31",
            "CSAT_RESPONSE",
            0,
            vec![],
            vec![0.5],
        ),
        (
            2,
            "The API is great",
            "2025-04-01T00:00:00Z",
            "FEEDBACK_RESPONSE",
            2,
            vec![1],
            vec![0.7],
        ),
        (
            0,
            "Exports time out",
            "2024-12-31T23:59:59.999999Z",
            "AI_CHAT",
            4,
            vec![],
            vec![-0.2],
        ),
    ];
    let mut sentiment = HashMap::new();
    for (customer, contents, date, kind, priority, in_spaces, scores) in rows {
        let body = json!({
            "customer_uuid": customers[customer],
            "feedback_contents": contents,
            "feedback_date": date,
            "feedback_type": kind,
            "priority": priority,
            "data_source_type": "ZENDESK",
            "data_source_id": format!("ticket-{priority}"),
            "space_uuids": in_spaces.iter().map(|space| spaces[*space]).collect::<Vec<_>>(),
        });
        let feedback = uuid(&org.create("/feedbacks", "feedbacks", body).await["uuid"]);
        for score in &scores {
            org.graphql(
                "mutation($o: UUID!, $f: UUID!, $s: Float!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: \"q\", sentimentScore: $s) { uuid } }",
                json!({"o": o, "f": feedback, "s": score}),
            )
            .await;
        }
        if !scores.is_empty() {
            sentiment.insert(feedback, scores.iter().sum::<f64>() / scores.len() as f64);
        }
    }
    let all = org.read("/feedbacks?page_size=100").await;
    assert_eq!(all["total_feedback_count"], 8, "{all}");
    Data {
        feedbacks: all["feedbacks"].as_array().expect("feedbacks").clone(),
        customers: customers.try_into().expect("three customers"),
        companies: companies.try_into().expect("two companies"),
        spaces: spaces.try_into().expect("two spaces"),
        org,
        sentiment,
    }
}

impl Data<'_> {
    /// The uuids of the feedbacks that `keep` keeps, in the default order
    /// (newest `feedback_date` first, ties by uuid).
    fn expected(&self, keep: impl Fn(&Value) -> bool) -> Vec<Uuid> {
        self.feedbacks
            .iter()
            .filter(|feedback| keep(feedback))
            .map(|feedback| uuid(&feedback["uuid"]))
            .collect()
    }

    fn company_of(&self, feedback: &Value) -> Uuid {
        let customer = uuid(&feedback["customer_uuid"]);
        match self.customers.iter().position(|known| *known == customer) {
            Some(2) => self.companies[1],
            _ => self.companies[0],
        }
    }

    fn date(feedback: &Value) -> chrono::DateTime<chrono::Utc> {
        feedback["feedback_date"]
            .as_str()
            .and_then(|date| date.parse().ok())
            .expect("an RFC 3339 date")
    }
}

on_each_backend! {
    /// Every route answers in its envelope, every feedback with the same members.
    async fn every_feedback_route_answers_in_its_envelope(backend) {
        let app = spawn_app(backend).await;
        let data = data(&app).await;
        let org = &data.org;
        for feedback in &data.feedbacks {
            assert_eq!(keys(feedback), sorted(FEEDBACK_KEYS), "{backend:?}");
        }
        let listed = org.read("/feedbacks").await;
        assert_eq!(keys(&listed), sorted(&["feedbacks", "total_feedback_count", "next_cursor"]));
        // One feedback, with its highlights (oldest first) and their total.
        let checkout = data.feedbacks.iter().find(|f| f["feedback_contents"] == "Checkout is slow").expect("listed");
        let read = org.read(&format!("/feedbacks/{}", checkout["uuid"].as_str().expect("uuid"))).await;
        assert_eq!(keys(&read), sorted(&["feedbacks"]));
        let detail = &read["feedbacks"][0];
        let mut expected = FEEDBACK_KEYS.to_vec();
        expected.extend(["highlights", "total_highlight_count"]);
        assert_eq!(keys(detail), sorted(&expected));
        assert_eq!(detail["total_highlight_count"], 2);
        let scores: Vec<f64> = detail["highlights"].as_array().expect("highlights").iter()
            .map(|h| h["sentiment_score"].as_f64().expect("score")).collect();
        assert_eq!(scores, [-0.8, -0.4], "oldest first");
        for (member, value) in [
            ("priority", json!(3)),
            ("feedback_type", json!("SUPPORT_EXCHANGE")),
            ("data_source_type", json!("ZENDESK")),
            ("data_source_id", json!("ticket-3")),
            ("space_uuids", json!([data.spaces[1]])),
            ("source", json!("zendesk")),
        ] {
            assert_eq!(detail[member], value, "{member}");
        }
        // A feedback's highlights, paged.
        let path = format!("/feedbacks/{}/highlights?page_size=1&page_number=2", checkout["uuid"].as_str().expect("uuid"));
        let page = org.read(&path).await;
        assert_eq!(keys(&page), sorted(&["highlights", "total_highlight_count", "next_cursor"]));
        assert_eq!(page["total_highlight_count"], 2);
        assert_eq!(page["highlights"][0]["sentiment_score"], -0.4);
        // Spaces, by name, with their total; a space's feedbacks.
        let spaces = org.read("/spaces").await;
        assert_eq!(keys(&spaces), sorted(&["spaces", "total_space_count", "next_cursor"]));
        assert_eq!(spaces["total_space_count"], 2);
        assert_eq!(keys(&spaces["spaces"][0]), sorted(&["uuid", "organization_uuid", "name", "description", "created_at"]));
        assert_eq!((spaces["spaces"][0]["name"].clone(), spaces["spaces"][1]["name"].clone()), (json!("Bugs"), json!("Roadmap")));
        let roadmap = org.read(&format!("/spaces/{}/feedbacks", data.spaces[0])).await;
        assert_eq!(uuids(&roadmap["feedbacks"]), data.expected(|f| f["space_uuids"].as_array().expect("spaces").contains(&json!(data.spaces[0]))));
        assert_eq!(roadmap["total_feedback_count"], 3);
        // On a space's route, `space_uuids` narrows to those also in another space.
        let both_spaces = org.read(&format!("/spaces/{}/feedbacks?space_uuids={}", data.spaces[0], data.spaces[1])).await;
        assert_eq!(both_spaces["feedbacks"].as_array().map(Vec::len), Some(1), "{both_spaces}");
        assert_eq!(both_spaces["feedbacks"][0]["feedback_contents"], "CHECKOUT crashed twice");
        // A feedback in two spaces lists both, by name (Bugs, Roadmap).
        let both = data.feedbacks.iter().find(|f| f["feedback_contents"] == "CHECKOUT crashed twice").expect("listed");
        assert_eq!(both["space_uuids"], json!([data.spaces[1], data.spaces[0]]));
        // The customer's own feedback route answers the same members.
        let own = org.read(&format!("/customers/{}/feedbacks", data.customers[1])).await;
        assert_eq!(keys(&own["feedbacks"][0]), sorted(FEEDBACK_KEYS));
        assert_eq!(own["feedbacks"][0]["space_uuids"], both["space_uuids"]);
    }
}

on_each_backend! {
    /// Each filter of `GET /feedbacks` answers what the full list filtered here answers.
    async fn each_feedback_filter_matches_the_full_list_filtered_by_hand(backend) {
        let app = spawn_app(backend).await;
        let data = data(&app).await;
        let day = |text: &str| -> chrono::DateTime<chrono::Utc> { text.parse().expect("instant") };
        let spaces_of = |f: &Value| -> Vec<Uuid> { f["space_uuids"].as_array().expect("spaces").iter().map(uuid).collect() };
        let mean = |f: &Value| data.sentiment.get(&uuid(&f["uuid"])).copied();
        type Keep<'k> = Box<dyn Fn(&Value) -> bool + 'k>;
        let cases: Vec<(String, Keep)> = vec![
            (format!("customer_uuids={},{}", data.customers[0], data.customers[2]),
                Box::new(|f: &Value| uuid(&f["customer_uuid"]) != data.customers[1])),
            (format!("company_uuids={}", data.companies[0]),
                Box::new(|f: &Value| data.company_of(f) == data.companies[0])),
            (format!("space_uuids={}", data.spaces[1]),
                Box::new(|f: &Value| spaces_of(f).contains(&data.spaces[1]))),
            ("feedback_types=SUPPORT_EXCHANGE,nps_response".to_owned(),
                Box::new(|f: &Value| f["feedback_type"] == "SUPPORT_EXCHANGE" || f["feedback_type"] == "NPS_RESPONSE")),
            ("from_date=2025-03-01".to_owned(),
                Box::new(|f: &Value| Data::date(f) >= day("2025-03-01T00:00:00Z"))),
            // A plain to_date takes in its whole day; a date-time bound is inclusive.
            ("to_date=2025-03-02".to_owned(),
                Box::new(|f: &Value| Data::date(f) < day("2025-03-03T00:00:00Z"))),
            ("to_date=2025-03-01T10:00:00".to_owned(),
                Box::new(|f: &Value| Data::date(f) <= day("2025-03-01T10:00:00Z"))),
            ("from_date=2025-03-01T10:00:00%2B00:00&to_date=2025-03-31".to_owned(),
                Box::new(|f: &Value| Data::date(f) >= day("2025-03-01T10:00:00Z") && Data::date(f) < day("2025-04-01T00:00:00Z"))),
            ("search=checkout".to_owned(),
                Box::new(|f: &Value| f["feedback_contents"].as_str().expect("text").to_lowercase().contains("checkout"))),
            ("search=STRASSE".to_owned(),
                Box::new(|f: &Value| f["feedback_contents"].as_str().expect("text").contains("Straße"))),
            ("priority=4".to_owned(), Box::new(|f: &Value| f["priority"] == 4)),
            ("min_priority=2".to_owned(), Box::new(|f: &Value| f["priority"].as_i64().expect("priority") >= 2)),
            ("min_sentiment=0.2".to_owned(), Box::new(|f: &Value| mean(f).is_some_and(|m| m >= 0.2))),
            ("max_sentiment=-0.5".to_owned(), Box::new(|f: &Value| mean(f).is_some_and(|m| m <= -0.5))),
            (format!("company_uuids={}&min_priority=3&feedback_types=SUPPORT_EXCHANGE", data.companies[0]),
                Box::new(|f: &Value| data.company_of(f) == data.companies[0] && f["priority"].as_i64().expect("p") >= 3 && f["feedback_type"] == "SUPPORT_EXCHANGE")),
        ];
        for (query, keep) in cases {
            let expected = data.expected(keep);
            let answer = data.org.read(&format!("/feedbacks?page_size=100&{query}")).await;
            assert_eq!(uuids(&answer["feedbacks"]), expected, "{backend:?} {query}");
            assert_eq!(answer["total_feedback_count"], expected.len(), "{backend:?} {query}");
            // Paging cuts the same list.
            let first = data.org.read(&format!("/feedbacks?page_size=1&{query}")).await;
            assert_eq!(uuids(&first["feedbacks"]), expected.iter().take(1).copied().collect::<Vec<_>>(), "{query}");
        }
    }
}

on_each_backend! {
    /// `sort_by` and `sort_direction` order the list, ties broken by uuid.
    async fn the_feedback_list_sorts_by_each_key_in_both_directions(backend) {
        let app = spawn_app(backend).await;
        let data = data(&app).await;
        for (sort, key) in [("priority", "priority"), ("created_at", "created_at"), ("feedback_date", "feedback_date")] {
            for direction in ["asc", "desc"] {
                let mut expected = data.feedbacks.clone();
                expected.sort_by(|a, b| {
                    let order = match key {
                        "priority" => a[key].as_i64().cmp(&b[key].as_i64()),
                        _ => Data::date_of(a, key).cmp(&Data::date_of(b, key)),
                    };
                    // Ties go by uuid in the sort's direction.
                    let order = order.then(uuid(&a["uuid"]).cmp(&uuid(&b["uuid"])));
                    if direction == "desc" { order.reverse() } else { order }
                });
                let answer = data.org.read(&format!("/feedbacks?page_size=100&sort_by={sort}&sort_direction={direction}")).await;
                assert_eq!(uuids(&answer["feedbacks"]), uuids(&json!(expected)), "{backend:?} {sort} {direction}");
            }
        }
    }
}

impl Data<'_> {
    fn date_of(feedback: &Value, key: &str) -> chrono::DateTime<chrono::Utc> {
        feedback[key]
            .as_str()
            .and_then(|date| date.parse().ok())
            .expect("an RFC 3339 date")
    }
}

on_each_backend! {
    /// Dates are read as RFC 3339, as a date-time without offset (UTC) or as
    /// a plain date, in bodies and in query parameters; anything else is a
    /// 400 naming the input.
    async fn dates_are_read_in_every_accepted_form_and_refused_otherwise(backend) {
        let app = spawn_app(backend).await;
        let data = data(&app).await;
        let org = &data.org;
        let customer = data.customers[0];
        for (given, stored) in [
            ("2025-03-01T10:00:00Z", "2025-03-01T10:00:00+00:00"),
            ("2025-03-01T12:00:00+02:00", "2025-03-01T10:00:00+00:00"),
            ("2025-03-01T10:00:00", "2025-03-01T10:00:00+00:00"),
            ("2025-03-01 10:00:00", "2025-03-01T10:00:00+00:00"),
            ("2025-03-01 12:00:00+02:00", "2025-03-01T10:00:00+00:00"),
            ("2025-03-01T10:00:00.123456", "2025-03-01T10:00:00.123456+00:00"),
            ("2025-03-01", "2025-03-01T00:00:00+00:00"),
        ] {
            let body = json!({"customer_uuid": customer, "feedback_contents": "dated", "feedback_date": given});
            let created = org.create("/feedbacks", "feedbacks", body).await;
            assert_eq!(created["feedback_date"], stored, "{backend:?} {given}");
        }
        for bad in ["2025-02-30", "2025-03-01T25:00:00", "03/01/2025", "2025-3-1", "yesterday", "1899-12-31", "2025-03-01T10:00:00+25:00", "", "2025-03-01T10:00", "2025-03-01T10:00Z", "2025-03-01T10"] {
            let body = json!({"customer_uuid": customer, "feedback_contents": "x", "feedback_date": bad});
            org.refused(Method::POST, "/feedbacks", Some(body), "feedback_date").await;
            for parameter in ["from_date", "to_date"] {
                let encoded: String = url_encode(bad);
                org.refused(Method::GET, &format!("/feedbacks?{parameter}={encoded}"), None, parameter).await;
            }
        }
        org.refused(Method::GET, "/feedbacks?from_date=2025-03-02&to_date=2025-03-01", None, "to_date").await;
    }
}

/// `text` percent-encoded for a query string.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

on_each_backend! {
    /// Bad parameters and bodies are 400s naming the input.
    async fn bad_parameters_and_bodies_are_refused_naming_the_input(backend) {
        let app = spawn_app(backend).await;
        let org = Org::new(&app).await;
        let customer = uuid(&org.create("/customers", "customers", json!({"full_name": "Ann", "email": mail("ann", "example.com")})).await["uuid"]);
        for (query, parameter) in [
            ("page_size=0", "page_size"),
            ("page_size=101", "page_size"),
            ("page_number=x", "page_number"),
            ("priority=5", "priority"),
            ("min_priority=-1", "min_priority"),
            ("feedback_types=NPS,FOO", "feedback_types"),
            ("min_sentiment=2", "min_sentiment"),
            ("max_sentiment=abc", "max_sentiment"),
            ("customer_uuids=nope", "customer_uuids"),
            ("company_uuids=1,2", "company_uuids"),
            ("space_uuids=x", "space_uuids"),
            ("sort_by=contents", "sort_by"),
            ("sort_direction=up", "sort_direction"),
        ] {
            org.refused(Method::GET, &format!("/feedbacks?{query}"), None, parameter).await;
        }
        let space = uuid(&org.create("/spaces", "spaces", json!({"name": "S"})).await["uuid"]);
        org.refused(Method::GET, "/feedbacks?search=caf%E9", None, "search").await;
        org.refused(Method::GET, "/feedbacks?min_sentiment=0.5&max_sentiment=0.1", None, "max_sentiment").await;
        org.refused(Method::GET, &format!("/spaces/{space}/feedbacks?to_date=2025-01-01&from_date=2025-02-01"), None, "to_date").await;
        org.refused(Method::GET, "/feedbacks/not-a-uuid", None, "feedback_uuid").await;
        org.refused(Method::GET, "/spaces/not-a-uuid/feedbacks", None, "space_uuid").await;
        let good = json!({"customer_uuid": customer, "feedback_contents": "hi"});
        for (change, parameter) in [
            (json!({"feedback_contents": null}), "feedback_contents"),
            (json!({"feedback_contents": "  "}), "feedback_contents"),
            (json!({"customer_uuid": "x"}), "customer_uuid"),
            (json!({"priority": 5}), "priority"),
            (json!({"priority": -1}), "priority"),
            (json!({"priority": 2.5}), "priority"),
            (json!({"priority": 99999999999i64}), "priority"),
            (json!({"feedback_type": "NPS"}), "feedback_type"),
            (json!({"feedback_type": 1}), "feedback_type"),
            (json!({"priority": true}), "priority"),
            (json!({"data_source_type": "slack_channel"}), "data_source_type"),
            (json!({"data_source_type": {}}), "data_source_type"),
            (json!({"data_source_id": "x".repeat(201)}), "data_source_id"),
            (json!({"space_uuids": [Uuid::new_v4()]}), "space_uuids"),
            (json!({"space_uuids": (0..101).map(|_| Uuid::new_v4()).collect::<Vec<_>>()}), "space_uuids"),
            (json!({"colour": "red"}), "colour"),
        ] {
            let mut body = good.clone();
            for (key, value) in change.as_object().expect("object") {
                body[key] = value.clone();
            }
            org.refused(Method::POST, "/feedbacks", Some(body), parameter).await;
        }
        org.refused(Method::POST, "/feedbacks", Some(json!({"feedback_contents": "hi"})), "customer_uuid").await;
        org.refused(Method::POST, "/spaces", Some(json!({"name": ""})), "name").await;
        org.refused(Method::POST, "/spaces", Some(json!({"description": "no name"})), "name").await;
        for body in [json!({"feedback_uuids": []}), json!({"feedback_uuids": (0..101).map(|_| Uuid::new_v4()).collect::<Vec<_>>()}), json!({"feedback_uuids": ["x"]}), json!({})] {
            let (status, answer) = org.send(Method::DELETE, "/feedbacks", Some(body.clone())).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
            assert!(answer["error"]["parameter"].as_str().is_some_and(|p| p.starts_with("feedback_uuids")), "{answer}");
        }
        // Nothing was written by any of them.
        assert_eq!(org.read("/feedbacks").await["total_feedback_count"], 0);
        assert_eq!(org.read("/spaces").await["total_space_count"], 1);
    }
}

/// The customer as `GET /customers/{uuid}` answers it, and its `ETag`.
async fn customer(org: &Org<'_>, customer: Uuid) -> (Value, String) {
    let response = org
        .app
        .client
        .get(org.app.url(&format!(
            "/api/v1/organizations/{}/customers/{customer}",
            org.organization
        )))
        .bearer_auth(&org.token)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"]
        .to_str()
        .expect("ETag")
        .to_owned();
    let body: Value = response.json().await.expect("JSON");
    (body["customers"][0].clone(), etag)
}

on_each_backend! {
    /// A recorded feedback moves its customer's counters; a delete takes
    /// all it names or nothing, and recomputes them.
    async fn feedback_moves_its_customers_counters_and_a_delete_is_all_or_nothing(backend) {
        let app = spawn_app(backend).await;
        let data = data(&app).await;
        let org = &data.org;
        let ann = data.customers[0];
        let (before, etag_before) = customer(org, ann).await;
        assert_eq!(before["feedback_count"], 3, "{backend:?}");
        assert_eq!(before["last_interacted_date"], "2025-03-01T10:00:00+00:00");
        org.create("/feedbacks", "feedbacks", json!({"customer_uuid": ann, "feedback_contents": "later", "feedback_date": "2025-06-01"})).await;
        let (after, etag_after) = customer(org, ann).await;
        assert_eq!((after["feedback_count"].clone(), after["last_interacted_date"].clone()), (json!(4), json!("2025-06-01T00:00:00+00:00")));
        assert_ne!(etag_before, etag_after, "the version moved");

        // One unknown uuid among known ones: 404 naming it, nothing deleted.
        let anns: Vec<Uuid> = org.read(&format!("/feedbacks?page_size=100&customer_uuids={ann}")).await["feedbacks"]
            .as_array().expect("list").iter().map(|f| uuid(&f["uuid"])).collect();
        let unknown = Uuid::new_v4();
        let (status, answer) = org.send(Method::DELETE, "/feedbacks", Some(json!({"feedback_uuids": [anns[0], unknown, anns[1]]}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
        assert_eq!(answer["error"]["parameter"], "feedback_uuids");
        assert_eq!(answer["error"]["message"], format!("feedback {unknown} not found"));
        assert_eq!(org.read("/feedbacks").await["total_feedback_count"], 9, "nothing was deleted");
        assert_eq!(customer(org, ann).await.1, etag_after, "nor was the customer touched");

        // Ann's 2025-06-01 and 2025-03-01T10:00 feedbacks go (one named twice),
        // with their highlights and their places in spaces.
        let (status, answer) = org.send(Method::DELETE, "/feedbacks", Some(json!({"feedback_uuids": [anns[0], anns[1], anns[0]]}))).await;
        assert_eq!((status, answer.clone()), (StatusCode::OK, json!({"deleted_feedback_count": 2})), "{backend:?}");
        let (ann_now, _) = customer(org, ann).await;
        assert_eq!(ann_now["feedback_count"], 2);
        assert_eq!(ann_now["last_interacted_date"], "2025-03-01T00:00:00+00:00", "recomputed from what is left");
        let (status, _) = org.get(&format!("/feedbacks/{}", anns[1])).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let bugs = org.read(&format!("/spaces/{}/feedbacks", data.spaces[1])).await;
        assert!(!uuids(&bugs["feedbacks"]).contains(&anns[1]));
        let highlights = org.read(&format!("/customers/{ann}/feedback_highlights")).await;
        assert_eq!(highlights["total_highlight_count"], 2, "the deleted feedback's two highlights went with it");
        // Deleting every feedback of a customer leaves no last interaction.
        let rest: Vec<Uuid> = org.read(&format!("/feedbacks?customer_uuids={ann}")).await["feedbacks"]
            .as_array().expect("list").iter().map(|f| uuid(&f["uuid"])).collect();
        org.send(Method::DELETE, "/feedbacks", Some(json!({"feedback_uuids": rest}))).await;
        let (emptied, _) = customer(org, ann).await;
        assert_eq!((emptied["feedback_count"].clone(), emptied["last_interacted_date"].clone()), (json!(0), Value::Null));
    }
}

on_each_backend! {
    /// `DELETE …/customers/{uuid}` deletes the customer with its feedback,
    /// under `If-Match` like an update.
    async fn a_customer_is_deleted_with_its_feedback_under_its_etag(backend) {
        let app = spawn_app(backend).await;
        let data = data(&app).await;
        let org = &data.org;
        let cy = data.customers[2];
        let (_, etag) = customer(org, cy).await;
        let delete = |tag: &str| {
            org.app.client
                .delete(org.app.url(&format!("/api/v1/organizations/{}/customers/{cy}", org.organization)))
                .bearer_auth(&org.token)
                .header("If-Match", tag.to_owned())
                .send()
        };
        let stale = delete("\"999\"").await.expect("send");
        assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED, "{backend:?}");
        assert_eq!(stale.headers()["etag"].to_str().expect("ETag"), etag);
        assert_eq!(org.read("/feedbacks").await["total_feedback_count"], 8, "nothing deleted");
        let deleted = delete(&etag).await.expect("send");
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        assert!(deleted.text().await.expect("body").is_empty());
        let (status, answer) = org.get(&format!("/customers/{cy}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
        let left = org.read("/feedbacks?page_size=100").await;
        assert_eq!(left["total_feedback_count"], 5, "Cy's three feedbacks went with Cy");
        assert!(left["feedbacks"].as_array().expect("list").iter().all(|f| uuid(&f["customer_uuid"]) != cy));
        assert_eq!(org.read("/customers").await["total_customer_count"], 2);
        let (status, _) = org.send(Method::DELETE, &format!("/customers/{cy}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a second delete finds nothing");
    }
}

on_each_backend! {
    /// Another organization's feedbacks, spaces and customers answer exactly
    /// like missing ones, on every route that names them.
    async fn another_organizations_rows_answer_like_missing_ones(backend) {
        let app = spawn_app(backend).await;
        let data = data(&app).await;
        let other = Org::new(&app).await;
        let other_customer = uuid(&other.create("/customers", "customers", json!({"full_name": "Zed", "email": mail("zed", "example.com")})).await["uuid"]);
        let mine = uuid(&data.feedbacks[0]["uuid"]);
        let missing = Uuid::new_v4();
        // The same answer for a foreign uuid as for a missing one, once the uuid itself is set aside.
        let same = |foreign: (StatusCode, Value), absent: (StatusCode, Value), foreign_uuid: Uuid| {
            let text = serde_json::to_string(&foreign.1).expect("text").replace(&foreign_uuid.to_string(), &missing.to_string());
            assert_eq!((foreign.0, text), (absent.0, serde_json::to_string(&absent.1).expect("text")), "{backend:?}");
            assert_eq!(foreign.0, StatusCode::NOT_FOUND);
        };
        for path in ["/feedbacks/{}", "/feedbacks/{}/highlights", "/spaces/{}/feedbacks"] {
            let foreign = match path.starts_with("/spaces") { true => data.spaces[0], false => mine };
            same(other.get(&path.replace("{}", &foreign.to_string())).await, other.get(&path.replace("{}", &missing.to_string())).await, foreign);
        }
        let delete = |uuid: Uuid| other.send(Method::DELETE, "/feedbacks", Some(json!({"feedback_uuids": [uuid]})));
        same(delete(mine).await, delete(missing).await, mine);
        let record = |customer: Uuid| other.send(Method::POST, "/feedbacks", Some(json!({"customer_uuid": customer, "feedback_contents": "x"})));
        let foreign_customer = data.customers[0];
        same(record(foreign_customer).await, record(missing).await, foreign_customer);
        let file = |space: Uuid| other.send(Method::POST, "/feedbacks", Some(json!({"customer_uuid": other_customer, "feedback_contents": "x", "space_uuids": [space]})));
        let (status, foreign) = file(data.spaces[0]).await;
        let (_, absent) = file(missing).await;
        assert_eq!((status, foreign["error"]["parameter"].clone()), (StatusCode::BAD_REQUEST, json!("space_uuids")));
        assert_eq!(foreign["error"]["message"].as_str().map(|m| m.replace(&data.spaces[0].to_string(), &missing.to_string())), absent["error"]["message"].as_str().map(str::to_owned));
        // Filters by another organization's rows match nothing; its token reads nothing here.
        let filtered = other.read(&format!("/feedbacks?customer_uuids={}&space_uuids={}", data.customers[0], data.spaces[0])).await;
        assert_eq!(filtered["total_feedback_count"], 0);
        let (status, _) = data.org.send_as(&other.token, Method::GET, "/feedbacks", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(data.org.read("/feedbacks").await["total_feedback_count"], 8, "nothing of ours changed");
        let seen: HashSet<Uuid> = uuids(&other.read("/feedbacks").await["feedbacks"]).into_iter().collect();
        assert!(seen.is_empty());
    }
}

#[tokio::test]
async fn a_route_without_its_token_is_refused_on_sqlite() {
    let app = spawn_app(common::Backend::Sqlite).await;
    let (organization, _) = app.organization_with_token().await;
    for path in ["feedbacks", "spaces"] {
        let (status, body) = answer(
            app.client
                .get(app.url(&format!("/api/v1/organizations/{organization}/{path}"))),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
    }
}

/// A GraphQL object with camelCase keys as REST spells it (snake_case).
fn snake(value: &Value) -> Value {
    let object = value.as_object().expect("object");
    Value::Object(
        object
            .iter()
            .map(|(key, value)| {
                let mut name = String::new();
                for character in key.chars() {
                    if character.is_ascii_uppercase() {
                        name.push('_');
                    }
                    name.push(character.to_ascii_lowercase());
                }
                (name, value.clone())
            })
            .collect(),
    )
}

/// The fields of a feedback, in GraphQL's words.
const FEEDBACK_FIELDS: &str = "uuid organizationUuid customerUuid feedbackContents feedbackDate priority feedbackType dataSourceType dataSourceId spaceUuids createdAt source";

on_each_backend! {
    /// The feedback API's routes answer what the same questions to the graph answer.
    async fn rest_and_graphql_read_the_same_feedback_data(backend) {
        let app = spawn_app(backend).await;
        let data = data(&app).await;
        let org = &data.org;
        let checkout = data.feedbacks.iter().find(|f| f["feedback_contents"] == "Checkout is slow").expect("listed");
        let query = format!(
            "query($f: FeedbackFilter, $s: UUID!, $u: UUID!) {{ viewer {{
               filtered: feedbacks(filter: $f, sortBy: PRIORITY, sortDirection: ASC, pageSize: 100) {{ totalCount nodes {{ {FEEDBACK_FIELDS} }} }}
               spaces {{ totalCount nodes {{ uuid organizationUuid name description createdAt }} }}
               space(uuid: $s) {{ feedbacks(pageSize: 100) {{ totalCount nodes {{ {FEEDBACK_FIELDS} }} }} }}
               feedback(uuid: $u) {{ {FEEDBACK_FIELDS} highlights(pageSize: 100) {{ totalCount nodes {{ uuid organizationUuid feedbackUuid quote sentimentScore createdAt }} }} }}
             }} }}"
        );
        let filter = json!({"companyUuids": [data.companies[0]], "feedbackTypes": ["SUPPORT_EXCHANGE", "NPS_RESPONSE"], "from": "2025-01-01T00:00:00Z", "minPriority": 0});
        let graph = org.graphql(&query, json!({"f": filter, "s": data.spaces[1], "u": checkout["uuid"]})).await;
        let viewer = &graph["viewer"];
        let nodes = |page: &Value| -> Vec<Value> { page["nodes"].as_array().expect("nodes").iter().map(snake).collect() };
        let rest = org.read(&format!("/feedbacks?page_size=100&sort_by=priority&sort_direction=asc&company_uuids={}&feedback_types=SUPPORT_EXCHANGE,NPS_RESPONSE&from_date=2025-01-01", data.companies[0])).await;
        assert_eq!(rest["feedbacks"].as_array().cloned().unwrap_or_default(), nodes(&viewer["filtered"]), "{backend:?}");
        assert_eq!(rest["total_feedback_count"], viewer["filtered"]["totalCount"]);
        let spaces = org.read("/spaces").await;
        assert_eq!(spaces["spaces"].as_array().cloned().unwrap_or_default(), nodes(&viewer["spaces"]));
        assert_eq!(spaces["total_space_count"], viewer["spaces"]["totalCount"]);
        let bugs = org.read(&format!("/spaces/{}/feedbacks?page_size=100", data.spaces[1])).await;
        assert_eq!(bugs["feedbacks"].as_array().cloned().unwrap_or_default(), nodes(&viewer["space"]["feedbacks"]));
        assert_eq!(bugs["total_feedback_count"], viewer["space"]["feedbacks"]["totalCount"]);
        let read = org.read(&format!("/feedbacks/{}", checkout["uuid"].as_str().expect("uuid"))).await;
        let mut detail = read["feedbacks"][0].clone();
        let highlights = detail.as_object_mut().expect("object").remove("highlights").expect("highlights");
        let total = detail.as_object_mut().expect("object").remove("total_highlight_count").expect("total");
        let mut feedback = viewer["feedback"].clone();
        let page = feedback.as_object_mut().expect("object").remove("highlights").expect("highlights");
        assert_eq!(detail, snake(&feedback));
        assert_eq!(highlights.as_array().cloned().unwrap_or_default(), nodes(&page));
        assert_eq!(total, page["totalCount"]);
    }
}

/// Parallel deletes whose feedbacks span overlapping customers queue
/// rather than deadlock: each answers 200 or 404 (a feedback another
/// delete took first), never 503, and every customer's counters match
/// the feedbacks left. (Server and clients on several threads, as in
/// production.)
async fn parallel_deletes(backend: common::Backend) {
    // An organization of 2 000 customers: large enough for the planner to
    // reach the customers through the feedbacks named, in their order.
    let (app, organization, token) = common::seeded_app(backend, 2_000).await;
    let org = Org {
        app: &app,
        organization,
        token,
    };
    let mut customers = Vec::new();
    let mut feedbacks = Vec::new();
    for index in 0..4 {
        let body = json!({"full_name": format!("C{index}"), "email": mail(&format!("c{index}"), "example.com")});
        let customer = uuid(&org.create("/customers", "customers", body).await["uuid"]);
        for day in 1..=10 {
            let body = json!({"customer_uuid": customer, "feedback_contents": "x", "feedback_date": format!("2025-01-{day:02}")});
            feedbacks.push(uuid(
                &org.create("/feedbacks", "feedbacks", body).await["uuid"],
            ));
        }
        customers.push(customer);
    }
    // 40 deletes of 2 to 8 feedbacks each, drawn across the customers
    // in no order (a fixed pseudo-random draw), many overlapping.
    let mut state: u64 = 17;
    let mut draw = |bound: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % bound
    };
    let deletes: Vec<Vec<Uuid>> = (0..40)
        .map(|_| {
            let count = 2 + draw(7);
            (0..count)
                .map(|_| feedbacks[draw(feedbacks.len())])
                .collect()
        })
        .collect();
    let answers = futures_util::future::join_all(deletes.iter().map(|uuids| {
        org.send(
            Method::DELETE,
            "/feedbacks",
            Some(json!({"feedback_uuids": uuids})),
        )
    }))
    .await;
    for (status, body) in &answers {
        assert!(
            matches!(*status, StatusCode::OK | StatusCode::NOT_FOUND),
            "{backend:?}: {status} {body}"
        );
    }
    for customer in customers {
        let left = org
            .read(&format!(
                "/feedbacks?page_size=100&customer_uuids={customer}"
            ))
            .await;
        let theirs = left["feedbacks"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|f| uuid(&f["customer_uuid"]) == customer)
            .count();
        let (row, _) = self::customer(&org, customer).await;
        assert_eq!(row["feedback_count"], theirs, "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_deletes_across_overlapping_customers_neither_deadlock_nor_miscount_on_sqlite() {
    parallel_deletes(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn parallel_deletes_across_overlapping_customers_neither_deadlock_nor_miscount_on_postgres() {
    common::postgres_configured();
    parallel_deletes(common::Backend::Postgres).await;
}

on_each_backend! {
    /// A mean of sentiment on a filter's bound is kept by both bounds, and
    /// answered as the same number, on both backends (they sum in different
    /// orders: 0.1, 0.2 and 0.3 average 0.19999999999999998 on one and
    /// 0.20000000000000004 on the other).
    async fn a_mean_sentiment_on_a_bound_is_kept_by_both_bounds(backend) {
        let app = spawn_app(backend).await;
        let org = Org::new(&app).await;
        let customer = uuid(&org.create("/customers", "customers", json!({"full_name": "Mean", "email": mail("mean", "example.com")})).await["uuid"]);
        let feedback = uuid(&org.create("/feedbacks", "feedbacks", json!({"customer_uuid": customer, "feedback_contents": "so so"})).await["uuid"]);
        for score in [0.1, 0.2, 0.3] {
            org.graphql(
                "mutation($o: UUID!, $f: UUID!, $s: Float!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: \"q\", sentimentScore: $s) { uuid } }",
                json!({"o": org.organization, "f": feedback, "s": score}),
            )
            .await;
        }
        for bound in ["min_sentiment=0.2", "max_sentiment=0.2", "min_sentiment=0.2&max_sentiment=0.2"] {
            let answer = org.read(&format!("/feedbacks?{bound}")).await;
            assert_eq!(answer["total_feedback_count"], 1, "{backend:?} {bound}");
        }
        let customers = org.read("/customers?min_average_sentiment=0.2&max_average_sentiment=0.2").await;
        assert_eq!(customers["total_customer_count"], 1, "{backend:?}");
        let data = org.graphql("query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { averageSentiment } }", json!({"o": org.organization, "u": customer})).await;
        assert_eq!(data["customer"]["averageSentiment"], 0.2, "{backend:?}");
    }
}
