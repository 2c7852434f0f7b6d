//! The migration that brought Unicode case folding
//! (`m20261130_000005_unicode_case_folding`) to rows written before it: it
//! refolds them in batches, replaces the `LOWER(email)` unique index by the
//! folded email's, and down restores the previous state; emails that fold
//! alike stop it, naming the customers. Each scenario runs once per backend
//! (`…::on_sqlite`, `…::on_postgres`).

mod common;

use common::sql::{insert, try_insert};
use common::{Backend, fresh_database, mail};
use customer_graph::db;
use entity::folding::fold;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value as SqlValue};
use uuid::Uuid;

/// The name of the migration under test.
const FOLDING_MIGRATION: &str = "m20261130_000005_unicode_case_folding";

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
