//! Deterministic synthetic data: the same options always give the same rows.
//! Used by `customer-graph seed` (benchmarks, tests) and `serve --demo`.
//!
//! Rows are written with multi-row INSERTs inside one transaction per chunk of
//! customers, which is what makes a million feedbacks load in about a minute.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use entity::{customer_companies, customers};
use indicatif::ProgressBar;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::sea_query::{Expr, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait, Value,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

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
}

/// Customers written per transaction.
const CUSTOMERS_PER_CHUNK: usize = 1_000;
/// Bind parameters per statement: below SQLite's 32 766 and PostgreSQL's 65 535.
const PARAMETERS_PER_STATEMENT: usize = 30_000;

const FIRST_NAMES: &[&str] = &[
    "Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Keiko", "Liam", "Maya", "Nikolai", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tara",
    "Umar", "Vera", "Wei", "Xenia", "Yusuf", "Zoe", "Amara", "Boris", "Carmen", "Diego", "Emma",
    "Felix", "Greta", "Hugo", "Ivy", "Jakob", "Kira", "Leo", "Mina", "Noah",
];
const LAST_NAMES: &[&str] = &[
    "Johnson", "Silva", "Martin", "Ivanov", "Rossi", "Haddad", "Kim", "Tanaka", "Garcia", "Berg",
    "Sato", "Murphy", "Patel", "Petrov", "Brown", "Novak", "Lee", "Lopez", "Khan", "Singh", "Ali",
    "Fischer", "Chen", "Popova", "Demir", "Dubois", "Okafor", "Kowalski", "Ruiz", "Costa",
    "Moreau", "Weber", "Larsen", "Meyer", "Walsh", "Schmidt", "Nakamura", "Ortiz", "Yilmaz",
    "Hall",
];
const ROLES: &[&str] = &[
    "Marketing Manager",
    "Product Manager",
    "Software Engineer",
    "Head of Support",
    "CTO",
    "Data Analyst",
    "Operations Lead",
    "Designer",
    "Sales Director",
    "Customer Success Manager",
];
const COMPANY_WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Aperture",
    "Massive",
    "Pied",
    "Oscorp",
    "Gringotts",
    "Monarch",
    "Nakatomi",
    "Virtucon",
];
const COMPANY_SUFFIXES: &[&str] = &[
    "Labs",
    "Systems",
    "Industries",
    "Analytics",
    "Cloud",
    "Works",
];
const PERSONAS: &[(&str, &str)] = &[
    (
        "Power User",
        "Uses the product daily and pushes its limits.",
    ),
    ("Decision Maker", "Owns the budget and the renewal."),
    ("Administrator", "Sets the product up for a team."),
    ("Casual User", "Comes back now and then for one task."),
    ("Developer", "Integrates the product through its API."),
    ("Evaluator", "Is trying the product before buying."),
];
const SOURCES: &[&str] = &[
    "email",
    "support_ticket",
    "call",
    "survey",
    "chat",
    "review",
];
const FEATURES: &[&str] = &[
    "the dashboard",
    "search",
    "the export to CSV",
    "the mobile app",
    "notifications",
    "the reporting module",
    "single sign-on",
    "the API",
    "billing",
    "onboarding",
    "the integrations page",
    "team permissions",
];
/// Sentences with the sentiment they carry; `{}` is a feature.
const SENTENCES: &[(&str, f64)] = &[
    ("I love how fast {} is now", 0.9),
    ("{} saves our team hours every week", 0.8),
    ("{} works well for us", 0.5),
    ("{} is fine, nothing special", 0.1),
    ("{} is confusing for new people on the team", -0.4),
    ("{} keeps timing out when we need it most", -0.8),
    ("we lost data because of {}", -0.95),
    ("{} is missing a few options we expected", -0.2),
    ("support helped us get {} working quickly", 0.7),
    ("the latest change to {} broke our workflow", -0.7),
];
const INSIGHTS: &[(&str, &str)] = &[
    (
        "Performance praised",
        "Customers notice and value speed improvements.",
    ),
    (
        "Onboarding friction",
        "New users struggle in their first week.",
    ),
    (
        "Export demand",
        "Customers want to take their data elsewhere.",
    ),
    (
        "Mobile usage growing",
        "More feedback mentions the mobile app.",
    ),
    (
        "Integrations drive retention",
        "Teams that connect tools stay longer.",
    ),
    (
        "Support quality",
        "Customers credit support for quick fixes.",
    ),
    (
        "Permissions complexity",
        "Admins find team permissions hard to reason about.",
    ),
    (
        "Reporting gaps",
        "Reports lack the breakdowns managers ask for.",
    ),
];
const ISSUES: &[(&str, &str, &str)] = &[
    (
        "Dashboard timeouts",
        "The dashboard times out under load.",
        "open",
    ),
    (
        "Data loss on sync",
        "Edits are lost when two devices sync.",
        "in_progress",
    ),
    (
        "Confusing onboarding",
        "The first-run flow skips key steps.",
        "open",
    ),
    (
        "Broken CSV export",
        "Exports truncate long fields.",
        "resolved",
    ),
    (
        "SSO login loop",
        "Single sign-on redirects forever for some tenants.",
        "open",
    ),
    (
        "Slow search",
        "Search takes seconds on large accounts.",
        "in_progress",
    ),
    (
        "Missing notification settings",
        "Users cannot mute channels.",
        "closed",
    ),
    (
        "Billing address bug",
        "Invoices show an outdated address.",
        "resolved",
    ),
];

