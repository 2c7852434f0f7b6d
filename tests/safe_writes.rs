//! Safe writes: input values exactly as the GraphQL spec coerces them, no
//! repeated JSON members, optimistic concurrency (versions, `ETag`,
//! `If-Match`, `expectedVersion`), one rule for instants, and error answers
//! in the shape of the endpoint that gave them. Each test runs once per
//! backend (`…::on_sqlite`, `…::on_postgres`).

mod common;

use common::{Backend, TestApp, mail, spawn_app};
use reqwest::header::{ETAG, HeaderValue, IF_MATCH, IF_NONE_MATCH};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// An organization, its token, and requests on its routes.
struct Client {
    app: TestApp,
    organization: Uuid,
    token: String,
}

/// A REST answer: status, `ETag`, and the body (`Null` when empty).
struct Answer {
    status: StatusCode,
    etag: Option<String>,
    body: Value,
}

impl Client {
    async fn new(backend: Backend) -> Client {
        let app = spawn_app(backend).await;
        let (organization, token) = app.organization_with_token().await;
        Client {
            app,
            organization,
            token,
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = self.app.url(&format!(
            "/api/v1/organizations/{}/customers{path}",
            self.organization
        ));
        self.app
            .client
            .request(method, url)
            .bearer_auth(&self.token)
    }

    async fn send(request: RequestBuilder) -> Answer {
        let response = request.send().await.expect("send");
        let status = response.status();
        let etag = response
            .headers()
            .get(ETAG)
            .map(|value| value.to_str().expect("ASCII ETag").to_owned());
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        Answer { status, etag, body }
    }

    /// `POST /customers` with a raw JSON text (so members may repeat).
    async fn post_raw(&self, body: &str) -> Answer {
        let request = self
            .request(Method::POST, "")
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        Client::send(request).await
    }

    async fn put_raw(&self, customer: &str, body: &str, if_match: Option<&str>) -> Answer {
        let mut request = self
            .request(Method::PUT, &format!("/{customer}"))
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        if let Some(tag) = if_match {
            request = request.header(IF_MATCH, tag);
        }
        Client::send(request).await
    }

    async fn get(&self, customer: &str, if_none_match: Option<&str>) -> Answer {
        let mut request = self.request(Method::GET, &format!("/{customer}"));
        if let Some(tag) = if_none_match {
            request = request.header(IF_NONE_MATCH, HeaderValue::from_str(tag).expect("tag"));
        }
        Client::send(request).await
    }

    /// Creates a customer through REST; its uuid.
    async fn create(&self, full_name: &str, local: &str, role: Option<&str>) -> String {
        let body =
            json!({"full_name": full_name, "email": mail(local, "example.com"), "role": role});
        let answer = self.post_raw(&body.to_string()).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        assert_eq!(answer.etag.as_deref(), Some("\"1\""));
        answer.body["customers"][0]["uuid"]
            .as_str()
            .expect("uuid")
            .to_owned()
    }

    /// The customer as REST reads it.
    async fn customer(&self, customer: &str) -> Value {
        let answer = self.get(customer, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["customers"][0].clone()
    }

    async fn total(&self) -> i64 {
        let answer = Client::send(self.request(Method::GET, "")).await;
        answer.body["total_customer_count"].as_i64().expect("total")
    }

    /// POSTs a raw GraphQL request body.
    async fn graphql_raw(&self, body: &str) -> (StatusCode, Value) {
        let response = self
            .app
            .client
            .post(self.app.url("/graphql"))
            .bearer_auth(&self.token)
            .header("Content-Type", "application/json")
            .header("Accept", "application/graphql-response+json")
            .body(body.to_owned())
            .send()
            .await
            .expect("send");
        let status = response.status();
        (status, response.json().await.expect("JSON"))
    }

    async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.app.graphql(&self.token, query, variables).await.body
    }
}

const UPDATE: &str = "mutation($o: UUID!, $u: UUID!, $n: String, $r: String) {
  updateCustomer(organizationUuid: $o, uuid: $u, input: {fullName: $n, role: $r}) { fullName role version }
}";

