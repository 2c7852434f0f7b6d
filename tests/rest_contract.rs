//! The REST contract (`shared/seed/customer-endpoints.txt`): every documented
//! example in its documented shape, another organization's customers read
//! and written exactly like missing ones (once the request itself is
//! judged), REST reading the same data as GraphQL, and the OpenAPI document
//! listing every route. Each scenario runs once per backend (`…::on_sqlite`,
//! `…::on_postgres`); the OpenAPI document, which no database changes, on
//! SQLite alone.

mod common;

use common::rest::{Tenant, alice, answer, give_feedback, post_alice};
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
        assert_eq!(keys(&body), words("customers total_customer_count next_cursor"));
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
        assert_eq!(keys(&body), words("feedbacks total_feedback_count next_cursor"));
        assert_eq!(body["total_feedback_count"], 2);
        let first = &body["feedbacks"][0];
        assert_eq!(
            keys(first),
            words(
                "uuid organization_uuid customer_uuid feedback_contents feedback_date priority \
                 feedback_type data_source_type data_source_id space_uuids created_at source"
            )
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
        assert_eq!(keys(&body), words("highlights total_highlight_count next_cursor"));
        assert_eq!(body["total_highlight_count"], 2);
        assert_eq!(
            keys(&body["highlights"][0]),
            words("uuid organization_uuid feedback_uuid quote sentiment_score created_at")
        );
        assert_eq!(body["highlights"][0]["sentiment_score"], 0.9);

        let (status, body) = api.get(&format!("/{alice_uuid}/insights")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), words("insights total_insight_count next_cursor"));
        assert_eq!(body["insights"][0]["title"], "Feature X usage spike");
        assert_eq!(
            keys(&body["insights"][0]),
            words("uuid organization_uuid title description")
        );

        let (status, body) = api.get(&format!("/{alice_uuid}/issues")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(keys(&body), words("issues total_issue_count next_cursor"));
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

// ------------------------------------------------------------ tenancy

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
    /// A client writing to an organization its token does not grant gets
    /// the input error (400 naming the member) when its body breaks the
    /// rules; only a well-formed body meets the 404 of an organization it
    /// cannot see, and nothing is written.
    async fn rest_judges_a_body_before_the_organization_it_names(backend) {
        let app = spawn_app(backend).await;
        let owner = Tenant::new(&app).await;
        let stranger = Tenant::new(&app).await;
        let customer = owner.create_uuid("Owned", &mail("owned", "example.com")).await;
        let foreign = |method: Method, path: &str, body: Value| {
            app.client
                .request(method, owner.url(path))
                .bearer_auth(&stranger.token)
                .json(&body)
        };
        let email = mail("x", "example.com");
        let (status, body) =
            answer(foreign(Method::POST, "", json!({"full_name": "", "email": email}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{backend:?}: {body}");
        assert_eq!(
            (&body["error"]["code"], &body["error"]["parameter"]),
            (&json!("bad_request"), &json!("full_name")),
            "{body}"
        );
        let (status, body) =
            answer(foreign(Method::POST, "", json!({"full_name": "X", "email": email}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{backend:?}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{body}");
        let (status, body) = answer(foreign(
            Method::PUT,
            &format!("/{customer}"),
            json!({"email": "not-an-email"}),
        ))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{backend:?}: {body}");
        assert_eq!(body["error"]["parameter"], "email", "{body}");
        let (_, list) = owner.get("").await;
        assert_eq!(list["total_customer_count"], 1, "nothing was written");
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

// ------------------------------------------------------------ the same data as GraphQL

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
                     feedbacks { totalCount nodes { uuid organizationUuid customerUuid feedbackContents feedbackDate priority feedbackType dataSourceType dataSourceId spaceUuids createdAt source } }
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
    let organization = "/api/v1/organizations/{org_uuid}";
    for (path, methods) in [
        (base.to_owned(), vec!["get", "post"]),
        (
            format!("{base}/{{customer_uuid}}"),
            vec!["get", "put", "delete"],
        ),
        (
            format!("{organization}/feedbacks"),
            vec!["get", "post", "delete"],
        ),
        (
            format!("{organization}/feedbacks/{{feedback_uuid}}"),
            vec!["get"],
        ),
        (
            format!("{organization}/feedbacks/{{feedback_uuid}}/highlights"),
            vec!["get"],
        ),
        (format!("{organization}/spaces"), vec!["get", "post"]),
        (
            format!("{organization}/spaces/{{space_uuid}}/feedbacks"),
            vec!["get"],
        ),
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