/// The instant the synthetic timeline ends at. Fixed, so that the same seed
/// gives the same rows whenever it runs.
fn timeline_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
        .single()
        .expect("BUG: the timeline end is a valid date")
}

/// Seconds the feedback timeline spans (two years).
const TIMELINE_SECONDS: i64 = 2 * 365 * 24 * 3600;

/// The seeding generator: deterministic random numbers, and UUIDs that are
/// time-ordered (version 7, on a synthetic clock that ticks once per UUID).
/// Ordered keys make bulk inserts append to the indexes instead of landing at
/// random pages, as UUIDv7 keys do in production.
struct SeedRng {
    rng: ChaCha8Rng,
    clock_millis: u64,
}

impl SeedRng {
    fn new(seed: [u8; 32]) -> SeedRng {
        let mut rng = ChaCha8Rng::from_seed(seed);
        // 2025-01-01 plus a random offset, so separate runs start apart.
        let clock_millis = 1_735_689_600_000 + u64::from(rng.random::<u32>());
        SeedRng { rng, clock_millis }
    }
}

impl rand::RngCore for SeedRng {
    fn next_u32(&mut self) -> u32 {
        self.rng.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    fn fill_bytes(&mut self, destination: &mut [u8]) {
        self.rng.fill_bytes(destination)
    }
}

fn random_uuid(rng: &mut SeedRng) -> Uuid {
    rng.clock_millis += 1;
    let random: [u8; 10] = rng.rng.random();
    uuid::Builder::from_unix_timestamp_millis(rng.clock_millis, &random).into_uuid()
}

fn pick<'a, T>(rng: &mut SeedRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Adds synthetic companies, personas, customers, feedbacks, highlights,
/// insights, issues and links to `organization_uuid`. Running it again adds
/// more customers (emails stay unique) and reuses the organization's existing
/// companies, personas, insights and issues.
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
    let mut rng = SeedRng::new(digest.into());
    let mut report = SeedReport::default();
    let now = store::now();

    let companies = ensure_companies(
        db,
        organization_uuid,
        options.customers,
        &mut rng,
        now,
        &mut report,
    )
    .await?;
    let described = |entries: &[(&str, &str)]| -> Vec<Vec<Value>> {
        entries
            .iter()
            .map(|(name, description)| {
                vec![
                    name.to_string().into(),
                    Some(description.to_string()).into(),
                ]
            })
            .collect()
    };
    let (personas, created) = ensure_reference_rows(
        db,
        "personas",
        &["name", "description"],
        described(PERSONAS),
        organization_uuid,
        &mut rng,
        now,
    )
    .await?;
    report.personas = created;
    let (insights, created) = ensure_reference_rows(
        db,
        "insights",
        &["title", "description"],
        described(INSIGHTS),
        organization_uuid,
        &mut rng,
        now,
    )
    .await?;
    report.insights = created;
    let issue_entries = ISSUES
        .iter()
        .map(|(title, description, status)| {
            vec![
                title.to_string().into(),
                Some(description.to_string()).into(),
                status.to_string().into(),
            ]
        })
        .collect();
    let (issues, created) = ensure_reference_rows(
        db,
        "issues",
        &["title", "description", "status"],
        issue_entries,
        organization_uuid,
        &mut rng,
        now,
    )
    .await?;
    report.issues = created;

