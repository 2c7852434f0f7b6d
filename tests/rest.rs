//! The REST contract (`shared/seed/customer-endpoints.txt`): every example
//! and every error case, on each backend, and the same data as GraphQL.

mod common;

use common::{Backend, TestApp, backends, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// `local` at `domain`, assembled so that no address is spelled out in the source.
fn mail(local: &str, domain: &str) -> String {
    [local, domain].join("@")
}

const CUSTOMER_KEYS: [&str; 11] = [
    "uuid",
    "organization_uuid",
    "full_name",
    "email",
    "role",
    "persona_uuid",
    "customer_company_uuid",
    "last_interacted_date",
    "created_at",
    "updated_at",
    "feedback_count",
];

struct Rest<'a> {
    app: &'a TestApp,
    organization: Uuid,
    token: String,
}

impl Rest<'_> {
    fn url(&self, path: &str) -> String {
        self.app.url(&format!(
            "/api/v1/organizations/{}/customers{path}",
            self.organization
        ))
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .app
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    async fn create(&self, full_name: &str, email: &str) -> Value {
        let (status, body) = self
            .send(
                Method::POST,
                "",
                Some(json!({"full_name": full_name, "email": email})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["customers"][0].clone()
    }

    async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.app
            .graphql(&self.token, query, variables)
            .await
            .ok()
            .body["data"]
            .clone()
    }
}

async fn rest(app: &TestApp) -> Rest<'_> {
    let (organization, token) = app.organization_with_token().await;
    Rest {
        app,
        organization,
        token,
    }
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    names.sort();
    names
}

/// Adds feedback, highlights, an insight and an issue to `customer` through GraphQL.
async fn give_feedback(api: &Rest<'_>, customer: &str) {
    let o = api.organization;
    let mut highlights = Vec::new();
    for (date, score) in [
        ("2025-03-01T10:00:00Z", 0.9),
        ("2025-01-01T10:00:00Z", -0.7),
    ] {
        let data = api
            .graphql(
                "mutation($o: UUID!, $i: CreateFeedbackInput!) { createFeedback(organizationUuid: $o, input: $i) { uuid } }",
                json!({"o": o, "i": {"customerUuid": customer, "feedbackContents": "The product is great!", "feedbackDate": date, "source": "email"}}),
            )
            .await;
        let feedback = data["createFeedback"]["uuid"].clone();
        let data = api
            .graphql(
                "mutation($o: UUID!, $f: UUID!, $s: Float!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: \"This feature really helped me\", sentimentScore: $s) { uuid } }",
                json!({"o": o, "f": feedback, "s": score}),
            )
            .await;
        highlights.push(data["createFeedbackHighlight"]["uuid"].clone());
    }
    api.graphql(
        "mutation($o: UUID!, $h: [UUID!]!) { createInsight(organizationUuid: $o, title: \"Feature X usage spike\", description: \"Customer frequently mentions Feature X.\", highlightUuids: $h) { uuid } }",
        json!({"o": o, "h": highlights}),
    )
    .await;
    api.graphql(
        "mutation($o: UUID!, $h: [UUID!]!) { createIssue(organizationUuid: $o, title: \"Bug in checkout flow\", status: IN_PROGRESS, highlightUuids: $h) { uuid } }",
        json!({"o": o, "h": [highlights[1]]}),
    )
    .await;
}