// ------------------------------------------------------------ 1. input values

on_each_backend! {
    async fn an_unprovided_variable_keeps_the_field_and_an_explicit_null_clears_it(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Old Name", "absent", Some("Buyer")).await;
        let (o, u) = (client.organization, customer.as_str());

        let body = client.graphql(UPDATE, json!({"o": o, "u": u, "n": "New Name"})).await;
        assert_eq!(body["data"]["updateCustomer"], json!({"fullName": "New Name", "role": "Buyer", "version": 2}), "{body}");

        let body = client.graphql(UPDATE, json!({"o": o, "u": u, "r": "Seller"})).await;
        assert_eq!(body["data"]["updateCustomer"], json!({"fullName": "New Name", "role": "Seller", "version": 3}), "{body}");

        let body = client.graphql(UPDATE, json!({"o": o, "u": u, "r": null})).await;
        assert_eq!(body["data"]["updateCustomer"], json!({"fullName": "New Name", "role": null, "version": 4}), "{body}");

        // fullName cannot be cleared: an explicit null is refused, naming it.
        let body = client.graphql(UPDATE, json!({"o": o, "u": u, "n": null})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["parameter"], "fullName", "{body}");

        // A whole input given as a variable: members left out are kept too.
        let whole = "mutation($o: UUID!, $u: UUID!, $i: UpdateCustomerInput!) {
          updateCustomer(organizationUuid: $o, uuid: $u, input: $i) { fullName role } }";
        let body = client.graphql(whole, json!({"o": o, "u": u, "i": {"role": "Owner"}})).await;
        assert_eq!(body["data"]["updateCustomer"], json!({"fullName": "New Name", "role": "Owner"}), "{body}");
        assert_eq!(client.customer(u).await["role"], "Owner");
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
    async fn the_rest_put_keeps_fields_not_sent_and_clears_fields_sent_as_null(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Rest Name", "rest", Some("Buyer")).await;
        let answer = client.put_raw(&customer, r#"{"full_name": "Renamed"}"#, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body["customers"][0]["role"], "Buyer");
        let answer = client.put_raw(&customer, r#"{"role": null}"#, None).await;
        assert_eq!(answer.body["customers"][0]["role"], Value::Null);
        assert_eq!(answer.body["customers"][0]["full_name"], "Renamed");
    }
}

// ------------------------------------------------------------ 2. repeated members

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

// ------------------------------------------------------------ 3. versions

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

// ------------------------------------------------------------ 5. instants

const CREATE_FEEDBACK: &str = "mutation($o: UUID!, $i: CreateFeedbackInput!) {
  createFeedback(organizationUuid: $o, input: $i) { uuid feedbackDate } }";

on_each_backend! {
    async fn one_instant_is_stored_filtered_and_answered_alike_to_the_microsecond(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Timely", "timely", None).await;
        let o = client.organization;
        let input = json!({"customerUuid": customer, "feedbackContents": "on time",
                           "feedbackDate": "2024-03-01T10:00:00.1234567+02:00"});
        let body = client.graphql(CREATE_FEEDBACK, json!({"o": o, "i": input})).await;
        assert_eq!(
            body["data"]["createFeedback"]["feedbackDate"], "2024-03-01T08:00:00.123456+00:00",
            "{body}"
        );
        let window = "query($f: FeedbackFilter) { viewer { feedbacks(filter: $f) { totalCount nodes { feedbackDate } } } }";
        // A bound below the microsecond reads as its microsecond, on both backends.
        for (from, to, count) in [
            ("2024-03-01T08:00:00.1234569Z", "2024-03-01T08:00:01Z", 1),
            ("2024-03-01T08:00:00.123457Z", "2024-03-01T08:00:01Z", 0),
            ("2024-03-01T09:00:00.123456+01:00", "2024-03-01T08:00:00.1234570Z", 1),
            ("2024-03-01T00:00:00Z", "2024-03-01T08:00:00.1234561Z", 0),
        ] {
            let body = client.graphql(window, json!({"f": {"from": from, "to": to}})).await;
            assert_eq!(body["data"]["viewer"]["feedbacks"]["totalCount"], count, "{from}..{to}: {body}");
        }
    }
}

on_each_backend! {
    async fn a_text_that_names_no_real_instant_is_bad_user_input_naming_the_field(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Untimely", "untimely", None).await;
        let o = client.organization;
        for bad in [
            "2024-02-30T00:00:00Z",
            "2023-02-29T12:00:00Z",
            "2024-01-01T24:00:00Z",
            "2016-12-31T23:59:60Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+24:00",
            "1899-12-31T23:59:59Z",
        ] {
            // As a variable: a request error naming the field.
            let input = json!({"customerUuid": customer, "feedbackContents": "x", "feedbackDate": bad});
            let body = client.graphql(CREATE_FEEDBACK, json!({"o": o, "i": input})).await;
            let error = &body["errors"][0];
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{bad}: {body}");
            assert!(error["message"].as_str().unwrap_or("").contains("feedbackDate"), "{bad}: {body}");
            // As a literal.
            let literal = format!(
                "mutation($o: UUID!, $c: UUID!) {{ createFeedback(organizationUuid: $o, input: {{customerUuid: $c, feedbackContents: \"x\", feedbackDate: \"{bad}\"}}) {{ uuid }} }}"
            );
            let body = client.graphql(&literal, json!({"o": o, "c": customer})).await;
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{bad}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["parameter"], "input.feedbackDate", "{bad}: {body}");
            assert!(body["data"].is_null(), "{body}");
            // In a filter, too.
            let filter = format!("{{ viewer {{ feedbacks(filter: {{from: \"{bad}\"}}) {{ totalCount }} }} }}");
            let body = client.graphql(&filter, json!({})).await;
            assert_eq!(body["errors"][0]["extensions"]["parameter"], "filter.from", "{bad}: {body}");
        }
        // Nothing was recorded.
        assert_eq!(client.customer(&customer).await["feedback_count"], 0);
    }
}

