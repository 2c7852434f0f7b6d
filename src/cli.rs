//! The command line: `serve`, `migrate`, `org`, `token`, `seed`. Machine-readable
//! output (uuids, tokens) goes to stdout, one item a line; logs and progress go
//! to stderr.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use uuid::Uuid;

use crate::app::{self, AppState};
use crate::config::{DEFAULT_DATABASE_URL, ServerConfig};
use crate::metrics::Metrics;
use crate::{db, demo, store};

/// customer-graph: a GraphQL gateway over customers, their feedback, highlights,
/// insights and issues, with REST routes for the documented /api/v1 contract.
#[derive(Debug, Parser)]
#[command(name = "customer-graph", version, about, long_about = None)]
pub struct Cli {
    /// Database to use: sqlite://FILE?mode=rwc (created on first use) or
    /// postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true, hide_env_values = true)]
    pub database_url: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL, the REST routes and the operational endpoints.
    Serve {
        /// Listen address and limits (boxed: the settings are large beside
        /// the other commands).
        #[command(flatten)]
        config: Box<ServerConfig>,
        /// On an empty database create a demo organization with ~1 000 seeded
        /// customers; always print a fresh token and the playground URL.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Manage organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Add deterministic synthetic data to an organization.
    Seed {
        /// Organization to fill.
        #[arg(long)]
        organization: Uuid,
        /// Customers to add.
        #[arg(long, default_value_t = 100)]
        customers: u64,
        /// Feedbacks per customer.
        #[arg(long, default_value_t = 10)]
        feedbacks_per_customer: u32,
        /// Seed of the generator: the same seed into the same organization (with the same
        /// customers already there) gives the same data.
        #[arg(long, default_value_t = 42)]
        random_seed: u64,
    },
    /// Print the GraphQL schema as SDL (what schema.graphql holds); needs no database.
    ExportSchema,
}

/// `org` subcommands.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization and print its uuid.
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
    },
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a bearer token for an organization and print it. It is shown once:
    /// only its SHA-256 is stored.
    Create {
        /// Organization the token grants.
        #[arg(long)]
        organization: Uuid,
        /// A note to tell tokens apart.
        #[arg(long)]
        label: Option<String>,
    },
    /// List an organization's tokens: uuid, label, created, revoked (tab-separated).
    List {
        /// Organization whose tokens to list.
        #[arg(long)]
        organization: Uuid,
    },
    /// Revoke a token by its uuid (from `token list`).
    Revoke {
        /// The token's uuid.
        uuid: Uuid,
    },
}

/// Runs one command to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::ExportSchema = cli.command {
        print!("{}", crate::graphql::sdl());
        return Ok(());
    }
    let metrics = Arc::new(Metrics::default());
    let db = db::connect_and_migrate(&cli.database_url, Some(metrics.clone())).await?;
    match cli.command {
        Command::Serve { config, demo } => {
            serve(&cli.database_url, db, metrics, *config, demo).await
        }
        Command::Migrate => {
            tracing::info!("migrations are up to date");
            Ok(())
        }
        Command::Org(OrgCommand::Create { name }) => {
            let name = name.trim();
            anyhow::ensure!(!name.is_empty(), "--name must not be empty");
            let organization = store::organizations::create(&db, name).await?;
            println!("{}", organization.uuid);
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            organization,
            label,
        }) => {
            ensure_organization(&db, organization).await?;
            let (_, token) = store::tokens::issue(&db, organization, label.as_deref()).await?;
            println!("{token}");
            Ok(())
        }
        Command::Token(TokenCommand::List { organization }) => {
            ensure_organization(&db, organization).await?;
            for token in store::tokens::list(&db, organization).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    token.uuid,
                    token.label.unwrap_or_default(),
                    token.created_at.to_rfc3339(),
                    token
                        .revoked_at
                        .map(|at| at.to_rfc3339())
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { uuid }) => {
            anyhow::ensure!(
                store::tokens::revoke(&db, uuid).await?,
                "no token with uuid {uuid}"
            );
            tracing::info!(%uuid, "token revoked");
            Ok(())
        }
        Command::Seed {
            organization,
            customers,
            feedbacks_per_customer,
            random_seed,
        } => {
            let started = Instant::now();
            let progress = progress_bar("seeding customers");
            let report = demo::seed(
                &db,
                organization,
                demo::SeedOptions {
                    customers,
                    feedbacks_per_customer,
                    random_seed,
                },
                &progress,
            )
            .await?;
            eprintln!(
                "seeded {} customers, {} feedbacks, {} highlights, {} links, {} feedbacks in spaces ({} companies, {} personas, {} insights, {} issues, {} spaces new) in {:.1}s",
                report.customers,
                report.feedbacks,
                report.highlights,
                report.links,
                report.space_links,
                report.companies,
                report.personas,
                report.insights,
                report.issues,
                report.spaces,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::ExportSchema => unreachable!("BUG: handled before connecting"),
    }
}