    progress.set_length(options.customers);
    let mut index = existing_customers;
    let mut remaining = options.customers;
    while remaining > 0 {
        let chunk = remaining.min(CUSTOMERS_PER_CHUNK as u64);
        let rows = generate_chunk(
            organization_uuid,
            index,
            chunk,
            options.feedbacks_per_customer,
            &companies,
            &personas,
            &insights,
            &issues,
            &mut rng,
            now,
        );
        report.customers += rows.customers.len() as u64;
        report.feedbacks += rows.feedbacks.len() as u64;
        report.highlights += rows.highlights.len() as u64;
        report.links += (rows.insight_links.len() + rows.issue_links.len()) as u64;
        write_chunk(db, organization_uuid, rows).await?;
        index += chunk;
        remaining -= chunk;
        progress.inc(chunk);
    }
    progress.finish_and_clear();
    // Fresh statistics let both planners pick the per-parent indexes.
    db.execute_unprepared("ANALYZE")
        .await
        .context("cannot analyze the seeded tables")?;
    Ok(report)
}

/// The rows of one chunk of customers, ready for multi-row INSERTs.
struct ChunkRows {
    customers: Vec<Vec<Value>>,
    feedbacks: Vec<Vec<Value>>,
    highlights: Vec<Vec<Value>>,
    insight_links: Vec<Vec<Value>>,
    issue_links: Vec<Vec<Value>>,
}

#[allow(clippy::too_many_arguments)]
fn generate_chunk(
    organization_uuid: Uuid,
    first_index: u64,
    count: u64,
    feedbacks_per_customer: u32,
    companies: &[(Uuid, String)],
    personas: &[Uuid],
    insights: &[Uuid],
    issues: &[Uuid],
    rng: &mut SeedRng,
    now: DateTime<Utc>,
) -> ChunkRows {
    let mut rows = ChunkRows {
        customers: Vec::with_capacity(count as usize),
        feedbacks: Vec::with_capacity(count as usize * feedbacks_per_customer as usize),
        highlights: Vec::new(),
        insight_links: Vec::new(),
        issue_links: Vec::new(),
    };
    let end = timeline_end();
    for index in first_index..first_index + count {
        let customer_uuid = random_uuid(rng);
        let first = pick(rng, FIRST_NAMES);
        let last = pick(rng, LAST_NAMES);
        let company = rng.random_bool(0.95).then(|| pick(rng, companies).clone());
        let domain = company
            .as_ref()
            .map_or("example.com".to_owned(), |(_, domain)| domain.clone());
        let email = format!(
            "{}.{}.{index}@{domain}",
            first.to_lowercase(),
            last.to_lowercase()
        );
        let persona = rng.random_bool(0.9).then(|| *pick(rng, personas));
        let role = rng.random_bool(0.85).then(|| pick(rng, ROLES).to_string());

        let mut last_interacted: Option<DateTime<Utc>> = None;
        for _ in 0..feedbacks_per_customer {
            let feedback_uuid = random_uuid(rng);
            let date = end - TimeDelta::seconds(rng.random_range(0..TIMELINE_SECONDS));
            last_interacted = last_interacted.max(Some(date));
            let sentence_count = rng.random_range(1..=3);
            let mut sentences = Vec::with_capacity(sentence_count);
            for _ in 0..sentence_count {
                let (template, sentiment) = pick(rng, SENTENCES);
                let feature = pick(rng, FEATURES);
                let mut sentence = template.replace("{}", feature);
                if let Some(first_letter) = sentence.get_mut(0..1) {
                    first_letter.make_ascii_uppercase();
                }
                sentences.push((sentence, *sentiment));
            }
            let contents = sentences
                .iter()
                .map(|(sentence, _)| format!("{sentence}."))
                .collect::<Vec<_>>()
                .join(" ");
            let search = entity::folding::fold(&contents);
            rows.feedbacks.push(vec![
                feedback_uuid.into(),
                organization_uuid.into(),
                customer_uuid.into(),
                contents.into(),
                date.into(),
                pick(rng, SOURCES).to_string().into(),
                now.into(),
                search.into(),
            ]);
            for (sentence, sentiment) in sentences {
                let highlight_uuid = random_uuid(rng);
                let jitter: f64 = rng.random_range(-0.1..=0.1);
                let score = ((sentiment + jitter).clamp(-1.0, 1.0) * 100.0).round() / 100.0;
                rows.highlights.push(vec![
                    highlight_uuid.into(),
                    organization_uuid.into(),
                    feedback_uuid.into(),
                    sentence.into(),
                    score.into(),
                    now.into(),
                    customer_uuid.into(),
                    date.into(),
                ]);
                if rng.random_bool(0.5) {
                    rows.insight_links.push(vec![
                        (*pick(rng, insights)).into(),
                        highlight_uuid.into(),
                        customer_uuid.into(),
                    ]);
                }
                // Issues are problems: only unhappy highlights point at them.
                if score < 0.0 && rng.random_bool(0.6) {
                    rows.issue_links.push(vec![
                        (*pick(rng, issues)).into(),
                        highlight_uuid.into(),
                        customer_uuid.into(),
                    ]);
                }
            }
        }
        let full_name = format!("{first} {last}");
        let search = crate::store::customers::search_text(&full_name, &email);
        let email_folded = entity::folding::fold(&email);
        rows.customers.push(vec![
            customer_uuid.into(),
            organization_uuid.into(),
            full_name.into(),
            email.into(),
            role.into(),
            persona.into(),
            company.map(|(uuid, _)| uuid).into(),
            last_interacted.into(),
            i64::from(feedbacks_per_customer).into(),
            search.into(),
            email_folded.into(),
            now.into(),
            now.into(),
        ]);
    }
    rows
}

