//! One rule for text on both backends: customer search, feedback search and
//! email uniqueness ignore case by Unicode full case folding, computed in
//! Rust (`entity::folding::fold`), and the migration that introduced it
//! refolds the rows written before.

mod common;

use common::rest::{Tenant, answer};
use common::sql::{insert, try_insert};
use common::{
    Backend, TestApp, fresh_database, fresh_database_with, mail, sorted, spawn_app, spawn_app_on,
};
use customer_graph::db;
use entity::folding::fold;
use migration::{Migrator, MigratorTrait};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value as SqlValue};
use serde_json::{Value, json};
use uuid::Uuid;

/// The name of the migration under test.
const FOLDING_MIGRATION: &str = "m20261130_000005_unicode_case_folding";

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

/// How many migrations come before the folding migration.
fn migrations_before_folding() -> u32 {
    Migrator::migrations()
        .iter()
        .position(|migration| migration.name() == FOLDING_MIGRATION)
        .expect("the folding migration is registered") as u32
}

/// A database migrated up to, not including, the folding migration.
async fn database_before_folding(backend: Backend) -> (DatabaseConnection, common::Scratch) {
    let (url, scratch) = fresh_database(backend).await;
    let db = db::connect(&url, None).await.expect("db");
    Migrator::up(&db, Some(migrations_before_folding()))
        .await
        .expect("the migrations before folding");
    (db, scratch)
}

async fn old_organization(db: &DatabaseConnection) -> Uuid {
    let organization = Uuid::new_v4();
    insert(
        db,
        "organizations",
        "uuid, name, created_at",
        vec![vec![
            organization.into(),
            "Old".into(),
            chrono::Utc::now().into(),
        ]],
    )
    .await;
    organization
}

/// A customer row as the previous schema held it: `search_text` lowercased
/// by `to_lowercase` (or by SQL `LOWER` before that).
fn old_customer(organization: Uuid, uuid: Uuid, full_name: &str, email: &str) -> Vec<SqlValue> {
    let now = chrono::Utc::now();
    vec![
        uuid.into(),
        organization.into(),
        full_name.into(),
        email.into(),
        0i64.into(),
        format!("{full_name} {email}").to_lowercase().into(),
        now.into(),
        now.into(),
    ]
}

/// The columns of [`old_customer`]'s values.
const OLD_CUSTOMER_COLUMNS: &str = "uuid, organization_uuid, full_name, email, feedback_count, search_text, created_at, updated_at";

/// `(text column, uuid)` of every row of `table`, by uuid.
async fn texts(db: &DatabaseConnection, table: &str, column: &str) -> Vec<(Uuid, String)> {
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT uuid, {column} AS text FROM {table} ORDER BY uuid"),
    ))
    .await
    .expect("read")
    .iter()
    .map(|row| {
        (
            row.try_get("", "uuid").expect("uuid"),
            row.try_get("", "text").expect("text"),
        )
    })
    .collect()
}

/// The names of the indexes on `customers`.
async fn customer_indexes(db: &DatabaseConnection, backend: Backend) -> Vec<String> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers'"
        }
        Backend::Postgres => {
            "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'customers'"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("indexes")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name"))
        .collect()
}

