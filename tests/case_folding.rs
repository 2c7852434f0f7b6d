//! One rule for text on both backends: customer search, feedback search and
//! email uniqueness ignore case by Unicode full case folding, computed in
//! Rust (`entity::folding::fold`), whatever the PostgreSQL database's
//! locale. Each scenario runs once per backend (`…::on_sqlite`,
//! `…::on_postgres`); the database locales on PostgreSQL alone.

mod common;

use common::rest::{Tenant, answer};
use common::{Backend, TestApp, fresh_database_with, mail, sorted, spawn_app, spawn_app_on};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An organization of a running app, with the searches this file compares.
struct Org<'a>(Tenant<'a>);

impl<'a> std::ops::Deref for Org<'a> {
    type Target = Tenant<'a>;

    fn deref(&self) -> &Tenant<'a> {
        &self.0
    }
}

impl Org<'_> {
    async fn new(app: &TestApp) -> Org<'_> {
        Org(Tenant::new(app).await)
    }

    /// POST /customers: the status and body.
    async fn post_customer(&self, full_name: &str, email: &str) -> (StatusCode, Value) {
        self.post(json!({"full_name": full_name, "email": email}))
            .await
    }

    /// Creates a customer through REST and returns its uuid.
    async fn customer(&self, full_name: &str, email: &str) -> String {
        self.create_uuid(full_name, email).await
    }

    /// The full names REST `GET /customers?search=` finds, sorted.
    async fn rest_search(&self, term: &str) -> Vec<String> {
        let (status, body) = answer(
            self.request(Method::GET, "")
                .query(&[("search", term), ("page_size", "100")]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "search={term}");
        counted(
            &body["customers"],
            "full_name",
            &body["total_customer_count"],
            &format!("search={term}: {body}"),
        )
    }

    /// The full names GraphQL `customers(filter: {search})` finds, sorted;
    /// `organization.customers` must find the same.
    async fn graphql_search(&self, term: &str) -> Vec<String> {
        let answer = self
            .app
            .graphql(
                &self.token,
                "query($o: UUID!, $s: String!) { \
                 customers(organizationUuid: $o, filter: {search: $s}, pageSize: 100) { totalCount nodes { fullName } } \
                 organization(uuid: $o) { customers(filter: {search: $s}, pageSize: 100) { totalCount nodes { fullName } } } }",
                json!({"o": self.organization, "s": term}),
            )
            .await
            .ok();
        let root = answer.data("/customers");
        let nested = answer.data("/organization/customers");
        assert_eq!(root, nested, "search={term}");
        counted(
            &root["nodes"],
            "fullName",
            &root["totalCount"],
            &format!("search={term}"),
        )
    }

    /// Customers found by `term`, the same through both faces.
    async fn search(&self, term: &str) -> Vec<String> {
        let rest = self.rest_search(term).await;
        let graphql = self.graphql_search(term).await;
        assert_eq!(rest, graphql, "{:?} search={term}", self.app.backend);
        rest
    }

    /// Records a feedback of `customer` through GraphQL.
    async fn feedback(&self, customer: &str, contents: &str) {
        self.app
            .graphql(
                &self.token,
                "mutation($o: UUID!, $i: CreateFeedbackInput!) { createFeedback(organizationUuid: $o, input: $i) { uuid } }",
                json!({"o": self.organization, "i": {"customerUuid": customer, "feedbackContents": contents}}),
            )
            .await
            .ok();
    }

    /// The contents of the organization's feedbacks `term` finds, sorted,
    /// the same through `organization(uuid)` and `viewer`.
    async fn feedback_search(&self, term: &str) -> Vec<String> {
        let answer = self
            .app
            .graphql(
                &self.token,
                "query($o: UUID!, $s: String!) { \
                 organization(uuid: $o) { feedbacks(filter: {search: $s}, pageSize: 100) { totalCount nodes { feedbackContents } } } \
                 viewer { feedbacks(filter: {search: $s}, pageSize: 100) { totalCount nodes { feedbackContents } } } }",
                json!({"o": self.organization, "s": term}),
            )
            .await
            .ok();
        let page = answer.data("/organization/feedbacks");
        assert_eq!(page, answer.data("/viewer/feedbacks"), "search={term}");
        counted(
            &page["nodes"],
            "feedbackContents",
            &page["totalCount"],
            &format!("search={term}"),
        )
    }
}

/// The `field` of every object of the JSON array `list`, sorted, asserting
/// that `total` counts them (`case` says which answer it was).
fn counted(list: &Value, field: &str, total: &Value, case: &str) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| item[field].as_str().expect("text").to_owned())
        .collect();
    names.sort();
    assert_eq!(total.as_u64(), Some(names.len() as u64), "{case}");
    names
}