// ------------------------------------------------------------ 6. error shapes

on_each_backend! {
    async fn a_graphql_body_over_the_limit_is_413_in_the_graphql_shape_sized_or_chunked(backend) {
        let client = Client::new(backend).await;
        let big = format!(r#"{{"query": "{{ __typename }}", "variables": {{"pad": "{}"}}}}"#, "x".repeat(300 * 1024));
        for (chunked, accept) in [
            (false, "application/graphql-response+json"),
            (true, "application/graphql-response+json"),
            (false, "application/json"),
            (true, "application/json"),
        ] {
            let request = client
                .app
                .client
                .post(client.app.url("/graphql"))
                .bearer_auth(&client.token)
                .header("Content-Type", "application/json")
                .header("Accept", accept);
            let request = if chunked {
                let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                    big.as_bytes().chunks(8192).map(|chunk| Ok(chunk.to_vec())).collect();
                request.body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
            } else {
                request.body(big.clone())
            };
            let response = request.send().await.expect("send");
            assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "chunked: {chunked}");
            let content_type = response.headers()["content-type"].to_str().expect("ASCII").to_owned();
            assert!(content_type.starts_with(accept), "{content_type}");
            let body: Value = response.json().await.expect("JSON");
            assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE", "{body}");
        }
        // REST keeps its own shape.
        let body = format!(r#"{{"full_name": "{}"}}"#, "x".repeat(300 * 1024));
        let answer = client.post_raw(&body).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(answer.body["error"]["code"], "payload_too_large");
    }
}

on_each_backend! {
    async fn a_wrong_method_on_graphql_is_405_in_the_graphql_shape(backend) {
        let client = Client::new(backend).await;
        for method in [Method::PUT, Method::DELETE, Method::PATCH] {
            let response = client
                .app
                .client
                .request(method.clone(), client.app.url("/graphql"))
                .bearer_auth(&client.token)
                .header("Accept", "application/graphql-response+json")
                .send()
                .await
                .expect("send");
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
            assert_eq!(response.headers()["allow"], "GET, POST");
            let body: Value = response.json().await.expect("JSON");
            assert_eq!(body["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED", "{body}");
        }
    }
}

on_each_backend! {
    async fn error_messages_state_the_rule_not_a_parse_failure_or_a_wrapped_count(backend) {
        let client = Client::new(backend).await;
        for (query, parameter, message) in [
            ("?page_number=2147483648", "page_number", "page_number must be an integer from 1 to 2147483647"),
            ("?page_number=0", "page_number", "page_number must be an integer from 1 to 2147483647"),
            ("?page_number=1.5", "page_number", "page_number must be an integer from 1 to 2147483647"),
            ("?page_size=101", "page_size", "page_size must be an integer from 1 to 100"),
            ("?page_size=-1", "page_size", "page_size must be an integer from 1 to 100"),
            ("?min_feedback_count=99999999999", "min_feedback_count", "min_feedback_count must be an integer from -2147483648 to 2147483647"),
        ] {
            let answer = Client::send(client.request(Method::GET, query)).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(answer.body["error"]["parameter"], parameter, "{query}");
            assert_eq!(answer.body["error"]["message"], message, "{query}");
        }
        // A late page is simply empty.
        let answer = Client::send(client.request(Method::GET, "?page_number=2147483647")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body["customers"], json!([]));

        // Fragments that double at every level expand past any count.
        let mut document = "query { ...F0 } fragment F0 on QueryRoot { __typename }".to_owned();
        for level in 1..=40 {
            document.push_str(&format!(" fragment F{level} on QueryRoot {{ ...F{} ...F{} }}", level - 1, level - 1));
        }
        document = document.replacen("query { ...F0 }", "query { ...F40 }", 1);
        let body = client.graphql(&document, json!({})).await;
        let message = body["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains("more than 10000 fields"), "{message}");
        assert!(!message.contains("18446744073709551615"), "{message}");
    }
}

on_each_backend! {
    async fn string_escapes_of_the_current_spec_decode_and_a_lone_surrogate_does_not_parse(backend) {
        let client = Client::new(backend).await;
        let o = client.organization;
        let create = format!(
            r#"mutation {{ createCustomer(organizationUuid: "{o}", input: {{fullName: "Smile \u{{1F600}} \uD83D\uDE00 \u{{e9}}", email: "{}"}}) {{ fullName }} }}"#,
            mail("smile", "example.com")
        );
        let body = client.graphql(&create, json!({})).await;
        assert_eq!(body["data"]["createCustomer"]["fullName"], "Smile 😀 😀 é", "{body}");
        // A block string's escaped triple quote reads as three quotes.
        let block = format!(
            r#"mutation {{ createCustomer(organizationUuid: "{o}", input: {{fullName: """Quote \""" me""", email: "{}"}}) {{ fullName }} }}"#,
            mail("quote", "example.com")
        );
        let body = client.graphql(&block, json!({})).await;
        assert_eq!(body["data"]["createCustomer"]["fullName"], r#"Quote """ me"#, "{body}");
        for bad in [r#"\uD83D"#, r#"\uDE00\uD83D"#, r#"\u{D800}"#, r#"\u{110000}"#] {
            let query = format!(r#"{{ customers(organizationUuid: "{o}", filter: {{search: "{bad}"}}) {{ totalCount }} }}"#);
            let body = client.graphql(&query, json!({})).await;
            assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{bad}: {body}");
        }
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

#[test]
fn update_inputs_have_no_defaults_in_the_served_schema() {
    let sdl = customer_graph::graphql::sdl();
    let start = sdl
        .find("input UpdateCustomerInput")
        .expect("the input is served");
    let end = start + sdl[start..].find('}').expect("closed");
    assert!(!sdl[start..end].contains('='), "{}", &sdl[start..end]);
    assert!(
        sdl[start..end].contains("role: String"),
        "{}",
        &sdl[start..end]
    );
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

on_each_backend! {
    async fn far_dates_and_negative_zero_read_the_same_on_both_backends(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Far", "far", None).await;
        let o = client.organization;
        for (given, stored) in [
            ("3000-01-01T00:00:00.1234567Z", "3000-01-01T00:00:00.123456+00:00"),
            ("9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.999999+00:00"),
        ] {
            let input = json!({"customerUuid": customer, "feedbackContents": "far", "feedbackDate": given});
            let body = client.graphql(CREATE_FEEDBACK, json!({"o": o, "i": input})).await;
            assert_eq!(body["data"]["createFeedback"]["feedbackDate"], stored, "{body}");
        }
        assert_eq!(client.customer(&customer).await["last_interacted_date"], "9999-12-31T23:59:59.999999+00:00");
        let window = "query($f: FeedbackFilter) { viewer { feedbacks(filter: $f) { totalCount } } }";
        let body = client.graphql(window, json!({"f": {"from": "9999-12-31T23:59:59.9999995Z"}})).await;
        assert_eq!(body["data"]["viewer"]["feedbacks"]["totalCount"], 1, "{body}");

        let feedback = "{ viewer { feedbacks(pageSize: 1) { nodes { uuid } } } }";
        let body = client.graphql(feedback, json!({})).await;
        let feedback = body["data"]["viewer"]["feedbacks"]["nodes"][0]["uuid"].clone();
        let highlight = "mutation($o: UUID!, $f: UUID!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: \"q\", sentimentScore: -0.0) { sentimentScore } }";
        let body = client.graphql(highlight, json!({"o": o, "f": feedback})).await;
        let score = body["data"]["createFeedbackHighlight"]["sentimentScore"].as_f64().expect("score");
        assert!(score == 0.0 && score.is_sign_positive(), "{body}");
    }
}

on_each_backend! {
    async fn deep_but_finite_fragments_run_and_a_fragment_cycle_is_named(backend) {
        let client = Client::new(backend).await;
        let mut chain = String::from("query { viewer { ...F0 } }");
        for level in 0..40 {
            chain.push_str(&format!(" fragment F{level} on Organization {{ ...F{} }}", level + 1));
        }
        chain.push_str(" fragment F40 on Organization { uuid }");
        let body = client.graphql(&chain, json!({})).await;
        assert_eq!(body["data"]["viewer"]["uuid"], client.organization.to_string(), "{body}");
        let inline = format!("{{ viewer {{ {} uuid {} }} }}", "... on Organization { ".repeat(31), "}".repeat(31));
        let body = client.graphql(&inline, json!({})).await;
        assert_eq!(body["data"]["viewer"]["uuid"], client.organization.to_string(), "{body}");
        let cycle = "query { viewer { ...A } } fragment A on Organization { uuid ...B } fragment B on Organization { ...A }";
        let body = client.graphql(cycle, json!({})).await;
        let message = body["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains("fragment A spreads itself"), "{body}");
    }
}

on_each_backend! {
    async fn a_mean_of_negative_zero_reads_as_zero(backend) {
        let client = Client::new(backend).await;
        let customer = client.create("Neutral", "neutral", None).await;
        let o = client.organization;
        let input = json!({"customerUuid": customer, "feedbackContents": "meh"});
        let body = client.graphql(CREATE_FEEDBACK, json!({"o": o, "i": input})).await;
        let feedback = body["data"]["createFeedback"]["uuid"].clone();
        let highlight = "mutation($o: UUID!, $f: UUID!, $s: Float!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: \"q\", sentimentScore: $s) { uuid } }";
        for score in [-5e-324, 0.0] {
            let body = client.graphql(highlight, json!({"o": o, "f": feedback, "s": score})).await;
            assert!(body.get("errors").is_none(), "{body}");
        }
        let read = "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { averageSentiment } }";
        let body = client.graphql(read, json!({"o": o, "u": customer})).await;
        let mean = body["data"]["customer"]["averageSentiment"].as_f64().expect("mean");
        assert!(mean == 0.0 && mean.is_sign_positive(), "{body}");
    }
}