async fn ensure_organization(db: &sea_orm::DatabaseConnection, uuid: Uuid) -> anyhow::Result<()> {
    store::organizations::find(db, uuid)
        .await?
        .map(|_| ())
        .with_context(|| format!("organization {uuid} does not exist"))
}

fn progress_bar(message: &'static str) -> ProgressBar {
    let progress = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
            .expect("BUG: the progress template is valid")
            .progress_chars("=> "),
    );
    progress.set_message(message);
    progress
}

async fn serve(
    database_url: &str,
    db: sea_orm::DatabaseConnection,
    metrics: Arc<Metrics>,
    config: ServerConfig,
    demo: bool,
) -> anyhow::Result<()> {
    config.check().map_err(anyhow::Error::msg)?;
    // One file per connection: take all the process may have.
    let file_limit = match crate::serve::raise_file_limit() {
        Ok(limit) => Some(limit),
        Err(error) => {
            tracing::warn!(%error, "cannot raise the file limit to its hard limit");
            crate::serve::file_limit()
        }
    };
    let max_connections = crate::serve::max_connections(&config);
    if let (Some(limit), Some(_)) = (file_limit, config.max_connections)
        && max_connections > crate::serve::default_max_connections(limit)
    {
        tracing::warn!(
            max_connections,
            file_limit = limit,
            "--max-connections leaves fewer than 64 files for the rest of the process: \
             accepts may fail with \"Too many open files\" before the cap is reached"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    if demo {
        let progress = progress_bar("creating demo data");
        let (organization, token) = demo::prepare_demo(&db, &progress).await?;
        eprintln!();
        eprintln!("  customer-graph demo is ready");
        eprintln!("  organization : {organization}");
        eprintln!("  token        : {token}");
        eprintln!("  playground   : http://{address}/graphql#token={token}");
        eprintln!("  REST docs    : http://{address}/api/v1/docs");
        eprintln!("  send the token as the header  Authorization: Bearer {token}");
        eprintln!();
    }
    // The migrations and the demo ran on a patient pool; requests get one
    // bounded by the request deadline and the acquire timeout.
    db.close().await.context("cannot close the start-up pool")?;
    let pool = db::open(
        database_url,
        Some(metrics.clone()),
        &db::PoolSettings::serving(&config),
    )
    .await?;
    tracing::info!(
        %address,
        db_max_connections = pool.max_connections,
        "listening"
    );
    tracing::info!(
        max_connections,
        file_limit,
        header_read_timeout_secs = config.header_read_timeout_secs,
        keep_alive_timeout_secs = config.keep_alive_timeout_secs,
        shutdown_drain_secs = config.shutdown_drain_secs,
        "connection limits"
    );
    let state = AppState::try_new(pool, metrics, config)?;
    app::run(listener, state, app::shutdown_signal())
        .await
        .context("the server stopped with an error")
}
