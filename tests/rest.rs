//! The REST contract (`shared/seed/customer-endpoints.txt`): every documented
//! example in its documented shape, the list parameters, every error case
//! with its status, and REST reading the same data as GraphQL. Each scenario
//! runs once per backend (`…::on_sqlite`, `…::on_postgres`); the OpenAPI
//! document and the metrics label of unknown methods, which no database
//! changes, on SQLite alone.

mod common;

use common::rest::{Tenant, answer};
use common::{Backend, mail, sorted, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// The members of a customer, as the contract lists them.
const CUSTOMER_KEYS: &str = "uuid organization_uuid full_name email role persona_uuid \
     customer_company_uuid last_interacted_date created_at updated_at feedback_count";

/// The members of a JSON object, sorted.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    keys
}

/// The words of `text`, sorted: the members an object should have.
fn words(text: &str) -> Vec<String> {
    sorted(&text.split_whitespace().collect::<Vec<_>>())
}

/// The `full_name` of every customer of a list body, in order.
fn names(body: &Value) -> Vec<String> {
    body["customers"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["full_name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Creates Alice Johnson, a Marketing Manager: the status and body of the POST.
async fn post_alice(api: &Tenant<'_>) -> (StatusCode, Value) {
    api.post(json!({"full_name": "Alice Johnson", "email": mail("alice", "example.com"), "role": "Marketing Manager"}))
        .await
}

/// [`post_alice`], asserting it is created: her uuid.
async fn alice(api: &Tenant<'_>) -> String {
    let (status, body) = post_alice(api).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["customers"][0]["uuid"]
        .as_str()
        .expect("uuid")
        .to_owned()
}

/// Adds two feedbacks (2025-03-01 scored 0.9, 2025-01-01 scored -0.7), a
/// highlight of each, an insight of both and an in-progress issue of the
/// older one to `customer`, through GraphQL.
async fn give_feedback(api: &Tenant<'_>, customer: &str) {
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

// ------------------------------------------------------------ the documented examples

on_each_backend! {
    /// Create Customer: 201, `{"customers": [created]}`, optional fields null.
    async fn creating_a_customer_answers_201_with_it_and_its_optional_fields_null(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let (status, body) = post_alice(&api).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?} {body}");
        assert_eq!(keys(&body), words("customers"));
        let alice = &body["customers"][0];
        assert_eq!(keys(alice), words(CUSTOMER_KEYS));
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
    }
}

on_each_backend! {
    /// List Customers: `?page_size=10` gives 10 of 12 with the total; 25 by default.
    async fn listing_customers_gives_a_page_of_page_size_with_the_total(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        alice(&api).await;
        for index in 0..11 {
            api.create(
                &format!("Customer {index}"),
                &mail(&format!("c{index}"), "example.com"),
            )
            .await;
        }
        let (status, body) = api.get("?page_size=10").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), words("customers total_customer_count"));
        assert_eq!(body["customers"].as_array().map(Vec::len), Some(10));
        assert_eq!(body["total_customer_count"], 12);
        assert_eq!(keys(&body["customers"][0]), words(CUSTOMER_KEYS));
        let (_, defaults) = api.get("").await;
        assert_eq!(
            defaults["customers"].as_array().map(Vec::len),
            Some(12),
            "page_size defaults to 25"
        );
    }
}

on_each_backend! {
    /// Get Single Customer: a list of one.
    async fn a_single_customer_is_read_by_its_uuid(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let alice_uuid = alice(&api).await;
        let (status, body) = api.get(&format!("/{alice_uuid}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total_customer_count"], 1);
        assert_eq!(
            body["customers"][0]["email"],
            json!(mail("alice", "example.com"))
        );
    }
}

on_each_backend! {
    /// Update Customer with the four documented fields; absent fields are kept.
    async fn updating_a_customer_sets_the_documented_fields_and_keeps_the_absent_ones(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let alice_uuid = alice(&api).await;
        let persona = api.graphql("mutation($o: UUID!) { createPersona(organizationUuid: $o, name: \"Buyer\") { uuid } }", json!({"o": api.organization})).await["createPersona"]["uuid"].clone();
        let company = api.graphql("mutation($o: UUID!) { createCustomerCompany(organizationUuid: $o, name: \"Comp\") { uuid } }", json!({"o": api.organization})).await["createCustomerCompany"]["uuid"].clone();
        let (status, body) = api
            .put(&alice_uuid, json!({"full_name": "Alice J.", "email": mail("alice.j", "example.com"), "persona_uuid": persona, "customer_company_uuid": company}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(keys(&body), words("customers"));
        let updated = &body["customers"][0];
        assert_eq!(updated["full_name"], "Alice J.");
        assert_eq!(updated["persona_uuid"], persona);
        assert_eq!(updated["customer_company_uuid"], company);
        assert_eq!(
            updated["role"], "Marketing Manager",
            "absent fields are kept"
        );
    }
}

on_each_backend! {
    /// A customer's feedbacks: the documented members, newest first by
    /// default, oldest first when asked.
    async fn a_customers_feedbacks_are_listed_newest_first_in_their_documented_shape(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let alice_uuid = alice(&api).await;
        give_feedback(&api, &alice_uuid).await;
        let (status, body) = api.get(&format!("/{alice_uuid}/feedbacks")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), words("feedbacks total_feedback_count"));
        assert_eq!(body["total_feedback_count"], 2);
        let first = &body["feedbacks"][0];
        assert_eq!(
            keys(first),
            words("uuid organization_uuid customer_uuid feedback_contents feedback_date source")
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
    }
}

on_each_backend! {
    /// A customer's highlights, insights and issues: the documented members
    /// and values (an issue's status in snake case, its average sentiment).
    async fn a_customers_highlights_insights_and_issues_answer_in_their_documented_shape(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let alice_uuid = alice(&api).await;
        give_feedback(&api, &alice_uuid).await;

        let (status, body) = api.get(&format!("/{alice_uuid}/feedback_highlights")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), words("highlights total_highlight_count"));
        assert_eq!(body["total_highlight_count"], 2);
        assert_eq!(
            keys(&body["highlights"][0]),
            words("uuid organization_uuid feedback_uuid quote sentiment_score created_at")
        );
        assert_eq!(body["highlights"][0]["sentiment_score"], 0.9);

        let (status, body) = api.get(&format!("/{alice_uuid}/insights")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), words("insights total_insight_count"));
        assert_eq!(body["insights"][0]["title"], "Feature X usage spike");
        assert_eq!(
            keys(&body["insights"][0]),
            words("uuid organization_uuid title description")
        );

        let (status, body) = api.get(&format!("/{alice_uuid}/issues")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), words("issues total_issue_count"));
        let issue = &body["issues"][0];
        assert_eq!(
            keys(issue),
            words("uuid organization_uuid title description status average_sentiment")
        );
        assert_eq!(issue["status"], "in_progress");
        assert_eq!(issue["average_sentiment"], -0.7);
    }
}

