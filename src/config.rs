//! One configuration struct, from command-line flags and `CCM_*` environment variables.

use std::net::SocketAddr;

/// Where the server listens and which database it uses.
#[derive(Clone, Debug, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "CCM_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Maximum depth of a GraphQL query.
    #[arg(long, env = "CCM_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Maximum complexity of a GraphQL query (each field counts 1, lists multiply by page size).
    #[arg(long, env = "CCM_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "CCM_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
}

/// The database to connect to.
#[derive(Clone, Debug, clap::Args)]
pub struct DatabaseConfig {
    /// `sqlite://FILE` (embedded, the default) or `postgres://...`.
    #[arg(
        long = "database-url",
        env = "DATABASE_URL",
        default_value = "sqlite://ccm.db"
    )]
    pub url: String,
    /// Largest number of pooled connections.
    #[arg(long, env = "CCM_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub max_connections: u32,
}

impl DatabaseConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
        }
    }
}

impl Config {
    /// Defaults for everything but the address and database, for tests and embedding.
    pub fn new(addr: SocketAddr, database: DatabaseConfig) -> Self {
        Self {
            addr,
            database,
            max_depth: 12,
            max_complexity: 20_000,
            body_limit: 1024 * 1024,
        }
    }
}
