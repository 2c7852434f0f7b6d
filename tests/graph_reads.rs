//! GraphQL reads of the small organization of `common::graph`: the customer
//! list's sorts, pages and filters, a customer's relations and aggregates,
//! the organization root, and the list arguments answered as bad user
//! input. Each scenario runs once per backend (`…::on_sqlite`,
//! `…::on_postgres`); the order of equal sort values and the bad arguments,
//! which the database does not change, on SQLite alone.

mod common;

use common::graph::{CUSTOMER_LIST, app_with_fixture, list, uuid_of};
use common::{Backend, spawn_app};
use serde_json::{Value, json};

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