on_each_backend! {
    async fn feedback_moves_the_customers_count_and_last_interaction(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let alice_uuid = alice(&api).await;
        give_feedback(&api, &alice_uuid).await;
        let (_, after) = api.get(&format!("/{alice_uuid}")).await;
        assert_eq!(after["customers"][0]["feedback_count"], 2);
        assert!(
            after["customers"][0]["last_interacted_date"]
                .as_str()
                .is_some_and(|d| d.starts_with("2025-03-01"))
        );
    }
}

// ------------------------------------------------------------ list parameters

/// Zed Last (with feedback), Amy First (at example.org) and Bo 100%: their uuids.
async fn zed_amy_and_bo(api: &Tenant<'_>) -> (String, String, String) {
    let zed = api
        .create_uuid("Zed Last", &mail("zed", "example.com"))
        .await;
    let amy = api
        .create_uuid("Amy First", &mail("amy", "example.org"))
        .await;
    let bo = api.create_uuid("Bo 100%", &mail("bo", "example.com")).await;
    give_feedback(api, &zed).await;
    (zed, amy, bo)
}

on_each_backend! {
    async fn the_list_sorts_by_a_column_in_either_direction_whatever_their_case(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        zed_amy_and_bo(&api).await;
        let (_, body) = api.get("").await;
        assert_eq!(
            names(&body)[0],
            "Zed Last",
            "{backend:?}: last_interacted_date desc, never-interacted last"
        );
        let (_, body) = api.get("?sort_by=full_name&sort_direction=asc").await;
        assert_eq!(names(&body), vec!["Amy First", "Bo 100%", "Zed Last"]);
        let (_, body) = api.get("?sort_by=FULL_NAME&sort_direction=DESC").await;
        assert_eq!(
            names(&body),
            vec!["Zed Last", "Bo 100%", "Amy First"],
            "choices are case-insensitive"
        );
    }
}