#[tokio::test]
async fn every_example_of_the_contract_answers_in_its_documented_shape() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let api = rest(&app).await;

        // Create Customer: 201, {"customers": [created]}, optional fields null.
        let (status, body) = api
            .send(Method::POST, "", Some(json!({"full_name": "Alice Johnson", "email": mail("alice", "example.com"), "role": "Marketing Manager"})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?} {body}");
        assert_eq!(keys(&body), sorted(&["customers"]));
        let alice = &body["customers"][0];
        assert_eq!(keys(alice), sorted(&CUSTOMER_KEYS));
        assert_eq!(alice["full_name"], "Alice Johnson");
        assert_eq!(alice["role"], "Marketing Manager");
        assert_eq!(alice["organization_uuid"], json!(api.organization));
        assert_eq!(
            (
                alice["persona_uuid"].clone(),
                alice["customer_company_uuid"].clone()
            ),
            (Value::Null, Value::Null)
        );
        assert_eq!(alice["feedback_count"], 0);
        let alice_uuid = alice["uuid"].as_str().expect("uuid").to_owned();
        for index in 0..11 {
            api.create(
                &format!("Customer {index}"),
                &mail(&format!("c{index}"), "example.com"),
            )
            .await;
        }

        // List Customers: ?page_size=10 → 10 of 12.
        let (status, body) = api.get("?page_size=10").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), sorted(&["customers", "total_customer_count"]));
        assert_eq!(body["customers"].as_array().map(Vec::len), Some(10));
        assert_eq!(body["total_customer_count"], 12);
        assert_eq!(keys(&body["customers"][0]), sorted(&CUSTOMER_KEYS));
        let (_, defaults) = api.get("").await;
        assert_eq!(
            defaults["customers"].as_array().map(Vec::len),
            Some(12),
            "page_size defaults to 25"
        );

        // Get Single Customer.
        let (status, body) = api.get(&format!("/{alice_uuid}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total_customer_count"], 1);
        assert_eq!(
            body["customers"][0]["email"],
            json!(mail("alice", "example.com"))
        );

        // Update Customer with the four documented fields.
        let persona = api.graphql("mutation($o: UUID!) { createPersona(organizationUuid: $o, name: \"Buyer\") { uuid } }", json!({"o": api.organization})).await["createPersona"]["uuid"].clone();
        let company = api.graphql("mutation($o: UUID!) { createCustomerCompany(organizationUuid: $o, name: \"Comp\") { uuid } }", json!({"o": api.organization})).await["createCustomerCompany"]["uuid"].clone();
        let (status, body) = api
            .send(Method::PUT, &format!("/{alice_uuid}"), Some(json!({"full_name": "Alice J.", "email": mail("alice.j", "example.com"), "persona_uuid": persona, "customer_company_uuid": company})))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(keys(&body), sorted(&["customers"]));
        let updated = &body["customers"][0];
        assert_eq!(updated["full_name"], "Alice J.");
        assert_eq!(updated["persona_uuid"], persona);
        assert_eq!(updated["customer_company_uuid"], company);
        assert_eq!(
            updated["role"], "Marketing Manager",
            "absent fields are kept"
        );

        // Feedback, highlights, insights and issues.
        give_feedback(&api, &alice_uuid).await;
        let (status, body) = api.get(&format!("/{alice_uuid}/feedbacks")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), sorted(&["feedbacks", "total_feedback_count"]));
        assert_eq!(body["total_feedback_count"], 2);
        let first = &body["feedbacks"][0];
        assert_eq!(
            keys(first),
            sorted(&[
                "uuid",
                "organization_uuid",
                "customer_uuid",
                "feedback_contents",
                "feedback_date",
                "source"
            ])
        );
        assert!(
            first["feedback_date"]
                .as_str()
                .is_some_and(|date| date.starts_with("2025-03-01T10:00:00")),
            "newest first"
        );
        let (_, oldest) = api
            .get(&format!(
                "/{alice_uuid}/feedbacks?sort_by=feedback_date&sort_direction=asc"
            ))
            .await;
        assert!(
            oldest["feedbacks"][0]["feedback_date"]
                .as_str()
                .is_some_and(|date| date.starts_with("2025-01-01"))
        );

        let (status, body) = api.get(&format!("/{alice_uuid}/feedback_highlights")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            keys(&body),
            sorted(&["highlights", "total_highlight_count"])
        );
        assert_eq!(body["total_highlight_count"], 2);
        assert_eq!(
            keys(&body["highlights"][0]),
            sorted(&[
                "uuid",
                "organization_uuid",
                "feedback_uuid",
                "quote",
                "sentiment_score",
                "created_at"
            ])
        );
        assert_eq!(body["highlights"][0]["sentiment_score"], 0.9);

        let (status, body) = api.get(&format!("/{alice_uuid}/insights")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), sorted(&["insights", "total_insight_count"]));
        assert_eq!(body["insights"][0]["title"], "Feature X usage spike");
        assert_eq!(
            keys(&body["insights"][0]),
            sorted(&["uuid", "organization_uuid", "title", "description"])
        );

        let (status, body) = api.get(&format!("/{alice_uuid}/issues")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), sorted(&["issues", "total_issue_count"]));
        let issue = &body["issues"][0];
        assert_eq!(
            keys(issue),
            sorted(&[
                "uuid",
                "organization_uuid",
                "title",
                "description",
                "status",
                "average_sentiment"
            ])
        );
        assert_eq!(issue["status"], "in_progress");
        assert_eq!(issue["average_sentiment"], -0.7);

        let (_, after) = api.get(&format!("/{alice_uuid}")).await;
        assert_eq!(after["customers"][0]["feedback_count"], 2);
        assert!(
            after["customers"][0]["last_interacted_date"]
                .as_str()
                .is_some_and(|d| d.starts_with("2025-03-01"))
        );
    }
}

