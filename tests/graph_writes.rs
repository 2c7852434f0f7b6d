//! GraphQL mutations on the small organization of `common::graph`: what
//! creating and updating customers, feedbacks, highlights and their links
//! accept and refuse, and the tenancy rule: another organization's data
//! reads exactly like missing data and cannot be written. Each scenario runs
//! once per backend (`…::on_sqlite`, `…::on_postgres`).

mod common;

use common::graph::{CUSTOMER_LIST, app_with_fixture};
use common::mail;
use serde_json::{Value, json};
use uuid::Uuid;

/// `updateCustomer`, answering every field it may change.
const UPDATE_CUSTOMER: &str = "mutation($o: UUID!, $u: UUID!, $i: UpdateCustomerInput!) { updateCustomer(organizationUuid: $o, uuid: $u, input: $i) { fullName email role personaUuid customerCompanyUuid updatedAt createdAt } }";

/// `createFeedback`, answering the uuid and source.
const NEW_FEEDBACK: &str = "mutation($o: UUID!, $i: CreateFeedbackInput!) { createFeedback(organizationUuid: $o, input: $i) { uuid source } }";

on_each_backend! {
    async fn create_customer_refuses_bad_input_naming_the_field_and_a_taken_email(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let new_customer = "mutation($o: UUID!, $i: CreateCustomerInput!) { createCustomer(organizationUuid: $o, input: $i) { uuid email } }";
        for (input, code, parameter) in [
            (
                json!({"fullName": "X", "email": "not-an-email"}),
                "BAD_USER_INPUT",
                Some("email"),
            ),
            (
                json!({"fullName": "  ", "email": mail("new", "example.com")}),
                "BAD_USER_INPUT",
                Some("fullName"),
            ),
            (
                json!({"fullName": "X", "email": mail("alice", "example.com")}),
                "CONFLICT",
                None,
            ),
            (
                json!({"fullName": "X", "email": mail("x1", "example.com"), "personaUuid": Uuid::new_v4()}),
                "BAD_USER_INPUT",
                Some("personaUuid"),
            ),
            (
                json!({"fullName": "X", "email": mail("x2", "example.com"), "customerCompanyUuid": Uuid::new_v4()}),
                "BAD_USER_INPUT",
                Some("customerCompanyUuid"),
            ),
        ] {
            let answer = app
                .graphql(&fx.token, new_customer, json!({"o": org, "i": input}))
                .await;
            assert_eq!(
                answer.error_code(),
                Some(code),
                "{backend:?} {input}: {}",
                answer.body
            );
            if let Some(parameter) = parameter {
                assert_eq!(
                    answer.body["errors"][0]["extensions"]["parameter"],
                    parameter
                );
            }
            assert_eq!(answer.body["data"], Value::Null);
        }
    }
}

on_each_backend! {
    async fn update_customer_keeps_absent_fields_and_clears_those_sent_as_null(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let update = UPDATE_CUSTOMER;
        let answer = app
            .graphql(
                &fx.token,
                update,
                json!({"o": org, "u": fx.alice, "i": {"fullName": "Alice J."}}),
            )
            .await
            .ok();
        let updated = answer.data("/updateCustomer");
        assert_eq!(updated["fullName"], "Alice J.", "{backend:?}");
        assert_eq!(
            updated["role"], "Marketing Manager",
            "absent fields are kept"
        );
        assert_eq!(updated["personaUuid"], json!(fx.persona));
        assert_ne!(updated["updatedAt"], updated["createdAt"]);
        let answer = app
            .graphql(&fx.token, update, json!({"o": org, "u": fx.alice, "i": {"role": null, "personaUuid": null, "customerCompanyUuid": fx.company}}))
            .await
            .ok();
        let cleared = answer.data("/updateCustomer");
        assert_eq!(
            (cleared["role"].clone(), cleared["personaUuid"].clone()),
            (Value::Null, Value::Null)
        );
        assert_eq!(cleared["customerCompanyUuid"], json!(fx.company));
    }
}

