//! Deterministic synthetic data: the same options always give the same rows.
//! Used by `customer-graph seed` (benchmarks, tests) and `serve --demo`.
//!
//! Rows are written with multi-row INSERTs inside one transaction per chunk of
//! customers, which is what makes a million feedbacks load in about a minute.
//!
//! - this file: the plan of a run ([`seed`]: companies, then the reference
//!   tables, then customers chunk by chunk) and the demo of `serve --demo`
//!   ([`prepare_demo`]);
//! - [`vocabulary`]: the fixed names, sentences and reference rows;
//! - [`rng`]: the seeded generator of numbers, picks and UUIDv7s;
//! - [`generate`]: the rows of a chunk, made in memory;
//! - [`write`](mod@write): the rows written, in as few INSERTs as the limits
//!   allow.

pub mod generate;
pub mod rng;
pub mod vocabulary;
pub mod write;

use anyhow::{Context, bail};
use entity::customers;
use indicatif::ProgressBar;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use self::generate::{Parents, generate_chunk};
use self::rng::SeedRng;
use self::write::{INSIGHTS, ISSUES, PERSONAS, SPACES, Writer};
use crate::store;

/// How much data to make.
#[derive(Debug, Clone, Copy)]
pub struct SeedOptions {
    /// Customers to add.
    pub customers: u64,
    /// Feedbacks each customer sends.
    pub feedbacks_per_customer: u32,
    /// The seed of the generator: the same seed gives the same data.
    pub random_seed: u64,
}

/// What a seeding run added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Companies created (existing ones are reused).
    pub companies: u64,
    /// Personas created (existing ones are reused).
    pub personas: u64,
    /// Customers created.
    pub customers: u64,
    /// Feedbacks created.
    pub feedbacks: u64,
    /// Highlights created.
    pub highlights: u64,
    /// Insights created (existing ones are reused).
    pub insights: u64,
    /// Issues created (existing ones are reused).
    pub issues: u64,
    /// Highlight ↔ insight and highlight ↔ issue links created.
    pub links: u64,
    /// Spaces created (existing ones are reused).
    pub spaces: u64,
    /// Feedback ↔ space links created.
    pub space_links: u64,
}

/// Customers written per transaction.
const CUSTOMERS_PER_CHUNK: u64 = 1_000;

/// Adds synthetic companies, personas, spaces, customers, feedbacks,
/// highlights, insights, issues and links to `organization_uuid`. Running it again adds
/// more customers (emails stay unique) and reuses the organization's existing
/// companies, personas, insights and issues.
///
/// # Errors
/// The organization does not exist, or the database rejects a statement (a
/// chunk already committed stays).
#[tracing::instrument(skip(db, progress))]
pub async fn seed(
    db: &DatabaseConnection,
    organization_uuid: Uuid,
    options: SeedOptions,
    progress: &ProgressBar,
) -> anyhow::Result<SeedReport> {
    if store::organizations::find(db, organization_uuid)
        .await?
        .is_none()
    {
        bail!("organization {organization_uuid} does not exist");
    }
    let existing_customers = customers::Entity::find()
        .filter(customers::Column::OrganizationUuid.eq(organization_uuid))
        .count(db)
        .await?;

    // The generator depends on the seed, the organization and what is already
    // there, so that seeding twice adds new rows instead of colliding.
    let digest = Sha256::digest(format!(
        "{}:{organization_uuid}:{existing_customers}",
        options.random_seed
    ));
    let mut writer = Writer {
        db,
        organization_uuid,
        rng: SeedRng::new(digest.into()),
        now: store::now(),
    };
    let mut report = SeedReport::default();
    let (companies, made) = writer.ensure_companies(options.customers).await?;
    report.companies = made;
    let (personas, made) = writer.ensure_reference_rows(&PERSONAS).await?;
    report.personas = made;
    let (insights, made) = writer.ensure_reference_rows(&INSIGHTS).await?;
    report.insights = made;
    let (issues, made) = writer.ensure_reference_rows(&ISSUES).await?;
    report.issues = made;
    // Spaces come from a generator of their own, so that adding them left
    // every other seeded row as it was.
    let main = std::mem::replace(
        &mut writer.rng,
        SeedRng::new(Sha256::digest([b"spaces:".as_slice(), &digest[..]].concat()).into()),
    );
    let (spaces, made) = writer.ensure_reference_rows(&SPACES).await?;
    report.spaces = made;
    writer.rng = main;
    let parents = Parents {
        companies,
        personas,
        insights,
        issues,
        spaces,
    };

    progress.set_length(options.customers);
    let mut index = existing_customers;
    let end = existing_customers + options.customers;
    while index < end {
        let chunk = index..end.min(index + CUSTOMERS_PER_CHUNK);
        let rows = generate_chunk(
            organization_uuid,
            chunk.clone(),
            options.feedbacks_per_customer,
            &parents,
            &mut writer.rng,
            writer.now,
        );
        report.customers += rows.customers.len() as u64;
        report.feedbacks += rows.feedbacks.len() as u64;
        report.highlights += rows.highlights.len() as u64;
        report.links += (rows.insight_links.len() + rows.issue_links.len()) as u64;
        report.space_links += rows.space_links.len() as u64;
        writer.write_chunk(rows).await?;
        progress.inc(chunk.end - chunk.start);
        index = chunk.end;
    }
    progress.finish_and_clear();
    // Fresh statistics let both planners pick the per-parent indexes.
    db.execute_unprepared("ANALYZE")
        .await
        .context("cannot analyze the seeded tables")?;
    Ok(report)
}

/// Customers in the demo organization that `serve --demo` creates.
pub const DEMO_CUSTOMERS: u64 = 1_000;
/// Feedbacks per demo customer.
pub const DEMO_FEEDBACKS_PER_CUSTOMER: u32 = 8;
/// Name of the demo organization.
pub const DEMO_ORGANIZATION_NAME: &str = "Demo Organization";

/// For `serve --demo`: when the database holds no organization, creates the
/// demo organization with seeded data. Either way issues a fresh demo token
/// for the oldest organization and returns (organization, token).
pub async fn prepare_demo(
    db: &DatabaseConnection,
    progress: &ProgressBar,
) -> anyhow::Result<(Uuid, String)> {
    let organization_uuid = match store::organizations::first(db).await? {
        Some(organization) => organization.uuid,
        None => {
            tracing::info!("empty database: creating the demo organization with seeded data");
            let organization = store::organizations::create(db, DEMO_ORGANIZATION_NAME).await?;
            seed(
                db,
                organization.uuid,
                SeedOptions {
                    customers: DEMO_CUSTOMERS,
                    feedbacks_per_customer: DEMO_FEEDBACKS_PER_CUSTOMER,
                    random_seed: 1,
                },
                progress,
            )
            .await?;
            organization.uuid
        }
    };
    let (_, token) = store::tokens::issue(db, organization_uuid, Some("demo")).await?;
    Ok((organization_uuid, token))
}