on_each_backend! {
    async fn the_list_filters_by_uuids_search_feedback_count_sentiment_persona_and_company(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let (_, amy, bo) = zed_amy_and_bo(&api).await;
        let (_, body) = api
            .get(&format!(
                "?uuids={amy},%20{bo}%20,{amy},&sort_by=full_name&sort_direction=asc"
            ))
            .await;
        assert_eq!(
            names(&body),
            vec!["Amy First", "Bo 100%"],
            "{backend:?}: spaces, repeats and empty items are tolerated"
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
    }
}

on_each_backend! {
    async fn customers_and_feedbacks_are_paged_by_page_size_and_number_with_the_total(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let (zed, ..) = zed_amy_and_bo(&api).await;
        let (_, body) = api
            .get("?sort_by=email&sort_direction=asc&page_size=1&page_number=2")
            .await;
        assert_eq!(
            (names(&body), body["total_customer_count"].clone()),
            (vec!["Bo 100%".to_owned()], json!(3)),
            "{backend:?}"
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

// ------------------------------------------------------------ bad input

/// Sends `request` and asserts it answers 400 `bad_request` naming
/// `parameter`, with a message and nothing of the SQL or the driver.
async fn assert_bad_request(
    backend: Backend,
    request: reqwest::RequestBuilder,
    case: &str,
    parameter: &str,
) {
    let (status, answer) = answer(request).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{backend:?} {case}: {answer}"
    );
    assert_eq!(answer["error"]["code"], "bad_request", "{answer}");
    assert_eq!(answer["error"]["parameter"], parameter, "{case}: {answer}");
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

on_each_backend! {
    async fn every_bad_path_or_query_parameter_answers_400_naming_it(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let alice = alice(&api).await;
        let customers = format!("/api/v1/organizations/{}/customers", api.organization);
        let cases: [(String, &str); 21] = [
            ("/api/v1/organizations/not-a-uuid/customers".into(), "org_uuid"),
            (format!("{customers}/not-a-uuid"), "customer_uuid"),
            (format!("{customers}/not-a-uuid/feedbacks"), "customer_uuid"),
            (format!("{customers}?uuids=abc"), "uuids"),
            (format!("{customers}?company_uuids={alice},x"), "company_uuids"),
            (format!("{customers}?personas=1234"), "personas"),
            (format!("{customers}?page_size=0"), "page_size"),
            (format!("{customers}?page_size=101"), "page_size"),
            (format!("{customers}?page_size=abc"), "page_size"),
            (format!("{customers}?page_size="), "page_size"),
            (format!("{customers}?page_number=0"), "page_number"),
            (format!("{customers}?page_number=-1"), "page_number"),
            (format!("{customers}?sort_by=organization_uuid"), "sort_by"),
            (format!("{customers}?sort_direction=sideways"), "sort_direction"),
            (format!("{customers}?min_average_sentiment=2"), "min_average_sentiment"),
            (format!("{customers}?min_feedback_count=many"), "min_feedback_count"),
            (format!("{customers}/{alice}/feedbacks?sort_by=title"), "sort_by"),
            (format!("{customers}/{alice}/feedbacks?sort_direction=x"), "sort_direction"),
            (format!("{customers}/{alice}/feedback_highlights?page_size=101"), "page_size"),
            (format!("{customers}/{alice}/insights?page_number=abc"), "page_number"),
            (format!("{customers}/{alice}/issues?page_size=0"), "page_size"),
        ];
        for (path, parameter) in cases {
            let request = app.client.get(app.url(&path)).bearer_auth(&api.token);
            assert_bad_request(backend, request, &format!("GET {path}"), parameter).await;
        }
    }
}

on_each_backend! {
    async fn every_bad_body_member_answers_400_naming_it(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let alice = alice(&api).await;
        let x = mail("x", "example.com");
        let posts = [
            (json!({"full_name": "X", "email": "not-an-email"}), "email"),
            (json!({"email": x}), "full_name"),
            (json!({"full_name": "X"}), "email"),
            (json!({"full_name": 5, "email": x}), "full_name"),
            (json!({"full_name": "X", "email": x, "age": 3}), "age"),
            (json!({"full_name": "X", "email": x, "persona_uuid": "p-1"}), "persona_uuid"),
            (json!({"full_name": "X", "email": x, "persona_uuid": Uuid::new_v4()}), "persona_uuid"),
            (json!({"full_name": "", "email": x}), "full_name"),
            (json!([1, 2]), "body"),
        ];
        for (body, parameter) in posts {
            let request = api.request(Method::POST, "").json(&body);
            assert_bad_request(backend, request, &format!("POST {body}"), parameter).await;
        }
        let puts = [
            (json!({"email": "nope"}), "email"),
            (json!({"full_name": null}), "full_name"),
            (json!({"nickname": "Al"}), "nickname"),
            (json!({"customer_company_uuid": Uuid::new_v4()}), "customer_company_uuid"),
        ];
        for (body, parameter) in puts {
            let request = api.request(Method::PUT, &format!("/{alice}")).json(&body);
            assert_bad_request(backend, request, &format!("PUT {body}"), parameter).await;
        }
    }
}

on_each_backend! {
    /// A body that does not parse names the body; one that is not declared
    /// JSON names the Content-Type (and a PUT without one is refused too).
    async fn a_body_that_is_not_json_answers_400_naming_the_body_or_its_content_type(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let alice = alice(&api).await;
        for (content_type, body, parameter) in [
            ("application/json", "{\"full_name\": ", "body"),
            ("text/plain", "{}", "Content-Type"),
            (
                "application/x-www-form-urlencoded",
                "full_name=x",
                "Content-Type",
            ),
        ] {
            let (status, answer) = answer(
                api.request(Method::POST, "")
                    .header("Content-Type", content_type)
                    .body(body),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{backend:?} {content_type}");
            assert_eq!(answer["error"]["parameter"], parameter);
        }
        let missing_type = api
            .request(Method::PUT, &format!("/{alice}"))
            .body("{}")
            .send()
            .await
            .expect("send");
        assert_eq!(missing_type.status(), StatusCode::BAD_REQUEST);
    }
}

// ------------------------------------------------------------ tokens, tenancy, conflicts

on_each_backend! {
    async fn a_missing_or_unknown_token_answers_401_with_a_bearer_challenge(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        for token in [None, Some("cg_nope"), Some("")] {
            let mut request = app.client.get(api.url(""));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("send");
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{backend:?} {token:?}"
            );
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["error"]["code"], "unauthorized");
        }
    }
}

on_each_backend! {
    /// Another organization's customer answers byte for byte like a customer
    /// of a missing organization, and like a missing customer of one's own.
    async fn another_organizations_customer_reads_exactly_like_a_missing_one(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let other = Tenant::new(&app).await;
        let alice = alice(&api).await;
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
    }
}

on_each_backend! {
    /// Writing to another organization's customers is 404, as if it were missing.
    async fn another_organizations_customers_cannot_be_written(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let other = Tenant::new(&app).await;
        let alice = alice(&api).await;
        let (status, _) = other.put(&alice, json!({"full_name": "Mallory"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{backend:?}");
        let foreign_post = app
            .client
            .post(api.url(""))
            .bearer_auth(&other.token)
            .json(&json!({"full_name": "M", "email": mail("m", "example.com")}))
            .send()
            .await
            .expect("send");
        assert_eq!(foreign_post.status(), StatusCode::NOT_FOUND);
    }
}

on_each_backend! {
    /// A duplicate email is 409 on create (whatever its case, and then not
    /// counted in the stored total) and on update.
    async fn a_duplicate_email_answers_409_on_create_and_update_and_is_not_counted(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        alice(&api).await;
        let (status, body) = api
            .post(json!({"full_name": "Twin", "email": mail("alice", "example.com")}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["error"]["code"], "conflict");
        let (_, before) = api.get("?page_size=1").await;
        let (status, _) = api
            .post(json!({"full_name": "Twin", "email": mail("ALICE", "example.com")}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (_, after) = api.get("?page_size=1").await;
        assert_eq!(
            after["total_customer_count"], before["total_customer_count"],
            "{backend:?}"
        );
        let bob = api.create_uuid("Bob", &mail("bob", "example.com")).await;
        let (status, _) = api
            .put(&bob, json!({"email": mail("alice", "example.com")}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
}

on_each_backend! {
    async fn a_put_sets_a_field_sent_clears_one_sent_as_null_and_keeps_the_absent_ones(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let bob = api.create_uuid("Bob", &mail("bob", "example.com")).await;
        let (_, body) = api.put(&bob, json!({"role": "CTO"})).await;
        assert_eq!(body["customers"][0]["role"], "CTO", "{backend:?}");
        let (_, body) = api.put(&bob, json!({"role": null})).await;
        assert_eq!(
            (
                body["customers"][0]["role"].clone(),
                body["customers"][0]["full_name"].clone()
            ),
            (Value::Null, json!("Bob"))
        );
    }
}

on_each_backend! {
    async fn unknown_routes_wrong_methods_and_oversized_bodies_answer_json_errors(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let bob = api.create_uuid("Bob", &mail("bob", "example.com")).await;
        let unknown = app
            .client
            .get(app.url("/api/v1/organizations/x/nothing"))
            .bearer_auth(&api.token)
            .send()
            .await
            .expect("send");
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND, "{backend:?}");
        assert_eq!(
            unknown.json::<Value>().await.expect("json")["error"]["code"],
            "not_found"
        );
        let (status, body) = answer(api.request(Method::DELETE, &format!("/{bob}"))).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["error"]["code"], "method_not_allowed");
        let huge =
            json!({"full_name": "x".repeat(300 * 1024), "email": mail("big", "example.com")});
        let (status, body) = api.post(huge).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["error"]["code"], "payload_too_large");
    }
}

// ------------------------------------------------------------ the same data as GraphQL

on_each_backend! {
    async fn rest_and_graphql_read_the_same_data(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let alice = api.create_uuid("Alice", &mail("alice", "example.com")).await;
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
                        (snake_case(key), value)
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
            ("feedbacks", "feedbacks", "feedbacks", "total_feedback_count"),
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

// ------------------------------------------------------------ odd text and dates

/// Creates Émile Ünal, whose email starts with a capital: his uuid.
async fn emile(api: &Tenant<'_>) -> String {
    api.create_uuid("Émile Ünal", &mail("Emile", "example.com"))
        .await
}

on_each_backend! {
    async fn control_characters_in_a_search_or_a_body_answer_400_naming_the_field(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let emile_uuid = emile(&api).await;
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
            .post(json!({"full_name": "a\u{0}b", "email": mail("nul", "example.com")}))
            .await;
        assert_eq!(
            (status, body["error"]["parameter"].clone()),
            (StatusCode::BAD_REQUEST, json!("full_name")),
            "{body}"
        );
        let (status, _) = api.put(&emile_uuid, json!({"role": "x\u{0}"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

on_each_backend! {
    async fn search_and_email_uniqueness_ignore_the_case_of_accented_letters(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        emile(&api).await;
        for search in ["%C3%A9mile", "%C3%89MILE", "%C3%BCnal", "EMILE%40EXAMPLE"] {
            let (status, body) = api.get(&format!("?search={search}")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                body["total_customer_count"], 1,
                "{backend:?} search={search}"
            );
        }
        let (status, body) = api
            .post(json!({"full_name": "Twin", "email": mail("EMILE", "EXAMPLE.COM")}))
            .await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "emails are unique whatever their case: {body}"
        );
    }
}

const FEEDBACK_DATE: &str = "mutation($o: UUID!, $i: CreateFeedbackInput!) { createFeedback(organizationUuid: $o, input: $i) { feedbackDate } }";

on_each_backend! {
    /// Instants outside the range both backends store alike are refused, in
    /// a new feedback and in a filter.
    async fn dates_the_backends_cannot_hold_alike_are_bad_user_input(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let emile_uuid = emile(&api).await;
        for date in [
            "+10000-01-01T00:00:00Z",
            "-200000-01-01T00:00:00Z",
            "1200-01-01T00:00:00Z",
        ] {
            let answer = app
                .graphql(&api.token, FEEDBACK_DATE, json!({"o": api.organization, "i": {"customerUuid": emile_uuid, "feedbackContents": "x", "feedbackDate": date}}))
                .await;
            assert_eq!(
                answer.error_code(),
                Some("BAD_USER_INPUT"),
                "{backend:?} {date}: {}",
                answer.body
            );
        }
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

on_each_backend! {
    async fn a_feedback_date_keeps_microseconds_and_drops_the_rest(backend) {
        let app = spawn_app(backend).await;
        let api = Tenant::new(&app).await;
        let emile_uuid = emile(&api).await;
        let answer = app
            .graphql(&api.token, FEEDBACK_DATE, json!({"o": api.organization, "i": {"customerUuid": emile_uuid, "feedbackContents": "x", "feedbackDate": "2025-01-01T00:00:00.123456789Z"}}))
            .await
            .ok();
        assert_eq!(
            answer.data("/createFeedback/feedbackDate"),
            "2025-01-01T00:00:00.123456+00:00",
            "{backend:?}: microseconds on both backends"
        );
    }
}

// ------------------------------------------------------------ no database involved

#[tokio::test]
async fn the_openapi_document_lists_every_route_with_its_errors() {
    let app = spawn_app(Backend::Sqlite).await;
    let document: Value = app
        .get("/api/v1/openapi.json")
        .await
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
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains(r#"http_requests_total{method="OTHER",route="/healthz",status="405"} 3"#),
        "{metrics}"
    );
    assert!(!metrics.contains("FOOA"));
}

/// A GraphQL field name in the REST contract's words (`fullName` →
/// `full_name`).
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for character in name.chars() {
        if character.is_ascii_uppercase() {
            snake.push('_');
        }
        snake.push(character.to_ascii_lowercase());
    }
    snake
}
