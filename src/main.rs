//! The `ccm-committee` command: serve | migrate | seed | schema | token.

use std::process::ExitCode;

/// mimalloc: glibc's allocator spent a quarter of a nested query's CPU in
/// malloc, free and the locks between threads (benches/nested_reads.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

use ccm_committee::auth::Role;
use ccm_committee::auth::token::Keys;
use ccm_committee::clock::{Clock, SystemClock};
use ccm_committee::config::{AuthConfig, Config, DatabaseConfig};
use ccm_committee::db::Db;
use ccm_committee::{reference, server, telemetry};

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
    /// Mint a token for local use (signed with CCM_JWT_SECRET, or the development secret with --dev).
    Token(TokenArgs),
}

#[derive(clap::Args)]
struct TokenArgs {
    /// ADMIN, PRESIDENCY, COORDINATOR, DELEGATE or OBSERVER.
    #[arg(long)]
    role: String,
    /// The State a coordinator or delegate acts for (ISO 3166 alpha-3).
    #[arg(long)]
    state: Option<String>,
    /// The organization an observer speaks for (e.g. ICRC).
    #[arg(long)]
    org: Option<String>,
    /// The account's name.
    #[arg(long)]
    sub: String,
    /// How long the token is valid: 30m, 1h, 7d...
    #[arg(long, default_value = "1h")]
    ttl: String,
    #[command(flatten)]
    auth: AuthConfig,
}

fn parse_ttl(text: &str) -> Result<chrono::Duration, String> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: i64 = number.parse().map_err(|_| format!("bad ttl `{text}`"))?;
    match unit {
        "s" => Ok(chrono::Duration::seconds(n)),
        "m" => Ok(chrono::Duration::minutes(n)),
        "h" | "" => Ok(chrono::Duration::hours(n)),
        "d" => Ok(chrono::Duration::days(n)),
        _ => Err(format!("bad ttl `{text}`: use s, m, h or d")),
    }
}

fn mint(args: TokenArgs) -> Result<(), String> {
    let role = Role::parse(&args.role).ok_or_else(|| format!("unknown role `{}`", args.role))?;
    if role.is_state_bound() && args.state.is_none() {
        return Err("a coordinator or delegate needs --state".to_owned());
    }
    let secret = args.auth.secret()?;
    let token = Keys::new(secret.as_bytes())
        .mint(
            &args.sub,
            role,
            args.state.as_deref(),
            args.org.as_deref(),
            parse_ttl(&args.ttl)?,
            chrono::Utc::now(),
        )
        .map_err(|e| format!("{e:?}"))?;
    println!("{token}");
    Ok(())
}

async fn prepare(
    config: &DatabaseConfig,
    loading: reference::Loading,
) -> Result<reference::LoadReport, sea_orm::DbErr> {
    let db = Db::connect(config).await?;
    reference::prepare(&db, config, loading, SystemClock.now()).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Schema | Command::Token(_)) {
        telemetry::init();
    }
    let result: Result<(), String> = match cli.command {
        Command::Serve(config) => server::app::run(config).await.map_err(|e| e.to_string()),
        Command::Migrate(config) => prepare(&config, reference::Loading::Nothing)
            .await
            .map(|_| tracing::info!("migrations applied"))
            .map_err(|e| e.to_string()),
        Command::Seed(config) => prepare(&config, reference::Loading::Reconcile)
            .await
            .map(|report| tracing::info!(?report, "reference data loaded"))
            .map_err(|e| e.to_string()),
        Command::Token(args) => mint(args),
        Command::Schema => {
            print!("{}", server::schema::sdl());
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
