//! The database under both faces: the migrations and the constraints they
//! enforce, the read-path migration of rows written before it, and the
//! seeded demo data. Each scenario runs once per backend (`…::on_sqlite`,
//! `…::on_postgres`); refusing to seed an unknown organization on SQLite
//! alone.

mod common;

use std::collections::HashMap;

use common::{Backend, fresh_database, mail, spawn_app};
use customer_graph::demo::{SeedOptions, SeedReport, seed};
use customer_graph::metrics::Metrics;
use customer_graph::{db, store};
use entity::{customers, feedback_highlights, feedbacks, insight_highlights, issue_highlights};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryOrder, Statement,
};
use uuid::Uuid;

/// The names of the app database's tables, sorted.
async fn table_names(app: &common::TestApp) -> Vec<String> {
    let sql = match app.backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        Backend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        }
    };
    app.db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .expect("list tables")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name"))
        .collect()
}

/// A new customer of `organization` with `email`, as an entity to insert.
fn customer(organization: Uuid, email: &str) -> customers::ActiveModel {
    let now = store::now();
    customers::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        full_name: Set("Alice Johnson".into()),
        email: Set(email.into()),
        role: Set(None),
        persona_uuid: Set(None),
        customer_company_uuid: Set(None),
        last_interacted_date: Set(None),
        feedback_count: Set(0),
        search_text: Set(String::new()),
        email_folded: Set(entity::folding::fold(email)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
}

on_each_backend! {
    /// Every table exists, and applying the migrations again changes nothing.
    async fn the_migrations_create_every_table_and_run_again_without_change(backend) {
        let app = spawn_app(backend).await;
        let tables = table_names(&app).await;
        for table in [
            "organizations",
            "api_tokens",
            "customer_companies",
            "personas",
            "customers",
            "feedbacks",
            "feedback_highlights",
            "insights",
            "issues",
            "insight_highlights",
            "issue_highlights",
        ] {
            assert!(
                tables.contains(&table.to_owned()),
                "{backend:?}: no table {table} in {tables:?}"
            );
        }
        db::migrate(&app.db).await.expect("second migration run");
    }
}

on_each_backend! {
    async fn an_email_is_unique_within_an_organization_but_not_across_them(backend) {
        let app = spawn_app(backend).await;
        let (first, _) = app.organization_with_token().await;
        let (second, _) = app.organization_with_token().await;
        customer(first, &mail("alice", "example.com"))
            .insert(&app.db)
            .await
            .expect("first insert");
        let duplicate = customer(first, &mail("alice", "example.com"))
            .insert(&app.db)
            .await;
        let error = duplicate.expect_err("the same email twice in one organization is refused");
        assert!(
            customer_graph::error::is_unique_violation(&error),
            "{backend:?}: {error}"
        );
        customer(second, &mail("alice", "example.com"))
            .insert(&app.db)
            .await
            .expect("the same email in another organization is fine");
    }
}

on_each_backend! {
    /// Foreign keys are enforced (SQLite needs them switched on per connection).
    async fn a_customer_of_a_missing_organization_is_refused(backend) {
        let app = spawn_app(backend).await;
        let orphan = customer(Uuid::new_v4(), &mail("orphan", "example.com"))
            .insert(&app.db)
            .await;
        assert!(
            orphan.is_err(),
            "{backend:?}: a customer of a missing organization was accepted"
        );
    }
}

on_each_backend! {
    /// Rows written under the previous schema get their copied columns and their
    /// organization's customer count when the read-path migration runs.
    async fn the_read_path_migration_fills_the_copied_columns_of_existing_rows(backend) {
        use migration::{Migrator, MigratorTrait};

        let (url, _dir) = fresh_database(backend).await;
        let db = db::connect(&url, None).await.expect("db");
        Migrator::up(&db, Some(2))
            .await
            .expect("first two migrations");
        let [organization, customer, feedback, highlight, insight, issue] =
            [(); 6].map(|()| Uuid::new_v4());
        let now = store::now();
        let given = now - chrono::TimeDelta::days(3);
        // One row of each table, with the columns the second migration left.
        let rows: [(&str, &str, Vec<sea_orm::Value>); 8] = [
            ("organizations", "uuid, name, created_at",
             vec![organization.into(), "Old".into(), now.into()]),
            ("customers",
             "uuid, organization_uuid, full_name, email, feedback_count, \
              last_interacted_date, search_text, created_at, updated_at",
             vec![customer.into(), organization.into(), "Ada".into(),
                  mail("ada", "example.com").into(), 1i64.into(), given.into(),
                  "ada".into(), now.into(), now.into()]),
            ("feedbacks",
             "uuid, organization_uuid, customer_uuid, feedback_contents, \
              feedback_date, source, created_at",
             vec![feedback.into(), organization.into(), customer.into(), "Slow.".into(),
                  given.into(), "email".into(), now.into()]),
            ("feedback_highlights",
             "uuid, organization_uuid, feedback_uuid, quote, sentiment_score, created_at",
             vec![highlight.into(), organization.into(), feedback.into(), "Slow".into(),
                  (-0.5f64).into(), now.into()]),
            ("insights", "uuid, organization_uuid, title, created_at",
             vec![insight.into(), organization.into(), "Speed".into(), now.into()]),
            ("issues", "uuid, organization_uuid, title, status, created_at",
             vec![issue.into(), organization.into(), "Latency".into(), "open".into(), now.into()]),
            ("insight_highlights", "insight_uuid, highlight_uuid",
             vec![insight.into(), highlight.into()]),
            ("issue_highlights", "issue_uuid, highlight_uuid",
             vec![issue.into(), highlight.into()]),
        ];
        for (table, columns, values) in rows {
            common::sql::insert(&db, table, columns, vec![values]).await;
        }

        Migrator::up(&db, None)
            .await
            .expect("the remaining migrations");
        let copied = feedback_highlights::Entity::find_by_id(highlight)
            .one(&db)
            .await
            .expect("highlight")
            .expect("exists");
        assert_eq!(copied.customer_uuid, customer, "{backend:?}");
        assert_eq!(copied.feedback_date, given, "{backend:?}");
        let insight_link = insight_highlights::Entity::find().one(&db).await.expect("link");
        assert_eq!(insight_link.expect("exists").customer_uuid, customer, "{backend:?}");
        let issue_link = issue_highlights::Entity::find().one(&db).await.expect("link");
        assert_eq!(issue_link.expect("exists").customer_uuid, customer, "{backend:?}");
        let stored = store::organizations::find(&db, organization)
            .await
            .expect("organization")
            .expect("exists");
        assert_eq!(stored.customer_count, 1, "{backend:?}");
    }
}

/// Stores an organization with a chosen `uuid`, so seeded rows can be
/// compared across databases.
async fn organization_with_uuid(db: &DatabaseConnection, uuid: Uuid) {
    entity::organizations::ActiveModel {
        uuid: Set(uuid),
        name: Set("Seeded".into()),
        created_at: Set(store::now()),
        customer_count: Set(0),
    }
    .insert(db)
    .await
    .expect("organization");
}

/// The seeding of the seeded-data scenarios: 30 customers of 4 feedbacks each.
const SEED: SeedOptions = SeedOptions {
    customers: 30,
    feedbacks_per_customer: 4,
    random_seed: 99,
};

/// A fresh, migrated database of `backend` holding `organization`, seeded
/// with [`SEED`]; the guard that removes it, and what the seeding reported.
async fn seeded_database(
    backend: Backend,
    organization: Uuid,
) -> (DatabaseConnection, common::Scratch, SeedReport) {
    let (url, scratch) = fresh_database(backend).await;
    let db = db::connect_and_migrate(&url, Some(std::sync::Arc::new(Metrics::default())))
        .await
        .expect("db");
    organization_with_uuid(&db, organization).await;
    let report = seed(&db, organization, SEED, &indicatif::ProgressBar::hidden())
        .await
        .expect("seed");
    assert_eq!(report.customers, 30);
    assert_eq!(report.feedbacks, 120);
    (db, scratch, report)
}

/// Every customer, by email.
async fn customers_by_email(db: &DatabaseConnection) -> Vec<customers::Model> {
    customers::Entity::find()
        .order_by_asc(customers::Column::Email)
        .all(db)
        .await
        .expect("customers")
}

on_each_backend! {
    async fn seeded_customers_count_and_date_their_own_feedbacks(backend) {
        let organization = Uuid::new_v4();
        let (db, _scratch, _) = seeded_database(backend, organization).await;
        let all_customers = customers_by_email(&db).await;
        let all_feedbacks = feedbacks::Entity::find().all(&db).await.expect("feedbacks");
        assert_eq!(all_customers.len(), 30);
        assert_eq!(all_feedbacks.len(), 120);

        let mut per_customer: HashMap<Uuid, Vec<&feedbacks::Model>> = HashMap::new();
        for feedback in &all_feedbacks {
            assert_eq!(feedback.organization_uuid, organization);
            per_customer
                .entry(feedback.customer_uuid)
                .or_default()
                .push(feedback);
        }
        for customer in &all_customers {
            let theirs = &per_customer[&customer.uuid];
            assert_eq!(customer.feedback_count, theirs.len() as i64);
            let latest = theirs.iter().map(|feedback| feedback.feedback_date).max();
            assert_eq!(customer.last_interacted_date, latest, "{backend:?}");
        }
    }
}

on_each_backend! {
    /// One to three highlights a feedback, each with its feedback's customer
    /// and date copied, and insight and issue links with the highlight's customer.
    async fn seeded_highlights_and_links_copy_their_feedbacks_customer_and_date(backend) {
        let (db, _scratch, _) = seeded_database(backend, Uuid::new_v4()).await;
        let all_feedbacks = feedbacks::Entity::find().all(&db).await.expect("feedbacks");
        let highlights = feedback_highlights::Entity::find()
            .all(&db)
            .await
            .expect("highlights");
        let feedback_by_uuid: HashMap<Uuid, &feedbacks::Model> = all_feedbacks
            .iter()
            .map(|feedback| (feedback.uuid, feedback))
            .collect();
        let mut per_feedback: HashMap<Uuid, usize> = HashMap::new();
        for highlight in &highlights {
            assert!((-1.0..=1.0).contains(&highlight.sentiment_score));
            let feedback = feedback_by_uuid[&highlight.feedback_uuid];
            assert_eq!(
                highlight.customer_uuid, feedback.customer_uuid,
                "{backend:?}"
            );
            assert_eq!(
                highlight.feedback_date, feedback.feedback_date,
                "{backend:?}"
            );
            *per_feedback.entry(highlight.feedback_uuid).or_default() += 1;
        }
        assert_eq!(per_feedback.len(), 120, "every feedback has highlights");
        assert!(per_feedback.values().all(|count| (1..=3).contains(count)));
        let insight_links = insight_highlights::Entity::find()
            .all(&db)
            .await
            .expect("links");
        let issue_links = issue_highlights::Entity::find()
            .all(&db)
            .await
            .expect("links");
        assert!(!insight_links.is_empty() && !issue_links.is_empty());
        let customer_of: HashMap<Uuid, Uuid> = highlights
            .iter()
            .map(|highlight| (highlight.uuid, highlight.customer_uuid))
            .collect();
        for (highlight, customer) in insight_links
            .iter()
            .map(|link| (link.highlight_uuid, link.customer_uuid))
            .chain(
                issue_links
                    .iter()
                    .map(|link| (link.highlight_uuid, link.customer_uuid)),
            )
        {
            assert_eq!(customer_of[&highlight], customer, "{backend:?}");
        }
    }
}

on_each_backend! {
    /// Seeded feedback has every kind of the feedback API: types that fit
    /// its source, priorities 0 to 4 (0 most often), a data source for most
    /// and spaces of its organization for about half.
    async fn seeded_feedback_has_types_priorities_data_sources_and_spaces(backend) {
        // A fixed organization: the seed, and so the counts below, follow from it.
        let organization = Uuid::from_u128(0x5eed_0017);
        let (db, _scratch, report) = seeded_database(backend, organization).await;
        assert_eq!(report.spaces, 4, "{backend:?}");
        let all_feedbacks = feedbacks::Entity::find().all(&db).await.expect("feedbacks");
        let types: std::collections::HashSet<_> =
            all_feedbacks.iter().map(|feedback| feedback.feedback_type).collect();
        assert!(types.len() >= 4, "{backend:?}: {types:?}");
        let mut priorities = [0usize; 5];
        for feedback in &all_feedbacks {
            priorities[feedback.priority as usize] += 1;
            if feedback.source == "review" {
                assert_eq!(feedback.feedback_type, entity::vocabulary::FeedbackType::FeedbackResponse);
            }
            assert_eq!(feedback.data_source_type.is_some(), feedback.data_source_id.is_some());
        }
        assert!(priorities.iter().all(|count| *count > 0), "{priorities:?}");
        assert!(priorities[0] > priorities[4], "{priorities:?}");
        let imported = all_feedbacks.iter().filter(|feedback| feedback.data_source_type.is_some()).count();
        assert!((60..120).contains(&imported), "{imported} of 120 imported");
        let links = entity::feedback_spaces::Entity::find().all(&db).await.expect("links");
        assert_eq!(links.len() as u64, report.space_links);
        let spaces: std::collections::HashSet<Uuid> = entity::spaces::Entity::find()
            .all(&db)
            .await
            .expect("spaces")
            .iter()
            .map(|space| {
                assert_eq!(space.organization_uuid, organization);
                space.uuid
            })
            .collect();
        let filed: std::collections::HashSet<Uuid> = links.iter().map(|link| link.feedback_uuid).collect();
        assert!(links.iter().all(|link| spaces.contains(&link.space_uuid)));
        assert!((30..=90).contains(&filed.len()), "{} of 120 filed", filed.len());
    }
}

on_each_backend! {
    /// Seeding again adds new customers without colliding, counts them, and
    /// reuses the organization's personas, insights and issues.
    async fn seeding_again_adds_customers_and_reuses_personas_insights_and_issues(backend) {
        let organization = Uuid::new_v4();
        let (db, _scratch, report) = seeded_database(backend, organization).await;
        let again = seed(
            &db,
            organization,
            SeedOptions {
                customers: 5,
                ..SEED
            },
            &indicatif::ProgressBar::hidden(),
        )
        .await
        .expect("second seed");
        assert_eq!(
            [again.personas, again.insights, again.issues, again.spaces],
            [0, 0, 0, 0],
            "{backend:?}: reused"
        );
        assert_eq!(
            entity::personas::Entity::find()
                .all(&db)
                .await
                .expect("personas")
                .len() as u64,
            report.personas,
            "{backend:?}: no persona added"
        );
        let total = customers::Entity::find()
            .all(&db)
            .await
            .expect("customers")
            .len();
        assert_eq!(total, 35);
        let stored = store::organizations::find(&db, organization)
            .await
            .expect("organization")
            .expect("exists")
            .customer_count;
        assert_eq!(stored, 35, "{backend:?}: the stored customer count");
    }
}

on_each_backend! {
    /// The same seed gives the same customers on this backend as on a fresh
    /// SQLite database (so SQLite's run compares SQLite with itself, and
    /// PostgreSQL's compares the two backends).
    async fn the_same_seed_gives_the_same_rows_on_every_backend(backend) {
        let organization = Uuid::new_v4();
        let mut fingerprints = Vec::new();
        for backend in [backend, Backend::Sqlite] {
            let (db, _scratch, _) = seeded_database(backend, organization).await;
            fingerprints.push(
                customers_by_email(&db)
                    .await
                    .iter()
                    .map(|customer| {
                        (
                            customer.uuid,
                            customer.email.clone(),
                            customer.last_interacted_date,
                        )
                    })
                    .collect::<Vec<_>>(),
            );
        }
        assert!(
            fingerprints.windows(2).all(|pair| pair[0] == pair[1]),
            "{backend:?}: same seed, same rows"
        );
    }
}

#[tokio::test]
async fn an_unknown_organization_cannot_be_seeded() {
    let (url, _dir) = fresh_database(Backend::Sqlite).await;
    let db = db::connect_and_migrate(&url, None).await.expect("db");
    let error = seed(
        &db,
        Uuid::new_v4(),
        SeedOptions {
            customers: 1,
            feedbacks_per_customer: 1,
            random_seed: 1,
        },
        &indicatif::ProgressBar::hidden(),
    )
    .await
    .expect_err("refused");
    assert!(error.to_string().contains("does not exist"));
}
