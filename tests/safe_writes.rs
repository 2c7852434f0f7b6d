//! Safe writes: a write happens only as its client meant it. A customer's
//! version moves with every write; REST answers it as an `ETag` and judges
//! `If-Match` and `If-None-Match`, GraphQL judges `expectedVersion` (absent
//! or null, no condition); of fifty concurrent writers expecting one version
//! one wins, unguarded ones lose no field. A repeated JSON member, or a
//! document that names a field, argument or variable twice, is refused and
//! writes nothing, and only the selected operation gives its variables a
//! meaning. Each test runs once per backend (`…::on_sqlite`,
//! `…::on_postgres`).

mod common;

use common::mail;
use common::raw::Client;
use reqwest::header::{IF_MATCH, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

// ------------------------------------------------------------ versions and preconditions

on_each_backend! {
    async fn every_write_moves_the_version_and_the_etag_follows_it(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Etag", "etag", None).await;
        let answer = client.get(&customer, None).await;
        assert_eq!(answer.etag.as_deref(), Some("\"1\""));
        assert!(answer.body["customers"][0].get("version").is_none(), "the REST body keeps the contract's fields");

        let answer = client.put_raw(&customer, r#"{"role": "A"}"#, None).await;
        assert_eq!((answer.status, answer.etag.as_deref()), (StatusCode::OK, Some("\"2\"")));

        // A feedback moves the customer's counters, so its version too.
        let feedback = "mutation($o: UUID!, $c: UUID!) { createFeedback(organizationUuid: $o, input: {customerUuid: $c, feedbackContents: \"hi\"}) { uuid } }";
        let body = client.graphql(feedback, json!({"o": client.organization, "c": customer})).await;
        assert!(body.get("errors").is_none(), "{body}");
        let answer = client.get(&customer, None).await;
        assert_eq!(answer.etag.as_deref(), Some("\"3\""));
        assert_eq!(answer.body["customers"][0]["feedback_count"], 1);
        let version = "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { version } }";
        let body = client.graphql(version, json!({"o": client.organization, "u": customer})).await;
        assert_eq!(body["data"]["customer"]["version"], 3, "{body}");
    }
}

on_each_backend! {
    async fn if_match_guards_put_and_if_none_match_answers_304(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Guarded", "guarded", Some("Buyer")).await;
        client.put_raw(&customer, r#"{"role": "Second"}"#, None).await;

        // Stale: 412 with the current ETag, nothing written.
        let answer = client.put_raw(&customer, r#"{"role": "Stale"}"#, Some("\"1\"")).await;
        assert_eq!(answer.status, StatusCode::PRECONDITION_FAILED, "{}", answer.body);
        assert_eq!(answer.etag.as_deref(), Some("\"2\""));
        assert_eq!(answer.body["error"]["code"], "precondition_failed");
        assert_eq!(answer.body["error"]["parameter"], "If-Match");
        assert_eq!(client.customer(&customer).await["role"], "Second");
        // A weak tag never matches If-Match (strong comparison), nor does a foreign one.
        for tag in ["W/\"2\"", "\"two\"", "\"02\""] {
            let answer = client.put_raw(&customer, r#"{"role": "Weak"}"#, Some(tag)).await;
            assert_eq!(answer.status, StatusCode::PRECONDITION_FAILED, "{tag}");
            assert_eq!(answer.etag.as_deref(), Some("\"2\""), "{tag}");
        }
        // Current: written, and the new ETag comes back.
        let answer = client.put_raw(&customer, r#"{"role": "Third"}"#, Some("\"2\"")).await;
        assert_eq!((answer.status, answer.etag.as_deref()), (StatusCode::OK, Some("\"3\"")));
        // A list holding the current tag, `*`, and no header all write.
        let answer = client.put_raw(&customer, r#"{"role": "Fourth"}"#, Some("\"1\", \"3\"")).await;
        assert_eq!((answer.status, answer.etag.as_deref()), (StatusCode::OK, Some("\"4\"")));
        let answer = client.put_raw(&customer, r#"{"role": "Fifth"}"#, Some("*")).await;
        assert_eq!((answer.status, answer.etag.as_deref()), (StatusCode::OK, Some("\"5\"")));
        // A malformed header is a 400 naming it; an unknown customer stays 404.
        let answer = client.put_raw(&customer, r#"{"role": "Bad"}"#, Some("5")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert_eq!(answer.body["error"]["parameter"], "If-Match");
        let missing = Uuid::new_v4().to_string();
        let answer = client.put_raw(&missing, r#"{"role": "X"}"#, Some("\"1\"")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);

        // If-None-Match: a current tag (weak comparison) or `*` answers 304
        // with the ETag and no body; a stale one the customer.
        for tag in ["\"5\"", "W/\"5\"", "\"1\", \"5\"", "*"] {
            let answer = client.get(&customer, Some(tag)).await;
            assert_eq!(answer.status, StatusCode::NOT_MODIFIED, "{tag}");
            assert_eq!(answer.etag.as_deref(), Some("\"5\""));
            assert_eq!(answer.body, Value::Null);
        }
        let answer = client.get(&customer, Some("\"4\"")).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.body["customers"][0]["role"], "Fifth");
    }
}

on_each_backend! {
    async fn a_stale_expected_version_is_precondition_failed_with_the_current_version(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Graph", "graph", Some("Buyer")).await;
        let (o, u) = (client.organization, customer.as_str());
        let update = "mutation($o: UUID!, $u: UUID!, $v: Int) {
          updateCustomer(organizationUuid: $o, uuid: $u, input: {role: \"Changed\"}, expectedVersion: $v) { role version } }";
        let body = client.graphql(update, json!({"o": o, "u": u, "v": 1})).await;
        assert_eq!(body["data"]["updateCustomer"], json!({"role": "Changed", "version": 2}), "{body}");
        let body = client.graphql(update, json!({"o": o, "u": u, "v": 1})).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "PRECONDITION_FAILED", "{body}");
        assert_eq!(error["extensions"]["currentVersion"], 2, "{body}");
        assert_eq!(body["data"], Value::Null);
        assert_eq!(client.customer(u).await["role"], "Changed");
    }
}

on_each_backend! {
    async fn every_precondition_sent_is_judged_on_get_and_put(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Both", "both", None).await;
        // PUT with If-None-Match: `*` or the current tag fails; a stale tag passes.
        for tag in ["*", "\"1\"", "W/\"1\""] {
            let mut request = client
                .request(Method::PUT, &format!("/{customer}"))
                .header("Content-Type", "application/json")
                .body(r#"{"role": "Never"}"#);
            request = request.header(IF_NONE_MATCH, tag);
            let answer = Client::send(request).await;
            assert_eq!(answer.status, StatusCode::PRECONDITION_FAILED, "{tag}: {}", answer.body);
            assert_eq!(answer.etag.as_deref(), Some("\"1\""));
            assert_eq!(answer.body["error"]["parameter"], "If-None-Match");
        }
        assert_eq!(client.customer(&customer).await["role"], Value::Null);
        let request = client
            .request(Method::PUT, &format!("/{customer}"))
            .header("Content-Type", "application/json")
            .header(IF_NONE_MATCH, "\"7\"")
            .body(r#"{"role": "Once"}"#);
        assert_eq!(Client::send(request).await.status, StatusCode::OK);
        // Tags must be separated by commas.
        let answer = client.put_raw(&customer, r#"{"role": "No"}"#, Some("\"1\" \"2\"")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        // An empty If-Match is an empty list: nothing matches. A tag may hold a comma.
        for tag in ["", "\"2,3\""] {
            let answer = client.put_raw(&customer, r#"{"role": "No"}"#, Some(tag)).await;
            assert_eq!(answer.status, StatusCode::PRECONDITION_FAILED, "{tag:?}");
        }
        // GET with If-Match: a stale tag is 412, the current one reads.
        let request = client.request(Method::GET, &format!("/{customer}")).header(IF_MATCH, "\"1\"");
        let answer = Client::send(request).await;
        assert_eq!((answer.status, answer.etag.as_deref()), (StatusCode::PRECONDITION_FAILED, Some("\"2\"")));
        let request = client.request(Method::GET, &format!("/{customer}")).header(IF_MATCH, "\"2\"");
        assert_eq!(Client::send(request).await.status, StatusCode::OK);
    }
}

on_each_backend! {
    async fn the_openapi_document_describes_etags_preconditions_412_and_304(backend) {
        let client = Client::new(backend).await;
        let response = client.app.client.get(client.app.url("/api/v1/openapi.json")).send().await.expect("send");
        let document: Value = response.json().await.expect("JSON");
        let item = &document["paths"]["/api/v1/organizations/{org_uuid}/customers/{customer_uuid}"];
        let names = |operation: &Value| -> Vec<String> {
            operation["parameters"].as_array().into_iter().flatten()
                .map(|parameter| format!("{}:{}", parameter["in"].as_str().unwrap_or(""), parameter["name"].as_str().unwrap_or("")))
                .collect()
        };
        assert!(names(&item["put"]).contains(&"header:If-Match".to_owned()), "{}", item["put"]);
        assert!(names(&item["get"]).contains(&"header:If-None-Match".to_owned()), "{}", item["get"]);
        assert!(names(&item["get"]).contains(&"header:If-Match".to_owned()), "{}", item["get"]);
        assert!(names(&item["put"]).contains(&"header:If-None-Match".to_owned()), "{}", item["put"]);
        assert!(item["get"]["responses"]["412"]["headers"]["ETag"].is_object(), "{}", item["get"]);
        assert!(item["put"]["responses"]["412"]["headers"]["ETag"].is_object(), "{}", item["put"]);
        assert!(item["put"]["responses"]["200"]["headers"]["ETag"].is_object());
        assert!(item["get"]["responses"]["304"]["headers"]["ETag"].is_object(), "{}", item["get"]);
        assert!(item["get"]["responses"]["200"]["headers"]["ETag"].is_object());
        let create = &document["paths"]["/api/v1/organizations/{org_uuid}/customers"]["post"];
        assert!(create["responses"]["201"]["headers"]["ETag"].is_object(), "{create}");
        // The body keeps the contract's fields: no `version` in the schema.
        let customer = &document["components"]["schemas"]["Customer"]["properties"];
        assert!(customer.get("version").is_none(), "{customer}");
    }
}

on_each_backend! {
    async fn fifty_concurrent_graphql_updates_expecting_one_version_have_one_winner(backend) {
        let client = std::sync::Arc::new(Client::new(backend).await);
        let customer = client.create("Graph Racer", "graphracer", None).await;
        let update = "mutation($o: UUID!, $u: UUID!, $n: String) {
          updateCustomer(organizationUuid: $o, uuid: $u, input: {fullName: $n}, expectedVersion: 1) { fullName } }";
        let mut racers = Vec::new();
        for index in 0..50 {
            let client = client.clone();
            let customer = customer.clone();
            racers.push(tokio::spawn(async move {
                let variables = json!({"o": client.organization, "u": customer, "n": format!("Graph {index}")});
                (index, client.graphql(update, variables).await)
            }));
        }
        let mut winners = Vec::new();
        for racer in racers {
            let (index, body) = racer.await.expect("racer");
            match body["errors"][0]["extensions"]["code"].as_str() {
                None => winners.push(index),
                Some("PRECONDITION_FAILED") => assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2),
                Some(other) => panic!("racer {index}: {other}: {body}"),
            }
        }
        assert_eq!(winners.len(), 1, "{winners:?}");
        assert_eq!(client.customer(&customer).await["full_name"], format!("Graph {}", winners[0]));
    }
}

on_each_backend! {
    async fn fifty_concurrent_puts_with_one_if_match_have_exactly_one_winner(backend) {
        let client = std::sync::Arc::new(Client::new(backend).await);
        let customer = client.create("Racer", "racer", None).await;
        let mut racers = Vec::new();
        for index in 0..50 {
            let client = client.clone();
            let customer = customer.clone();
            racers.push(tokio::spawn(async move {
                let body = json!({"full_name": format!("Racer {index}")}).to_string();
                let answer = client.put_raw(&customer, &body, Some("\"1\"")).await;
                (index, answer.status, answer.etag)
            }));
        }
        let mut winners = Vec::new();
        let mut refused = 0;
        for racer in racers {
            let (index, status, etag) = racer.await.expect("racer");
            match status {
                StatusCode::OK => winners.push(index),
                StatusCode::PRECONDITION_FAILED => {
                    refused += 1;
                    assert_eq!(etag.as_deref(), Some("\"2\""));
                }
                other => panic!("racer {index} answered {other}"),
            }
        }
        assert_eq!((winners.len(), refused), (1, 49), "winners: {winners:?}");
        let stored = client.customer(&customer).await;
        assert_eq!(stored["full_name"], format!("Racer {}", winners[0]));
        assert_eq!(client.get(&customer, None).await.etag.as_deref(), Some("\"2\""));
    }
}

on_each_backend! {
    async fn concurrent_puts_without_if_match_all_land_and_lose_no_field(backend) {
        let client = std::sync::Arc::new(Client::new(backend).await);
        let customer = client.create("Many", "many", None).await;
        let mut writers = Vec::new();
        for index in 0..50 {
            let client = client.clone();
            let customer = customer.clone();
            writers.push(tokio::spawn(async move {
                // Half write the name, half the role: neither may undo the other.
                let body = if index % 2 == 0 {
                    json!({"full_name": format!("Name {index}")})
                } else {
                    json!({"role": format!("Role {index}")})
                };
                client.put_raw(&customer, &body.to_string(), None).await.status
            }));
        }
        for writer in writers {
            assert_eq!(writer.await.expect("writer"), StatusCode::OK);
        }
        let answer = client.get(&customer, None).await;
        assert_eq!(answer.etag.as_deref(), Some("\"51\""), "every write counted once");
        let stored = &answer.body["customers"][0];
        assert!(stored["full_name"].as_str().unwrap_or("").starts_with("Name "), "{stored}");
        assert!(stored["role"].as_str().unwrap_or("").starts_with("Role "), "{stored}");
    }
}

// ------------------------------------------------------------ repeated members

on_each_backend! {
    async fn a_repeated_json_member_answers_400_naming_it_and_writes_nothing(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Kept", "kept", Some("Buyer")).await;
        let before = client.total().await;

        let email = mail("twice", "example.com");
        let answer = client
            .post_raw(&format!(r#"{{"full_name": "A", "email": "{email}", "full_name": "B"}}"#))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
        assert_eq!(answer.body["error"]["parameter"], "full_name");
        assert!(answer.body["error"]["message"].as_str().unwrap_or("").contains("full_name"));
        assert_eq!(client.total().await, before, "nothing was created");

        let answer = client.put_raw(&customer, r#"{"role": null, "role": "Owner"}"#, None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
        assert_eq!(answer.body["error"]["parameter"], "role");
        assert_eq!(client.customer(&customer).await["role"], "Buyer", "nothing was written");

        // GraphQL: `query` twice, the second a mutation, is refused whole.
        let o = client.organization;
        let body = format!(
            r#"{{"query": "{{ __typename }}", "query": "mutation {{ createCustomer(organizationUuid: \"{o}\", input: {{fullName: \"Sneaky\", email: \"{}\"}}) {{ uuid }} }}"}}"#,
            mail("sneaky", "example.com")
        );
        let (status, answer) = client.graphql_raw(&body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(answer["errors"][0]["message"].as_str().unwrap_or("").contains("`query`"), "{answer}");
        assert_eq!(client.total().await, before, "the mutation did not run");

        // Deep inside the variables.
        let body = format!(
            r#"{{"query": "mutation($o: UUID!, $u: UUID!, $i: UpdateCustomerInput!) {{ updateCustomer(organizationUuid: $o, uuid: $u, input: $i) {{ role }} }}",
                "variables": {{"o": "{o}", "u": "{customer}", "i": {{"role": null, "role": "Owner"}}}}}}"#
        );
        let (status, answer) = client.graphql_raw(&body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(answer["errors"][0]["message"].as_str().unwrap_or("").contains("variables.i.role"), "{answer}");
        assert_eq!(client.customer(&customer).await["role"], "Buyer");

        // The same over GET, in the `variables` parameter.
        let response = client
            .app
            .client
            .get(client.app.url("/graphql"))
            .bearer_auth(&client.token)
            .query(&[("query", "query($a: Int) { __typename }"), ("variables", r#"{"a": 1, "a": 2}"#)])
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let answer: Value = response.json().await.expect("JSON");
        assert!(answer["errors"][0]["message"].as_str().unwrap_or("").contains("variables.a"), "{answer}");
    }
}

// ------------------------------------------------------------ the document itself

on_each_backend! {
    async fn a_hostile_or_ambiguous_document_is_refused_and_the_server_stays_up(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Doc", "doc", Some("Kept")).await;
        let o = client.organization;
        // Nested thousands deep: refused before the parser recurses.
        for document in [
            format!("{{ __typename(x: {}1{}) }}", "[".repeat(5000), "]".repeat(5000)),
            format!("{{ customers(organizationUuid: \"{o}\", filter: {}) {{ totalCount }} }}", "{search: ".repeat(3000) + "\"x\"" + &"}".repeat(3000)),
            format!("query($a: [Int] = {}1{}) {{ __typename }}", "[".repeat(3000), "]".repeat(3000)),
        ] {
            let body = client.graphql(&document, json!({})).await;
            assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{body}");
        }
        // A field named twice in an input object, an argument named twice,
        // a variable defined twice: validation errors, nothing written.
        for document in [
            format!("mutation {{ updateCustomer(organizationUuid: \"{o}\", uuid: \"{customer}\", input: {{role: \"L1\", role: \"L2\"}}) {{ role }} }}"),
            format!("mutation {{ updateCustomer(organizationUuid: \"{o}\", uuid: \"{customer}\", uuid: \"{customer}\", input: {{role: \"L3\"}}) {{ role }} }}"),
            format!("mutation($r: String, $r: Int) {{ updateCustomer(organizationUuid: \"{o}\", uuid: \"{customer}\", input: {{role: $r}}) {{ role }} }}"),
        ] {
            let body = client.graphql(&document, json!({"r": "L4"})).await;
            assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{document}: {body}");
        }
        assert_eq!(client.customer(&customer).await["role"], "Kept");
        // A GET parameter given twice.
        let response = client
            .app
            .client
            .get(client.app.url("/graphql"))
            .bearer_auth(&client.token)
            .query(&[("query", "{ __typename }"), ("query", "{ viewer { name } }")])
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        // Still serving.
        let body = client.graphql("{ __typename }", json!({})).await;
        assert_eq!(body["data"]["__typename"], "QueryRoot", "{body}");
    }
}

on_each_backend! {
    async fn arguments_with_and_without_defaults_follow_the_spec_when_their_variable_is_absent(backend) {
        let client = Client::new(backend).await;
        for index in 0..3 {
            client.create(&format!("Customer {index}"), &format!("c{index}"), None).await;
        }
        let o = client.organization;
        // No default on the variable: the argument is absent, so the field's
        // own default page size (25) applies.
        let list = "query($o: UUID!, $n: Int) { customers(organizationUuid: $o, pageSize: $n) { pageSize nodes { uuid } } }";
        let body = client.graphql(list, json!({"o": o})).await;
        assert_eq!(body["data"]["customers"]["pageSize"], 25, "{body}");
        // A default on the variable: it is used.
        let defaulted = "query($o: UUID!, $n: Int = 2) { customers(organizationUuid: $o, pageSize: $n) { pageSize nodes { uuid } } }";
        let body = client.graphql(defaulted, json!({"o": o})).await;
        assert_eq!(body["data"]["customers"]["pageSize"], 2, "{body}");
        assert_eq!(body["data"]["customers"]["nodes"].as_array().map(Vec::len), Some(2));
        // A nested input object whose member's variable is absent: that
        // member is absent (no filter on it), the provided one applies.
        let filtered = "query($o: UUID!, $s: String, $c: [UUID!]) {
          customers(organizationUuid: $o, filter: {search: $s, companyUuids: $c}) { totalCount } }";
        let body = client.graphql(filtered, json!({"o": o, "s": "customer 1"})).await;
        assert_eq!(body["data"]["customers"]["totalCount"], 1, "{body}");
        // An optional argument without a default (expectedVersion): absent,
        // so the write is not conditional.
        let customer = client.create("Versioned", "versioned", None).await;
        let conditional = "mutation($o: UUID!, $u: UUID!, $r: String, $v: Int) {
          updateCustomer(organizationUuid: $o, uuid: $u, input: {role: $r}, expectedVersion: $v) { version } }";
        let body = client.graphql(conditional, json!({"o": o, "u": customer, "r": "R1"})).await;
        assert_eq!(body["data"]["updateCustomer"]["version"], 2, "{body}");
        // Explicitly null: also no condition (the argument is nullable).
        let body = client.graphql(conditional, json!({"o": o, "u": customer, "r": "R2", "v": null})).await;
        assert_eq!(body["data"]["updateCustomer"]["version"], 3, "{body}");
        // A change that changes nothing writes nothing: the version stays.
        let body = client.graphql(conditional, json!({"o": o, "u": customer, "r": "R2"})).await;
        assert_eq!(body["data"]["updateCustomer"]["version"], 3, "{body}");
        // ...but its precondition is still judged.
        let body = client.graphql(conditional, json!({"o": o, "u": customer, "r": "R2", "v": 2})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "PRECONDITION_FAILED", "{body}");
    }
}

on_each_backend! {
    async fn the_selected_operation_alone_decides_what_its_variables_mean(backend) {
        let client = Client::new(backend).await;
        for index in 0..3 {
            client.create(&format!("Op {index}"), &format!("op{index}"), None).await;
        }
        let o = client.organization;
        let document = "query A($o: UUID!, $n: Int = 2) { customers(organizationUuid: $o, pageSize: $n) { pageSize } }
            query B($o: UUID!, $n: Int) { customers(organizationUuid: $o, pageSize: $n) { ...Size } }
            query C($z: UUID!) { customer(organizationUuid: $z, uuid: $z) { fullName } }
            fragment Size on CustomerPage { pageSize }";
        for (name, size) in [("A", 2), ("B", 25)] {
            let body = json!({"query": document, "operationName": name, "variables": {"o": o}});
            let (status, answer) = client.graphql_raw(&body.to_string()).await;
            assert_eq!(status, StatusCode::OK, "{name}: {answer}");
            assert_eq!(answer["data"]["customers"]["pageSize"], size, "{name}: {answer}");
        }
    }
}