async fn write_chunk(
    db: &DatabaseConnection,
    organization_uuid: Uuid,
    rows: ChunkRows,
) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    store::organizations::add_customers(&txn, organization_uuid, rows.customers.len() as i64)
        .await
        .context("cannot count the seeded customers")?;
    insert_rows(
        &txn,
        "customers",
        &[
            "uuid",
            "organization_uuid",
            "full_name",
            "email",
            "role",
            "persona_uuid",
            "customer_company_uuid",
            "last_interacted_date",
            "feedback_count",
            "search_text",
            "email_folded",
            "created_at",
            "updated_at",
        ],
        rows.customers,
    )
    .await?;
    insert_rows(
        &txn,
        "feedbacks",
        &[
            "uuid",
            "organization_uuid",
            "customer_uuid",
            "feedback_contents",
            "feedback_date",
            "source",
            "created_at",
            "search_text",
        ],
        rows.feedbacks,
    )
    .await?;
    insert_rows(
        &txn,
        "feedback_highlights",
        &[
            "uuid",
            "organization_uuid",
            "feedback_uuid",
            "quote",
            "sentiment_score",
            "created_at",
            "customer_uuid",
            "feedback_date",
        ],
        rows.highlights,
    )
    .await?;
    insert_rows(
        &txn,
        "insight_highlights",
        &["insight_uuid", "highlight_uuid", "customer_uuid"],
        rows.insight_links,
    )
    .await?;
    insert_rows(
        &txn,
        "issue_highlights",
        &["issue_uuid", "highlight_uuid", "customer_uuid"],
        rows.issue_links,
    )
    .await?;
    txn.commit().await.context("cannot commit seeded rows")?;
    Ok(())
}