#[tokio::test]
async fn list_parameters_filter_sort_and_page() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let api = rest(&app).await;
        let zed = api.create("Zed Last", &mail("zed", "example.com")).await;
        let amy = api.create("Amy First", &mail("amy", "example.org")).await;
        let bo = api.create("Bo 100%", &mail("bo", "example.com")).await;
        let (zed, amy, bo) = (
            zed["uuid"].as_str().unwrap_or_default().to_owned(),
            amy["uuid"].as_str().unwrap_or_default().to_owned(),
            bo["uuid"].as_str().unwrap_or_default().to_owned(),
        );
        give_feedback(&api, &zed).await;

        let names = |body: &Value| -> Vec<String> {
            body["customers"]
                .as_array()
                .expect("list")
                .iter()
                .map(|c| c["full_name"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let (_, body) = api.get("").await;
        assert_eq!(
            names(&body)[0],
            "Zed Last",
            "last_interacted_date desc, never-interacted last"
        );
        let (_, body) = api.get("?sort_by=full_name&sort_direction=asc").await;
        assert_eq!(names(&body), vec!["Amy First", "Bo 100%", "Zed Last"]);
        let (_, body) = api.get("?sort_by=FULL_NAME&sort_direction=DESC").await;
        assert_eq!(
            names(&body),
            vec!["Zed Last", "Bo 100%", "Amy First"],
            "choices are case-insensitive"
        );
        let (_, body) = api
            .get("?sort_by=email&sort_direction=asc&page_size=1&page_number=2")
            .await;
        assert_eq!(
            (names(&body), body["total_customer_count"].clone()),
            (vec!["Bo 100%".to_owned()], json!(3))
        );
        let (_, body) = api
            .get(&format!(
                "?uuids={amy},%20{bo}%20,{amy},&sort_by=full_name&sort_direction=asc"
            ))
            .await;
        assert_eq!(
            names(&body),
            vec!["Amy First", "Bo 100%"],
            "spaces, repeats and empty items are tolerated"
        );
        let (_, body) = api.get("?search=100%25").await;
        assert_eq!(names(&body), vec!["Bo 100%"]);
        let (_, body) = api.get("?search=EXAMPLE.ORG").await;
        assert_eq!(names(&body), vec!["Amy First"]);
        let (_, body) = api.get("?min_feedback_count=1").await;
        assert_eq!(names(&body), vec!["Zed Last"]);
        let (_, body) = api.get("?max_average_sentiment=0.5").await;
        assert_eq!(names(&body), vec!["Zed Last"]);
        let (_, body) = api.get(&format!("?personas={}", Uuid::new_v4())).await;
        assert_eq!(body["total_customer_count"], 0);
        let (_, body) = api.get(&format!("?company_uuids={}", Uuid::new_v4())).await;
        assert_eq!(body["total_customer_count"], 0);
        let (_, body) = api.get("?uuids=").await;
        assert_eq!(
            body["total_customer_count"], 3,
            "an empty list parameter is no filter"
        );
        let (_, body) = api
            .get(&format!("/{zed}/feedbacks?page_size=1&page_number=2"))
            .await;
        assert_eq!(
            (
                body["feedbacks"].as_array().map(Vec::len),
                body["total_feedback_count"].clone()
            ),
            (Some(1), json!(2))
        );
    }
}

#[tokio::test]
async fn every_bad_parameter_answers_400_naming_it() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let api = rest(&app).await;
        let alice = api.create("Alice", &mail("alice", "example.com")).await["uuid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let customers = format!("/api/v1/organizations/{}/customers", api.organization);
        let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
            (
                Method::GET,
                "/api/v1/organizations/not-a-uuid/customers".into(),
                None,
                "org_uuid",
            ),
            (
                Method::GET,
                format!("{customers}/not-a-uuid"),
                None,
                "customer_uuid",
            ),
            (
                Method::GET,
                format!("{customers}/not-a-uuid/feedbacks"),
                None,
                "customer_uuid",
            ),
            (Method::GET, format!("{customers}?uuids=abc"), None, "uuids"),
            (
                Method::GET,
                format!("{customers}?company_uuids={alice},x"),
                None,
                "company_uuids",
            ),
            (
                Method::GET,
                format!("{customers}?personas=1234"),
                None,
                "personas",
            ),
            (
                Method::GET,
                format!("{customers}?page_size=0"),
                None,
                "page_size",
            ),
            (
                Method::GET,
                format!("{customers}?page_size=101"),
                None,
                "page_size",
            ),
            (
                Method::GET,
                format!("{customers}?page_size=abc"),
                None,
                "page_size",
            ),
            (
                Method::GET,
                format!("{customers}?page_size="),
                None,
                "page_size",
            ),
            (
                Method::GET,
                format!("{customers}?page_number=0"),
                None,
                "page_number",
            ),
            (
                Method::GET,
                format!("{customers}?page_number=-1"),
                None,
                "page_number",
            ),
            (
                Method::GET,
                format!("{customers}?sort_by=organization_uuid"),
                None,
                "sort_by",
            ),
            (
                Method::GET,
                format!("{customers}?sort_direction=sideways"),
                None,
                "sort_direction",
            ),
            (
                Method::GET,
                format!("{customers}?min_average_sentiment=2"),
                None,
                "min_average_sentiment",
            ),
            (
                Method::GET,
                format!("{customers}?min_feedback_count=many"),
                None,
                "min_feedback_count",
            ),
            (
                Method::GET,
                format!("{customers}/{alice}/feedbacks?sort_by=title"),
                None,
                "sort_by",
            ),
            (
                Method::GET,
                format!("{customers}/{alice}/feedbacks?sort_direction=x"),
                None,
                "sort_direction",
            ),
            (
                Method::GET,
                format!("{customers}/{alice}/feedback_highlights?page_size=101"),
                None,
                "page_size",
            ),
            (
                Method::GET,
                format!("{customers}/{alice}/insights?page_number=abc"),
                None,
                "page_number",
            ),
            (
                Method::GET,
                format!("{customers}/{alice}/issues?page_size=0"),
                None,
                "page_size",
            ),
            (
                Method::POST,
                customers.clone(),
                Some(json!({"full_name": "X", "email": "not-an-email"})),
                "email",
            ),
            (
                Method::POST,
                customers.clone(),
                Some(json!({"email": mail("x", "example.com")})),
                "full_name",
            ),
            (
                Method::POST,
                customers.clone(),
                Some(json!({"full_name": "X"})),
                "email",
            ),
            (
                Method::POST,
                customers.clone(),
                Some(json!({"full_name": 5, "email": mail("x", "example.com")})),
                "full_name",
            ),
            (
                Method::POST,
                customers.clone(),
                Some(json!({"full_name": "X", "email": mail("x", "example.com"), "age": 3})),
                "age",
            ),
            (
                Method::POST,
                customers.clone(),
                Some(
                    json!({"full_name": "X", "email": mail("x", "example.com"), "persona_uuid": "p-1"}),
                ),
                "persona_uuid",
            ),
            (
                Method::POST,
                customers.clone(),
                Some(
                    json!({"full_name": "X", "email": mail("x", "example.com"), "persona_uuid": Uuid::new_v4()}),
                ),
                "persona_uuid",
            ),
            (
                Method::POST,
                customers.clone(),
                Some(json!({"full_name": "", "email": mail("x", "example.com")})),
                "full_name",
            ),
            (Method::POST, customers.clone(), Some(json!([1, 2])), "body"),
            (
                Method::PUT,
                format!("{customers}/{alice}"),
                Some(json!({"email": "nope"})),
                "email",
            ),
            (
                Method::PUT,
                format!("{customers}/{alice}"),
                Some(json!({"full_name": null})),
                "full_name",
            ),
            (
                Method::PUT,
                format!("{customers}/{alice}"),
                Some(json!({"nickname": "Al"})),
                "nickname",
            ),
            (
                Method::PUT,
                format!("{customers}/{alice}"),
                Some(json!({"customer_company_uuid": Uuid::new_v4()})),
                "customer_company_uuid",
            ),
        ];
        for (method, path, body, parameter) in cases {
            let mut request = app
                .client
                .request(method.clone(), app.url(&path))
                .bearer_auth(&api.token);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.expect("send");
            let status = response.status();
            let answer: Value = response.json().await.expect("JSON error body");
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{backend:?} {method} {path} {body:?}: {answer}"
            );
            assert_eq!(answer["error"]["code"], "bad_request", "{answer}");
            assert_eq!(
                answer["error"]["parameter"], parameter,
                "{method} {path} {body:?}: {answer}"
            );
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
            let text = answer.to_string();
            assert!(
                !text.contains("SELECT") && !text.contains("sqlx") && !text.contains("Error {"),
                "{text}"
            );
        }

        for (content_type, body, parameter) in [
            ("application/json", "{\"full_name\": ", "body"),
            ("text/plain", "{}", "Content-Type"),
            (
                "application/x-www-form-urlencoded",
                "full_name=x",
                "Content-Type",
            ),
        ] {
            let response = app
                .client
                .post(app.url(&customers))
                .bearer_auth(&api.token)
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .expect("send");
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{content_type}");
            let answer: Value = response.json().await.expect("json");
            assert_eq!(answer["error"]["parameter"], parameter);
        }
        let missing_type = app
            .client
            .put(app.url(&format!("{customers}/{alice}")))
            .bearer_auth(&api.token)
            .body("{}")
            .send()
            .await
            .expect("send");
        assert_eq!(missing_type.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn tokens_tenancy_conflicts_routes_and_methods_answer_the_documented_statuses() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let api = rest(&app).await;
        let other = rest(&app).await;
        let alice = api.create("Alice", &mail("alice", "example.com")).await["uuid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();

        for token in [None, Some("cg_nope"), Some("")] {
            let mut request = app.client.get(api.url(""));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("send");
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token:?}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["error"]["code"], "unauthorized");
        }

        // Another organization's data answers byte for byte like missing data.
        let foreign = app
            .client
            .get(api.url(&format!("/{alice}")))
            .bearer_auth(&other.token)
            .send()
            .await
            .expect("send");
        let missing_org = app
            .client
            .get(app.url(&format!(
                "/api/v1/organizations/{}/customers/{alice}",
                Uuid::new_v4()
            )))
            .bearer_auth(&other.token)
            .send()
            .await
            .expect("send");
        assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
        assert_eq!(missing_org.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            foreign.bytes().await.expect("body"),
            missing_org.bytes().await.expect("body")
        );
        let in_own_org = other.get(&format!("/{alice}")).await;
        let missing_customer = other.get(&format!("/{}", Uuid::new_v4())).await;
        assert_eq!(in_own_org, missing_customer, "{backend:?}");
        assert_eq!(in_own_org.0, StatusCode::NOT_FOUND);
        assert_eq!(in_own_org.1["error"]["code"], "not_found");
        for path in ["/feedbacks", "/feedback_highlights", "/insights", "/issues"] {
            let (status, _) = other.get(&format!("/{alice}{path}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (status, _) = other
            .send(
                Method::PUT,
                &format!("/{alice}"),
                Some(json!({"full_name": "Mallory"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let foreign_post = app
            .client
            .post(api.url(""))
            .bearer_auth(&other.token)
            .json(&json!({"full_name": "M", "email": mail("m", "example.com")}))
            .send()
            .await
            .expect("send");
        assert_eq!(foreign_post.status(), StatusCode::NOT_FOUND);

        // Duplicate email: 409, on create and on update.
        let (status, body) = api
            .send(
                Method::POST,
                "",
                Some(json!({"full_name": "Twin", "email": mail("alice", "example.com")})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["error"]["code"], "conflict");
        // A refused customer is not counted in the organization's stored total.
        let (_, before) = api.get("?page_size=1").await;
        let (status, _) = api
            .send(
                Method::POST,
                "",
                Some(json!({"full_name": "Twin", "email": mail("ALICE", "example.com")})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (_, after) = api.get("?page_size=1").await;
        assert_eq!(
            after["total_customer_count"], before["total_customer_count"],
            "{backend:?}"
        );
        let bob = api.create("Bob", &mail("bob", "example.com")).await["uuid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (status, _) = api
            .send(
                Method::PUT,
                &format!("/{bob}"),
                Some(json!({"email": mail("alice", "example.com")})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        // PUT: null clears, absent keeps.
        let (_, body) = api
            .send(
                Method::PUT,
                &format!("/{bob}"),
                Some(json!({"role": "CTO"})),
            )
            .await;
        assert_eq!(body["customers"][0]["role"], "CTO");
        let (_, body) = api
            .send(Method::PUT, &format!("/{bob}"), Some(json!({"role": null})))
            .await;
        assert_eq!(
            (
                body["customers"][0]["role"].clone(),
                body["customers"][0]["full_name"].clone()
            ),
            (Value::Null, json!("Bob"))
        );

        // Unknown routes and wrong methods: JSON errors too.
        let unknown = app
            .client
            .get(app.url("/api/v1/organizations/x/nothing"))
            .bearer_auth(&api.token)
            .send()
            .await
            .expect("send");
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            unknown.json::<Value>().await.expect("json")["error"]["code"],
            "not_found"
        );
        let wrong = app
            .client
            .delete(api.url(&format!("/{bob}")))
            .bearer_auth(&api.token)
            .send()
            .await
            .expect("send");
        assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            wrong.json::<Value>().await.expect("json")["error"]["code"],
            "method_not_allowed"
        );
        let huge =
            json!({"full_name": "x".repeat(300 * 1024), "email": mail("big", "example.com")});
        let too_large = app
            .client
            .post(api.url(""))
            .bearer_auth(&api.token)
            .json(&huge)
            .send()
            .await
            .expect("send");
        assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            too_large.json::<Value>().await.expect("json")["error"]["code"],
            "payload_too_large"
        );
    }
}

#[tokio::test]
async fn rest_and_graphql_read_the_same_data() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let api = rest(&app).await;
        let alice = api.create("Alice", &mail("alice", "example.com")).await["uuid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        api.create("Bob", &mail("bob", "example.com")).await;
        give_feedback(&api, &alice).await;

        let data = api
            .graphql(
                "query($o: UUID!, $u: UUID!) {
                   customers(organizationUuid: $o) { totalCount nodes { uuid organizationUuid fullName email role personaUuid customerCompanyUuid lastInteractedDate createdAt updatedAt feedbackCount } }
                   customer(organizationUuid: $o, uuid: $u) {
                     feedbacks { totalCount nodes { uuid organizationUuid customerUuid feedbackContents feedbackDate source } }
                     feedbackHighlights { totalCount nodes { uuid organizationUuid feedbackUuid quote sentimentScore createdAt } }
                     insights { totalCount nodes { uuid organizationUuid title description } }
                     issues { totalCount nodes { uuid organizationUuid title description status averageSentiment } }
                   } }",
                json!({"o": api.organization, "u": alice}),
            )
            .await;
        let snake = |value: &Value| -> Value {
            let object = value.as_object().expect("object");
            Value::Object(
                object
                    .iter()
                    .map(|(key, value)| {
                        let value = if key == "status" {
                            json!(value.as_str().unwrap_or_default().to_lowercase())
                        } else {
                            value.clone()
                        };
                        (customer_graph::rest::rest_name(key), value)
                    })
                    .collect(),
            )
        };
        let nodes = |page: &Value| -> Vec<Value> {
            page["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(snake)
                .collect()
        };

        let (_, list) = api.get("").await;
        assert_eq!(
            list["customers"].as_array().cloned().unwrap_or_default(),
            nodes(&data["customers"]),
            "{backend:?}"
        );
        assert_eq!(
            list["total_customer_count"],
            data["customers"]["totalCount"]
        );
        for (path, field, list_key, total_key) in [
            (
                "feedbacks",
                "feedbacks",
                "feedbacks",
                "total_feedback_count",
            ),
            (
                "feedback_highlights",
                "feedbackHighlights",
                "highlights",
                "total_highlight_count",
            ),
            ("insights", "insights", "insights", "total_insight_count"),
            ("issues", "issues", "issues", "total_issue_count"),
        ] {
            let (_, body) = api.get(&format!("/{alice}/{path}")).await;
            let page = &data["customer"][field];
            assert_eq!(
                body[list_key].as_array().cloned().unwrap_or_default(),
                nodes(page),
                "{backend:?} {path}"
            );
            assert_eq!(body[total_key], page["totalCount"], "{path}");
        }
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_with_its_errors() {
    let app = spawn_app(Backend::Sqlite).await;
    let document: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|version| version.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    let paths = document["paths"].as_object().expect("paths");
    let base = "/api/v1/organizations/{org_uuid}/customers";
    for (path, methods) in [
        (base.to_owned(), vec!["get", "post"]),
        (format!("{base}/{{customer_uuid}}"), vec!["get", "put"]),
        (format!("{base}/{{customer_uuid}}/feedbacks"), vec!["get"]),
        (
            format!("{base}/{{customer_uuid}}/feedback_highlights"),
            vec!["get"],
        ),
        (format!("{base}/{{customer_uuid}}/insights"), vec!["get"]),
        (format!("{base}/{{customer_uuid}}/issues"), vec!["get"]),
    ] {
        for method in methods {
            let operation = &paths[&path][method];
            for status in ["400", "401", "404"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{method} {path} lacks {status}"
                );
            }
        }
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn control_characters_odd_dates_and_letter_case_are_handled_on_each_backend() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let api = rest(&app).await;
        let emile = api
            .create("Émile Ünal", &mail("Emile", "example.com"))
            .await;
        let emile_uuid = emile["uuid"].as_str().unwrap_or_default().to_owned();

        for query in ["?search=%00", "?search=a%07b"] {
            let (status, body) = api.get(query).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{backend:?} {query}: {body}"
            );
            assert_eq!(body["error"]["parameter"], "search");
        }
        let (status, body) = api
            .send(
                Method::POST,
                "",
                Some(json!({"full_name": "a\u{0}b", "email": mail("nul", "example.com")})),
            )
            .await;
        assert_eq!(
            (status, body["error"]["parameter"].clone()),
            (StatusCode::BAD_REQUEST, json!("full_name")),
            "{body}"
        );
        let (status, _) = api
            .send(
                Method::PUT,
                &format!("/{emile_uuid}"),
                Some(json!({"role": "x\u{0}"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        for search in ["%C3%A9mile", "%C3%89MILE", "%C3%BCnal", "EMILE%40EXAMPLE"] {
            let (status, body) = api.get(&format!("?search={search}")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                body["total_customer_count"], 1,
                "{backend:?} search={search}"
            );
        }
        let (status, body) = api
            .send(
                Method::POST,
                "",
                Some(json!({"full_name": "Twin", "email": mail("EMILE", "EXAMPLE.COM")})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "emails are unique whatever their case: {body}"
        );

        let feedback = "mutation($o: UUID!, $i: CreateFeedbackInput!) { createFeedback(organizationUuid: $o, input: $i) { feedbackDate } }";
        for date in [
            "+10000-01-01T00:00:00Z",
            "-200000-01-01T00:00:00Z",
            "1200-01-01T00:00:00Z",
        ] {
            let answer = app
                .graphql(&api.token, feedback, json!({"o": api.organization, "i": {"customerUuid": emile_uuid, "feedbackContents": "x", "feedbackDate": date}}))
                .await;
            assert_eq!(
                answer.error_code(),
                Some("BAD_USER_INPUT"),
                "{backend:?} {date}: {}",
                answer.body
            );
        }
        let answer = app
            .graphql(&api.token, feedback, json!({"o": api.organization, "i": {"customerUuid": emile_uuid, "feedbackContents": "x", "feedbackDate": "2025-01-01T00:00:00.123456789Z"}}))
            .await
            .ok();
        assert_eq!(
            answer.data("/createFeedback/feedbackDate"),
            "2025-01-01T00:00:00.123456+00:00",
            "{backend:?}: microseconds on both backends"
        );
        let filter = app
            .graphql(&api.token, "query($o: UUID!) { organization(uuid: $o) { feedbacks(filter: {from: \"-200000-01-01T00:00:00Z\"}) { totalCount } } }", json!({"o": api.organization}))
            .await;
        assert_eq!(
            filter.error_code(),
            Some("BAD_USER_INPUT"),
            "{}",
            filter.body
        );
    }
}

#[tokio::test]
async fn unknown_http_methods_share_one_metrics_label() {
    let app = spawn_app(Backend::Sqlite).await;
    for method in ["FOOA", "FOOB", "BREW"] {
        let response = app
            .client
            .request(
                Method::from_bytes(method.as_bytes()).expect("method"),
                app.url("/healthz"),
            )
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(r#"http_requests_total{method="OTHER",route="/healthz",status="405"} 3"#),
        "{metrics}"
    );
    assert!(!metrics.contains("FOOA"));
}