on_each_backend! {
    /// The reported fault: a final capital Σ lowercases to ς, so "ΚΩΣ"
    /// (lowercased "κωσ") missed "ΚΩΣΤΑΣ Test".
    async fn a_greek_capital_name_is_found_by_its_capital_and_lower_case_prefix(backend) {
        let app = spawn_app(backend).await;
        let org = Org::new(&app).await;
        org.customer("ΚΩΣΤΑΣ Test", &mail("kostas", "example.com"))
            .await;
        org.customer("Alice Johnson", &mail("alice", "example.com"))
            .await;
        for term in [
            "ΚΩΣ",
            "κωσ",
            "ΚΩΣΤΑΣ",
            "κωστας",
            "κωστασ",
            "ΚΩΣΤΑΣ TEST",
            "ς test",
        ] {
            assert_eq!(
                org.search(term).await,
                sorted(&["ΚΩΣΤΑΣ Test"]),
                "{backend:?} search={term}"
            );
        }
        // Folding ignores case, not accents: "Κώστα" is another word.
        assert_eq!(
            org.search("Κώστα").await,
            Vec::<String>::new(),
            "{backend:?}"
        );
    }
}

on_each_backend! {
    /// Final sigma, sharp s, composed and decomposed accents, the dotted
    /// capital I of Turkish (default folding, not Turkic), and Cherokee,
    /// whose lower case folds to upper case.
    async fn every_alphabet_folds_by_one_rule_in_customer_search(backend) {
        let app = spawn_app(backend).await;
        let org = Org::new(&app).await;
        let decomposed_zoe = "Zoe\u{308} Decomposed";
        let cherokee = "\u{13e3}\u{13b3}\u{13a9} Cherokee";
        for (name, local) in [
            ("ΣΟΦΟΣ Final", "sofos"),
            ("Straße Weber", "weber"),
            (decomposed_zoe, "zoe"),
            ("Renée Composed", "renee"),
            ("İpek Yılmaz", "turkish"),
            (cherokee, "tsalagi"),
        ] {
            org.customer(name, &mail(local, "example.com")).await;
        }
        let cases: [(&str, &[&str]); 17] = [
            ("σοφος", &["ΣΟΦΟΣ Final"]),
            ("σοφοσ", &["ΣΟΦΟΣ Final"]),
            ("ΦΟΣ F", &["ΣΟΦΟΣ Final"]),
            ("STRASSE", &["Straße Weber"]),
            ("straße", &["Straße Weber"]),
            ("STRAẞE", &["Straße Weber"]),
            ("zoë", &[decomposed_zoe]),
            ("ZOË", &[decomposed_zoe]),
            ("RENE\u{301}E", &["Renée Composed"]),
            ("renée", &["Renée Composed"]),
            ("İpek", &["İpek Yılmaz"]),
            ("i\u{307}pek", &["İpek Yılmaz"]),
            // Default folding keeps the dot of İ: a plain "ipek" is another word.
            ("ipek", &[]),
            // Dotless ı has no case folding outside Turkic rules.
            ("yılmaz", &["İpek Yılmaz"]),
            ("YILMAZ", &[]),
            ("\u{abb3}\u{ab83}\u{ab79}", &[cherokee]),
            ("\u{13e3}\u{13b3}\u{13a9}", &[cherokee]),
        ];
        for (term, expected) in cases {
            assert_eq!(
                org.search(term).await,
                sorted(expected),
                "{backend:?} search={term:?}"
            );
        }
        // Emails are searched by the same rule.
        assert_eq!(
            org.search("WEBER@EXAMPLE").await,
            sorted(&["Straße Weber"])
        );
    }
}