/// Writes `rows` into `table` with as few multi-row INSERTs as the bind
/// parameter limits allow.
async fn insert_rows<C: ConnectionTrait>(
    db: &C,
    table: &'static str,
    columns: &[&'static str],
    rows: Vec<Vec<Value>>,
) -> anyhow::Result<()> {
    let rows_per_statement = PARAMETERS_PER_STATEMENT / columns.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(table).columns(columns.iter().copied());
        for row in rows.by_ref().take(rows_per_statement) {
            insert.values_panic(row.into_iter().map(Expr::val));
        }
        db.execute(&insert)
            .await
            .with_context(|| format!("cannot insert seeded rows into {table}"))?;
    }
    Ok(())
}

async fn ensure_companies(
    db: &DatabaseConnection,
    organization_uuid: Uuid,
    customers: u64,
    rng: &mut SeedRng,
    now: DateTime<Utc>,
    report: &mut SeedReport,
) -> anyhow::Result<Vec<(Uuid, String)>> {
    let existing = customer_companies::Entity::find()
        .filter(customer_companies::Column::OrganizationUuid.eq(organization_uuid))
        .all(db)
        .await?;
    if !existing.is_empty() {
        return Ok(existing
            .into_iter()
            .map(|company| {
                let domain = company.domain.unwrap_or_else(|| "example.com".to_owned());
                (company.uuid, domain)
            })
            .collect());
    }
    let wanted = (customers / 20).clamp(5, 2_000) as usize;
    let mut names = BTreeMap::new();
    for word in COMPANY_WORDS {
        for suffix in COMPANY_SUFFIXES {
            names.insert(format!("{word} {suffix}"), ());
        }
    }
    let mut companies = Vec::with_capacity(wanted);
    let mut rows = Vec::with_capacity(wanted);
    for (number, name) in names.keys().cycle().take(wanted).enumerate() {
        let uuid = random_uuid(rng);
        let round = number / names.len();
        let name = if round == 0 {
            name.clone()
        } else {
            format!("{name} {}", round + 1)
        };
        let domain = format!("{}.example", name.to_lowercase().replace(' ', "-"));
        rows.push(vec![
            uuid.into(),
            organization_uuid.into(),
            name.into(),
            Some(domain.clone()).into(),
            now.into(),
        ]);
        companies.push((uuid, domain));
    }
    report.companies = rows.len() as u64;
    insert_rows(
        db,
        "customer_companies",
        &["uuid", "organization_uuid", "name", "domain", "created_at"],
        rows,
    )
    .await?;
    Ok(companies)
}

/// The uuids of the organization's rows in a small reference table (personas,
/// insights, issues), oldest first; when it has none, inserts `entries` there
/// first. Each entry holds the values of `columns`, which are the table's
/// columns after `uuid` and `organization_uuid` and before `created_at`.
/// Returns the uuids and how many rows were inserted.
async fn ensure_reference_rows(
    db: &DatabaseConnection,
    table: &'static str,
    columns: &[&'static str],
    entries: Vec<Vec<Value>>,
    organization_uuid: Uuid,
    rng: &mut SeedRng,
    now: DateTime<Utc>,
) -> anyhow::Result<(Vec<Uuid>, u64)> {
    use sea_orm::sea_query::ExprTrait;
    let existing = Query::select()
        .column("uuid")
        .from(table)
        .and_where(Expr::col("organization_uuid").eq(organization_uuid))
        .order_by("uuid", Order::Asc)
        .to_owned();
    let existing = db
        .query_all(&existing)
        .await
        .with_context(|| format!("cannot read the organization's {table}"))?
        .iter()
        .map(|row| row.try_get::<Uuid>("", "uuid"))
        .collect::<Result<Vec<_>, _>>()?;
    if !existing.is_empty() {
        return Ok((existing, 0));
    }
    let mut uuids = Vec::with_capacity(entries.len());
    let mut rows = Vec::with_capacity(entries.len());
    for values in entries {
        let uuid = random_uuid(rng);
        let mut row = vec![uuid.into(), organization_uuid.into()];
        row.extend(values);
        row.push(now.into());
        rows.push(row);
        uuids.push(uuid);
    }
    let all_columns: Vec<&'static str> = ["uuid", "organization_uuid"]
        .into_iter()
        .chain(columns.iter().copied())
        .chain(["created_at"])
        .collect();
    insert_rows(db, table, &all_columns, rows).await?;
    let inserted = uuids.len() as u64;
    Ok((uuids, inserted))
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
