//! The `ccm-committee` command: serve | migrate | seed | schema.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use ccm_committee::clock::{Clock, SystemClock};
use ccm_committee::config::{Config, DatabaseConfig};
use ccm_committee::db::Db;
use ccm_committee::{app, graphql, reference, telemetry};

#[derive(Parser)]
#[command(
    name = "ccm-committee",
    version,
    about = "The Coordination Committee of the Convention on Cluster Munitions, over GraphQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates and loads the reference data on first start).
    Serve(Config),
    /// Apply pending migrations.
    Migrate(DatabaseConfig),
    /// Load any missing reference data (idempotent).
    Seed(DatabaseConfig),
    /// Print the GraphQL schema (SDL).
    Schema,
}

async fn migrate(config: &DatabaseConfig) -> Result<Db, sea_orm::DbErr> {
    let db = Db::connect(config).await?;
    db.migrate().await?;
    Ok(db)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Schema) {
        telemetry::init();
    }
    let result: Result<(), String> = match cli.command {
        Command::Serve(config) => app::run(config).await.map_err(|e| e.to_string()),
        Command::Migrate(config) => migrate(&config)
            .await
            .map(|_| tracing::info!("migrations applied"))
            .map_err(|e| e.to_string()),
        Command::Seed(config) => async {
            let db = migrate(&config).await?;
            let report = reference::load(&db, SystemClock.today()).await?;
            tracing::info!(?report, "reference data loaded");
            Ok::<(), sea_orm::DbErr>(())
        }
        .await
        .map_err(|e| e.to_string()),
        Command::Schema => {
            print!("{}", graphql::schema::sdl());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(error = %message, "failed");
            eprintln!("ccm-committee: {message}");
            ExitCode::FAILURE
        }
    }
}