on_each_backend! {
    /// An email equal to another but for case, in any alphabet, is the same
    /// email: 409 `conflict` in REST and `CONFLICT` in GraphQL, on create and
    /// on update; emails that only look alike stay distinct.
    async fn emails_that_fold_alike_conflict_on_create_and_update(backend) {
        let app = spawn_app(backend).await;
        let org = Org::new(&app).await;
        let pairs = [
            (
                mail("STRASSE", "example.com"),
                mail("straße", "example.com"),
            ),
            (mail("ΣΟΦΙΑ", "example.com"), mail("σοφια", "example.com")),
            (mail("ΣΟΦΟΣ", "example.com"), mail("σοφος", "example.com")),
            (
                mail("rene\u{301}e", "example.com"),
                mail("RENÉE", "EXAMPLE.COM"),
            ),
        ];
        for (first, second) in &pairs {
            org.customer("First", first).await;
            let (status, body) = org.post_customer("Second", second).await;
            assert_eq!(status, StatusCode::CONFLICT, "{backend:?} {second}: {body}");
            assert_eq!(body["error"]["code"], "conflict", "{body}");
            let answer = app
                .graphql(
                    &org.token,
                    "mutation($o: UUID!, $i: CreateCustomerInput!) { createCustomer(organizationUuid: $o, input: $i) { uuid } }",
                    json!({"o": org.organization, "i": {"fullName": "Second", "email": second}}),
                )
                .await;
            assert_eq!(
                answer.error_code(),
                Some("CONFLICT"),
                "{backend:?} {second}: {}",
                answer.body
            );
        }

        let other = org.customer("Other", &mail("other", "example.com")).await;
        for (_, second) in &pairs {
            let (status, body) = org.put(&other, json!({"email": second})).await;
            assert_eq!(
                status,
                StatusCode::CONFLICT,
                "{backend:?} PUT {second}: {body}"
            );
            assert_eq!(body["error"]["code"], "conflict", "{body}");
            let answer = app
                .graphql(
                    &org.token,
                    "mutation($o: UUID!, $u: UUID!, $e: String!) { updateCustomer(organizationUuid: $o, uuid: $u, input: {email: $e}) { uuid } }",
                    json!({"o": org.organization, "u": other, "e": second}),
                )
                .await;
            assert_eq!(
                answer.error_code(),
                Some("CONFLICT"),
                "{backend:?} {second}: {}",
                answer.body
            );
        }
        // Its own email in another case is no conflict with itself.
        let (status, body) = org
            .put(&other, json!({"email": mail("OTHER", "EXAMPLE.COM")}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Dotless ı and i are different letters; so are emails in other organizations.
        org.customer("Dotless", &mail("yılmaz", "example.com"))
            .await;
        org.customer("Dotted", &mail("yilmaz", "example.com")).await;
        let elsewhere = Org::new(&app).await;
        elsewhere
            .customer("Elsewhere", &mail("straße", "example.com"))
            .await;
    }
}

on_each_backend! {
    /// The organization-wide feedback search folds like customer search.
    async fn organization_feedback_search_folds_every_alphabet(backend) {
        let app = spawn_app(backend).await;
        let org = Org::new(&app).await;
        let customer = org.customer("Ada", &mail("ada", "example.com")).await;
        let decomposed = "Cafe\u{301} au lait is COLD";
        for contents in [
            "Die Straße ist GESPERRT",
            "ΠΟΛΥ ΑΡΓΟΣ ΧΡΟΝΟΣ",
            decomposed,
            "Plain ASCII text",
        ] {
            org.feedback(&customer, contents).await;
        }
        let other = Org::new(&app).await;
        let stranger = other.customer("Eve", &mail("eve", "example.com")).await;
        other.feedback(&stranger, "ΑΡΓΟΣ elsewhere").await;

        let cases: [(&str, &[&str]); 10] = [
            ("strasse", &["Die Straße ist GESPERRT"]),
            ("STRAẞE", &["Die Straße ist GESPERRT"]),
            ("gesperrt", &["Die Straße ist GESPERRT"]),
            ("αργος", &["ΠΟΛΥ ΑΡΓΟΣ ΧΡΟΝΟΣ"]),
            ("χρονοσ", &["ΠΟΛΥ ΑΡΓΟΣ ΧΡΟΝΟΣ"]),
            ("ΑΡΓΟΣ ΧΡ", &["ΠΟΛΥ ΑΡΓΟΣ ΧΡΟΝΟΣ"]),
            ("CAFÉ", &[decomposed]),
            // Case is ignored, accents are not.
            ("cafe au", &[]),
            ("ascii TEXT", &["Plain ASCII text"]),
            ("nothing like it", &[]),
        ];
        for (term, expected) in cases {
            assert_eq!(
                org.feedback_search(term).await,
                sorted(expected),
                "{backend:?} search={term:?}"
            );
        }
    }
}

/// Search and email uniqueness under every PostgreSQL database locale the
/// machine has (C, as CI's cluster, and C.UTF-8, where `LOWER()` folds more
/// than ASCII): the answers are the same, because the database only ever
/// compares text folded in Rust.
#[tokio::test]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn search_and_emails_ignore_the_database_locale_on_postgres() {
    common::postgres_configured();
    for locale in ["C", "C.UTF-8"] {
        let options =
            format!("TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE '{locale}' LC_CTYPE '{locale}'");
        let (url, scratch) = fresh_database_with(Backend::Postgres, &options).await;
        let app = spawn_app_on(Backend::Postgres, url, scratch, Default::default()).await;
        let org = Org::new(&app).await;
        org.customer("ΚΩΣΤΑΣ Test", &mail("kostas", "example.com"))
            .await;
        org.customer("Straße Owner", &mail("STRASSE", "example.com"))
            .await;
        for (term, found) in [
            ("ΚΩΣ", 1),
            ("κωσ", 1),
            ("κωςτας", 1),
            ("STRASSE OWNER", 1),
            ("straße", 1),
            ("ẞ", 1),
        ] {
            let response = app
                .client
                .get(org.url(""))
                .query(&[("search", term)])
                .bearer_auth(&org.token)
                .send()
                .await
                .expect("send");
            let body: Value = response.json().await.expect("JSON");
            assert_eq!(
                body["total_customer_count"], found,
                "{locale}: {term}: {body}"
            );
        }
        let (status, body) = org
            .post_customer("Other", &mail("straße", "example.com"))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{locale}: {body}");
    }
}