on_each_backend! {
    async fn update_customer_refuses_a_null_name_a_taken_email_and_a_missing_customer(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let update = UPDATE_CUSTOMER;
        let null_name = app
            .graphql(
                &fx.token,
                update,
                json!({"o": org, "u": fx.alice, "i": {"fullName": null}}),
            )
            .await;
        assert_eq!(
            null_name.error_code(),
            Some("BAD_USER_INPUT"),
            "{backend:?}"
        );
        let taken = app
            .graphql(
                &fx.token,
                update,
                json!({"o": org, "u": fx.alice, "i": {"email": mail("bob", "example.org")}}),
            )
            .await;
        assert_eq!(taken.error_code(), Some("CONFLICT"), "{}", taken.body);
        let missing = app
            .graphql(
                &fx.token,
                update,
                json!({"o": org, "u": Uuid::new_v4(), "i": {"fullName": "Z"}}),
            )
            .await;
        assert_eq!(missing.error_code(), Some("NOT_FOUND"));
    }
}

on_each_backend! {
    /// A new feedback moves lastInteractedDate forward only, and counts.
    async fn a_new_feedback_counts_and_moves_the_last_interaction_forward_only(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let new_feedback = NEW_FEEDBACK;
        for date in ["2026-01-01T00:00:00Z", "2020-01-01T00:00:00Z"] {
            app.graphql(&fx.token, new_feedback, json!({"o": org, "i": {"customerUuid": fx.dave, "feedbackContents": "hi", "feedbackDate": date}}))
                .await
                .ok();
        }
        let dave = app
            .graphql(&fx.token, "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { feedbackCount lastInteractedDate feedbacks { nodes { source } } } }", json!({"o": org, "u": fx.dave}))
            .await
            .ok();
        assert_eq!(dave.data("/customer/feedbackCount"), 2, "{backend:?}");
        assert!(
            dave.data("/customer/lastInteractedDate")
                .as_str()
                .is_some_and(|d| d.starts_with("2026-01-01"))
        );
        assert_eq!(
            dave.data("/customer/feedbacks/nodes/0/source"),
            "api",
            "default source"
        );
    }
}

on_each_backend! {
    async fn a_feedback_of_no_customer_a_score_out_of_range_and_an_unknown_highlight_are_refused(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        let new_feedback = NEW_FEEDBACK;
        let orphan = app
            .graphql(
                &fx.token,
                new_feedback,
                json!({"o": org, "i": {"customerUuid": Uuid::new_v4(), "feedbackContents": "hi"}}),
            )
            .await;
        assert_eq!(orphan.error_code(), Some("NOT_FOUND"), "{backend:?}");

        let highlight = "mutation($o: UUID!, $f: UUID!, $s: Float!) { createFeedbackHighlight(organizationUuid: $o, feedbackUuid: $f, quote: \"q\", sentimentScore: $s) { uuid } }";
        let out_of_range = app
            .graphql(
                &fx.token,
                highlight,
                json!({"o": org, "f": fx.feedback_a1, "s": 1.5}),
            )
            .await;
        assert_eq!(out_of_range.error_code(), Some("BAD_USER_INPUT"));
        let unknown_highlight = app
            .graphql(&fx.token, "mutation($o: UUID!, $h: [UUID!]!) { createInsight(organizationUuid: $o, title: \"T\", highlightUuids: $h) { uuid } }", json!({"o": org, "h": [Uuid::new_v4()]}))
            .await;
        assert_eq!(unknown_highlight.error_code(), Some("BAD_USER_INPUT"));
    }
}

