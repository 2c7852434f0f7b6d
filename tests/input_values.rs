//! Input values read exactly as written: an absent GraphQL variable or REST
//! member keeps a field and an explicit null clears it, update inputs have
//! no defaults, one rule for instants (to the microsecond, far dates) and
//! for negative zero, error messages that state the rule, the string escapes
//! of the current spec, and deep but finite fragments. Each test runs once
//! per backend (`…::on_sqlite`, `…::on_postgres`), but the check of the
//! served schema.

mod common;

use common::mail;
use common::raw::Client;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const UPDATE: &str = "mutation($o: UUID!, $u: UUID!, $n: String, $r: String) {
  updateCustomer(organizationUuid: $o, uuid: $u, input: {fullName: $n, role: $r}) { fullName role version }
}";

// ------------------------------------------------------------ absent and null

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

// ------------------------------------------------------------ instants and negative zero

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
        // A bound below the microsecond reads as its microsecond, on both
        // backends; both bounds are inclusive.
        for (from, to, count) in [
            ("2024-03-01T08:00:00.1234569Z", "2024-03-01T08:00:01Z", 1),
            ("2024-03-01T08:00:00.123457Z", "2024-03-01T08:00:01Z", 0),
            ("2024-03-01T09:00:00.123456+01:00", "2024-03-01T08:00:00.1234570Z", 1),
            ("2024-03-01T00:00:00Z", "2024-03-01T08:00:00.1234561Z", 1),
            ("2024-03-01T00:00:00Z", "2024-03-01T08:00:00.1234559Z", 0),
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

// ------------------------------------------------------------ messages, escapes and fragments

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