on_each_backend! {
    /// Rows written before the folding migration get folded values (in
    /// batches, across batch boundaries), the folded email's unique index
    /// replaces the `LOWER(email)` one, and down restores the previous state.
    async fn the_folding_migration_refolds_existing_rows_and_down_restores_them(backend) {
        let (db, _scratch) = database_before_folding(backend).await;
        let organization = old_organization(&db).await;
        let (kostas, straße) = (Uuid::new_v4(), Uuid::new_v4());
        let mut customers = vec![
            old_customer(
                organization,
                kostas,
                "ΚΩΣΤΑΣ Test",
                &mail("ΚΩΣΤΑΣ", "Example.com"),
            ),
            old_customer(
                organization,
                straße,
                "Straße Weber",
                &mail("Straße", "example.com"),
            ),
        ];
        // More than one batch of customers and of feedbacks.
        for index in 0..1_200 {
            customers.push(old_customer(
                organization,
                Uuid::new_v4(),
                &format!("ΣΟΦΟΣ {index}"),
                &mail(&format!("Sofos.{index}"), "example.com"),
            ));
        }
        insert(&db, "customers", OLD_CUSTOMER_COLUMNS, customers).await;
        let now = chrono::Utc::now();
        let feedbacks: Vec<Vec<SqlValue>> = (0..2_100)
            .map(|index| {
                vec![
                    Uuid::new_v4().into(),
                    organization.into(),
                    kostas.into(),
                    format!("ΠΟΛΥ ΑΡΓΟΣ {index} Straße").into(),
                    now.into(),
                    "email".into(),
                    now.into(),
                ]
            })
            .collect();
        insert(
            &db,
            "feedbacks",
            "uuid, organization_uuid, customer_uuid, feedback_contents, feedback_date, source, created_at",
            feedbacks,
        )
        .await;
        let old_search = texts(&db, "customers", "search_text").await;

        Migrator::up(&db, None)
            .await
            .expect("the folding migration");

        let names = texts(&db, "customers", "full_name").await;
        let emails = texts(&db, "customers", "email").await;
        let searches = texts(&db, "customers", "search_text").await;
        let folded_emails = texts(&db, "customers", "email_folded").await;
        assert_eq!(names.len(), 1_202);
        for (((uuid, name), (_, email)), ((_, search), (_, folded))) in names
            .iter()
            .zip(&emails)
            .zip(searches.iter().zip(&folded_emails))
        {
            assert_eq!(
                search,
                &fold(&format!("{name} {email}")),
                "{backend:?} {uuid}"
            );
            assert_eq!(folded, &fold(email), "{backend:?} {uuid}");
        }
        let kostas_search = &searches
            .iter()
            .find(|(uuid, _)| *uuid == kostas)
            .expect("row")
            .1;
        assert_eq!(kostas_search, &fold("ΚΩΣΤΑΣ Test ΚΩΣΤΑΣ@Example.com"));
        assert!(
            kostas_search.starts_with("κωστασ test κωστασ@example.com"),
            "{kostas_search}"
        );
        let contents = texts(&db, "feedbacks", "feedback_contents").await;
        let folded_contents = texts(&db, "feedbacks", "search_text").await;
        assert_eq!(folded_contents.len(), 2_100);
        for ((uuid, text), (_, folded)) in contents.iter().zip(&folded_contents) {
            assert_eq!(folded, &fold(text), "{backend:?} {uuid}");
            assert!(
                folded.contains("αργοσ") && folded.ends_with("strasse"),
                "{folded}"
            );
        }
        let indexes = customer_indexes(&db, backend).await;
        assert!(
            indexes.contains(&"idx_customers_organization_uuid_email_folded".to_owned())
                && !indexes.contains(&"idx_customers_organization_uuid_lower_email".to_owned()),
            "{backend:?}: {indexes:?}"
        );
        // The new index holds: the same email in another case is refused.
        let twin = old_customer(
            organization,
            Uuid::new_v4(),
            "Twin",
            &mail("strasse", "EXAMPLE.COM"),
        );
        let mut row = twin;
        row.push(fold(&mail("strasse", "EXAMPLE.COM")).into());
        let columns = format!("{OLD_CUSTOMER_COLUMNS}, email_folded");
        let error = try_insert(&db, "customers", &columns, vec![row])
            .await
            .expect_err("refused");
        assert!(
            customer_graph::error::is_unique_violation(&error),
            "{backend:?}: {error}"
        );

        let applied = Migrator::migrations().len() as u32 - migrations_before_folding();
        Migrator::down(&db, Some(applied)).await.expect("down");
        let indexes = customer_indexes(&db, backend).await;
        assert!(
            !indexes.contains(&"idx_customers_organization_uuid_email_folded".to_owned())
                && indexes.contains(&"idx_customers_organization_uuid_lower_email".to_owned()),
            "{backend:?}: {indexes:?}"
        );
        assert_eq!(
            texts(&db, "customers", "search_text").await,
            old_search,
            "{backend:?}"
        );
        let gone = db
            .execute_unprepared("SELECT email_folded FROM customers")
            .await;
        assert!(gone.is_err(), "{backend:?}: email_folded is dropped");
        let gone = db
            .execute_unprepared("SELECT search_text FROM feedbacks")
            .await;
        assert!(
            gone.is_err(),
            "{backend:?}: feedbacks.search_text is dropped"
        );

        Migrator::up(&db, None).await.expect("up again");
    }
}

on_each_backend! {
    /// Two existing customers of one organization whose emails fold alike
    /// stop the migration with a message naming the organization and both
    /// emails; nothing is merged or half done, and once one of them is
    /// changed the migration runs.
    async fn emails_that_fold_alike_stop_the_migration_and_name_the_customers(backend) {
        let (db, _scratch) = database_before_folding(backend).await;
        let organization = old_organization(&db).await;
        let other = old_organization(&db).await;
        let (upper, sharp) = (Uuid::new_v4(), Uuid::new_v4());
        let (upper_email, sharp_email) = (
            mail("STRASSE", "example.com"),
            mail("straße", "example.com"),
        );
        insert(
            &db,
            "customers",
            OLD_CUSTOMER_COLUMNS,
            vec![
                old_customer(organization, upper, "Upper", &upper_email),
                old_customer(organization, sharp, "Sharp", &sharp_email),
                // The same email in another organization is no clash.
                old_customer(other, Uuid::new_v4(), "Other", &sharp_email),
            ],
        )
        .await;

        let error = Migrator::up(&db, None)
            .await
            .expect_err("refused")
            .to_string();
        for part in [organization.to_string(), upper_email, sharp_email] {
            assert!(
                error.contains(&part),
                "{backend:?}: {part} missing from: {error}"
            );
        }
        assert!(!error.contains(&other.to_string()), "{error}");
        let columns = db
            .execute_unprepared("SELECT email_folded FROM customers")
            .await;
        assert!(
            columns.is_err(),
            "{backend:?}: the failed migration left no column behind"
        );
        assert_eq!(
            texts(&db, "customers", "full_name").await.len(),
            3,
            "nothing merged"
        );

        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match backend {
                Backend::Sqlite => "UPDATE customers SET email = ? WHERE uuid = ?",
                Backend::Postgres => "UPDATE customers SET email = $1 WHERE uuid = $2",
            },
            [mail("strasse.2", "example.com").into(), sharp.into()],
        ))
        .await
        .expect("change one email");
        Migrator::up(&db, None)
            .await
            .expect("migrates once the clash is gone");
    }
}

/// Search and email uniqueness under every PostgreSQL database locale the
/// machine has (C, as CI's cluster, and C.UTF-8, where `LOWER()` folds more
/// than ASCII): the answers are the same, because the database only ever
/// compares text folded in Rust.
#[tokio::test]
async fn search_and_emails_ignore_the_database_locale_on_postgres() {
    if !common::postgres_configured() {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL run is skipped");
        return;
    }
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