on_each_backend! {
    async fn linking_a_highlight_twice_changes_nothing(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let org = json!(fx.organization);
        for _ in 0..2 {
            let linked = app
                .graphql(&fx.token, "mutation($o: UUID!, $i: UUID!, $h: UUID!) { linkHighlightToInsight(organizationUuid: $o, insightUuid: $i, highlightUuid: $h) { highlightCount } }", json!({"o": org, "i": fx.insight_speed, "h": fx.highlights[6]}))
                .await
                .ok();
            assert_eq!(
                linked.data("/linkHighlightToInsight/highlightCount"),
                4,
                "{backend:?}"
            );
            let linked = app
                .graphql(&fx.token, "mutation($o: UUID!, $i: UUID!, $h: UUID!) { linkHighlightToIssue(organizationUuid: $o, issueUuid: $i, highlightUuid: $h) { highlightCount } }", json!({"o": org, "i": fx.issue_timeouts, "h": fx.highlights[0]}))
                .await
                .ok();
            assert_eq!(linked.data("/linkHighlightToIssue/highlightCount"), 3);
        }
    }
}

on_each_backend! {
    async fn another_organizations_data_reads_exactly_like_missing_data(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let (other_org, other_token) = app.organization_with_token().await;

        let customer =
            "query($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { uuid } }";
        let foreign = app
            .graphql(
                &other_token,
                customer,
                json!({"o": fx.organization, "u": fx.alice}),
            )
            .await;
        let missing = app
            .graphql(
                &other_token,
                customer,
                json!({"o": Uuid::new_v4(), "u": fx.alice}),
            )
            .await;
        assert_eq!(foreign.error_code(), Some("NOT_FOUND"));
        assert_eq!(foreign.body["data"], Value::Null);
        assert_eq!(
            foreign.body["errors"][0]["message"],
            missing.body["errors"][0]["message"]
        );

        let own_org = app
            .graphql(
                &other_token,
                customer,
                json!({"o": other_org, "u": fx.alice}),
            )
            .await;
        let own_missing = app
            .graphql(
                &other_token,
                customer,
                json!({"o": other_org, "u": Uuid::new_v4()}),
            )
            .await;
        assert_eq!(own_org.body, own_missing.body, "{backend:?}");

        let organization = app
            .graphql(
                &other_token,
                "query($o: UUID!) { organization(uuid: $o) { name } }",
                json!({"o": fx.organization}),
            )
            .await;
        assert_eq!(organization.error_code(), Some("NOT_FOUND"));

        let (nodes, total, _) = {
            let answer = app
                .graphql(
                    &other_token,
                    CUSTOMER_LIST,
                    json!({"o": other_org, "f": {"uuids": [fx.alice, fx.bob]}}),
                )
                .await
                .ok();
            let page = answer.data("/customers").clone();
            (
                page["nodes"].as_array().expect("nodes").len(),
                page["totalCount"].as_i64(),
                (),
            )
        };
        assert_eq!((nodes, total), (0, Some(0)));
    }
}

on_each_backend! {
    /// Writes into another organization, or to its data from one's own, are
    /// `NOT_FOUND` as if it were missing.
    async fn another_organizations_data_cannot_be_written(backend) {
        let (app, fx) = app_with_fixture(backend).await;
        let (other_org, other_token) = app.organization_with_token().await;
        let write = app
            .graphql(
                &other_token,
                "mutation($o: UUID!) { createPersona(organizationUuid: $o, name: \"x\") { uuid } }",
                json!({"o": fx.organization}),
            )
            .await;
        assert_eq!(write.error_code(), Some("NOT_FOUND"), "{backend:?}");
        let cross = app
            .graphql(&other_token, "mutation($o: UUID!, $u: UUID!) { updateCustomer(organizationUuid: $o, uuid: $u, input: {fullName: \"x\"}) { uuid } }", json!({"o": other_org, "u": fx.alice}))
            .await;
        assert_eq!(cross.error_code(), Some("NOT_FOUND"));
        let link = app
            .graphql(&other_token, "mutation($o: UUID!, $i: UUID!, $h: UUID!) { linkHighlightToInsight(organizationUuid: $o, insightUuid: $i, highlightUuid: $h) { uuid } }", json!({"o": other_org, "i": fx.insight_speed, "h": fx.highlights[0]}))
            .await;
        assert_eq!(link.error_code(), Some("NOT_FOUND"));
    }
}
