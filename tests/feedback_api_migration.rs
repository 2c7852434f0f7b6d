//! The migration that brought the feedback API's model
//! (`m20261130_000006_feedback_api`): feedbacks written before it read back
//! with the defaults (`FEEDBACK_RESPONSE`, priority 0, no data source, in no
//! space) and their `source` unchanged; the priority's range is held by the
//! database itself; down removes what up added and up runs again. Each
//! scenario runs once per backend (`…::on_sqlite`, `…::on_postgres`).

mod common;

use common::sql::{insert, try_insert};
use common::{Backend, fresh_database};
use customer_graph::db;
use entity::feedbacks;
use entity::vocabulary::FeedbackType;
use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

/// The name of the migration under test.
const FEEDBACK_API_MIGRATION: &str = "m20261130_000006_feedback_api";

/// How many migrations come before it.
fn migrations_before() -> u32 {
    Migrator::migrations()
        .iter()
        .position(|migration| migration.name() == FEEDBACK_API_MIGRATION)
        .expect("the feedback API migration is registered") as u32
}

/// A database migrated up to, not including, the migration, holding one
/// organization, customer and feedback written as that schema held them:
/// the database and the feedback's uuid.
async fn database_with_an_old_feedback(
    backend: Backend,
) -> (DatabaseConnection, common::Scratch, Uuid) {
    let (url, scratch) = fresh_database(backend).await;
    let db = db::connect(&url, None).await.expect("db");
    Migrator::up(&db, Some(migrations_before()))
        .await
        .expect("the migrations before");
    let now = chrono::Utc::now();
    let (organization, customer, feedback) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    insert(
        &db,
        "organizations",
        "uuid, name, created_at",
        vec![vec![organization.into(), "Old".into(), now.into()]],
    )
    .await;
    insert(
        &db,
        "customers",
        "uuid, organization_uuid, full_name, email, feedback_count, search_text, email_folded, created_at, updated_at",
        vec![vec![customer.into(), organization.into(), "Old Timer".into(), "old@example.com".into(), 1i64.into(),
            "old timer old@example.com".into(), "old@example.com".into(), now.into(), now.into()]],
    )
    .await;
    insert(
        &db,
        "feedbacks",
        "uuid, organization_uuid, customer_uuid, feedback_contents, feedback_date, source, created_at, search_text",
        vec![vec![feedback.into(), organization.into(), customer.into(), "It works".into(), now.into(),
            "email".into(), now.into(), "it works".into()]],
    )
    .await;
    (db, scratch, feedback)
}

on_each_backend! {
    async fn feedback_written_before_the_migration_reads_back_with_the_defaults(backend) {
        let (db, _scratch, uuid) = database_with_an_old_feedback(backend).await;
        Migrator::up(&db, None).await.expect("up");
        let feedback = feedbacks::Entity::find_by_id(uuid).one(&db).await.expect("read").expect("kept");
        assert_eq!(
            (feedback.feedback_type, feedback.priority, feedback.data_source_type, feedback.data_source_id.clone(), feedback.source.as_str()),
            (FeedbackType::FeedbackResponse, 0, None, None, "email"),
            "{backend:?}"
        );
        // The database holds the priority to 0–4 whoever writes it.
        let refused = try_insert(
            &db,
            "feedbacks",
            "uuid, organization_uuid, customer_uuid, feedback_contents, feedback_date, source, created_at, search_text, priority",
            vec![vec![Uuid::new_v4().into(), feedback.organization_uuid.into(), feedback.customer_uuid.into(),
                "x".into(), chrono::Utc::now().into(), "api".into(), chrono::Utc::now().into(), "x".into(), 5.into()]],
        )
        .await;
        assert!(refused.is_err(), "{backend:?}: priority 5 was stored");
    }
}

on_each_backend! {
    async fn the_migration_goes_down_and_up_again_keeping_feedback(backend) {
        let (db, _scratch, uuid) = database_with_an_old_feedback(backend).await;
        Migrator::up(&db, None).await.expect("up");
        let applied = Migrator::migrations().len() as u32 - migrations_before();
        Migrator::down(&db, Some(applied)).await.expect("down");
        Migrator::up(&db, None).await.expect("up again");
        let feedback = feedbacks::Entity::find_by_id(uuid).one(&db).await.expect("read").expect("kept");
        assert_eq!((feedback.feedback_contents.as_str(), feedback.priority), ("It works", 0), "{backend:?}");
    }
}
