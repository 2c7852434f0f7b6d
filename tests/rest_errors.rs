//! The REST list parameters and every error case with its status: sorts,
//! filters and pages; every bad path, query or body member answers 400
//! naming it; text and dates the backends could read apart; a missing or
//! unknown token 401; a taken email 409; unknown routes, wrong methods and
//! oversized bodies JSON errors. Each scenario runs once per backend
//! (`…::on_sqlite`, `…::on_postgres`).

mod common;

use common::rest::{Tenant, alice, answer, give_feedback};
use common::{Backend, mail, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

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

/// The `full_name` of every customer of a list body, in order.
fn names(body: &Value) -> Vec<String> {
    body["customers"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["full_name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

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

// ------------------------------------------------------------ list parameters

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

// ------------------------------------------------------------ tokens, conflicts, routes

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
        let (status, body) = answer(api.request(Method::PATCH, &format!("/{bob}"))).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["error"]["code"], "method_not_allowed");
        let huge =
            json!({"full_name": "x".repeat(300 * 1024), "email": mail("big", "example.com")});
        let (status, body) = api.post(huge).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["error"]["code"], "payload_too_large");
    }
}
