//! One configuration struct, from command-line flags and `CCM_*` environment
//! variables, with every default declared once (`defaults`).

use std::net::SocketAddr;

/// The longest lifetime a token may have, unless configured otherwise.
pub const MAX_TTL_DAYS: i64 = 30;

/// Every default, declared once: the flags, `Config::new` and the
/// toolkits' own defaults all read these.
pub mod defaults {
    /// Maximum depth of a GraphQL query (introspection aside).
    pub const MAX_DEPTH: usize = 12;
    /// Maximum depth of an introspection selection.
    pub const MAX_INTROSPECTION_DEPTH: usize = 16;
    /// Maximum fields in a query once its fragments are expanded.
    pub const MAX_FIELDS: u64 = 2_000;
    /// Maximum times one field may be asked for in one selection.
    pub const MAX_ALIASES: usize = 20;
    /// Connections admitted at once (0: what the open-file limit allows).
    pub const MAX_HTTP_CONNECTIONS: usize = 0;
    /// Seconds a connection may stay idle.
    pub const IDLE_TIMEOUT_SECS: u64 = 20;
    /// Seconds a request may run.
    pub const REQUEST_TIMEOUT_SECS: u64 = 10;
    /// Seconds a request's headers may take to arrive.
    pub const HEADER_TIMEOUT_SECS: u64 = 10;
    /// Maximum complexity of a GraphQL query.
    pub const MAX_COMPLEXITY: usize = 20_000;
    /// Largest request body accepted, in bytes.
    pub const BODY_LIMIT: usize = 1024 * 1024;
    /// Operations one WebSocket connection may hold at once.
    pub const MAX_SUBSCRIPTIONS: usize = 20;
    /// Updates a subscriber may fall behind.
    pub const SUBSCRIBER_BUFFER: usize = 1024;
    /// How often the event log is read without a wake-up.
    pub const EVENT_POLL_MS: u64 = 1000;
    /// Seconds between WebSocket keep-alive pings.
    pub const WS_PING_SECS: u64 = 15;
    /// Seconds a WebSocket client has to send `connection_init`.
    pub const WS_INIT_TIMEOUT_SECS: u64 = 10;
    /// Seconds a WebSocket write may take.
    pub const WS_WRITE_TIMEOUT_SECS: u64 = 10;
    /// How often due timers are looked for.
    pub const TIMER_POLL_MS: u64 = 1000;
    /// Largest number of pooled database connections.
    pub const DB_MAX_CONNECTIONS: u32 = 10;
    /// The address the server listens on.
    pub const ADDR: &str = "127.0.0.1:8080";
    /// The embedded database.
    pub const DATABASE_URL: &str = "sqlite://ccm.db";
}

/// Where the server listens and which database it uses.
#[derive(Clone, Debug, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "CCM_ADDR", default_value = defaults::ADDR)]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Maximum depth of a GraphQL query (introspection aside).
    #[arg(long, env = "CCM_MAX_DEPTH", default_value_t = defaults::MAX_DEPTH)]
    pub max_depth: usize,
    /// Maximum depth of an introspection selection (`__schema`, `__type`).
    #[arg(long, env = "CCM_MAX_INTROSPECTION_DEPTH", default_value_t = defaults::MAX_INTROSPECTION_DEPTH)]
    pub max_introspection_depth: usize,
    /// Maximum fields in a query once its fragments are expanded.
    #[arg(long, env = "CCM_MAX_FIELDS", default_value_t = defaults::MAX_FIELDS)]
    pub max_fields: u64,
    /// Maximum times one field may be asked for (under aliases) in one selection.
    #[arg(long, env = "CCM_MAX_ALIASES", default_value_t = defaults::MAX_ALIASES)]
    pub max_aliases: usize,
    /// Connections admitted at once (0: as many as the open-file limit allows,
    /// less a reserve); past it a connection gets 503 and is closed.
    #[arg(long, env = "CCM_MAX_HTTP_CONNECTIONS", default_value_t = defaults::MAX_HTTP_CONNECTIONS)]
    pub max_http_connections: usize,
    /// Seconds a connection may stay idle (no byte read or written) before it
    /// is closed: unused keep-alive connections, half-sent headers.
    #[arg(long, env = "CCM_IDLE_TIMEOUT_SECS", default_value_t = defaults::IDLE_TIMEOUT_SECS)]
    pub idle_timeout_secs: u64,
    /// Seconds a request's headers may take to arrive, in all (a client
    /// trickling them byte by byte is let go).
    #[arg(long, env = "CCM_HEADER_TIMEOUT_SECS", default_value_t = defaults::HEADER_TIMEOUT_SECS)]
    pub header_timeout_secs: u64,
    /// Seconds a request may run before it is cut off (`TIMEOUT`).
    #[arg(long, env = "CCM_REQUEST_TIMEOUT", default_value_t = defaults::REQUEST_TIMEOUT_SECS)]
    pub request_timeout_secs: u64,
    /// Maximum complexity of a GraphQL query (each field counts 1, lists multiply by page size).
    #[arg(long, env = "CCM_MAX_COMPLEXITY", default_value_t = defaults::MAX_COMPLEXITY)]
    pub max_complexity: usize,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "CCM_BODY_LIMIT", default_value_t = defaults::BODY_LIMIT)]
    pub body_limit: usize,
    #[command(flatten)]
    pub auth: AuthConfig,
    #[command(flatten)]
    pub live: LiveConfig,
    #[command(flatten)]
    pub policy: Policy,
    /// Origins whose web pages may call the API from a browser (CORS, and
    /// the `Origin` of WebSocket upgrades): `https://intranet.example.org`,
    /// repeated or comma-separated. None by default: same origin only.
    #[arg(long = "cors-origin", env = "CCM_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
}

/// Days before a renewable mandate ends that its renewal nomination is opened.
pub const RENEWAL_LEAD_DAYS: u64 = 60;
/// Days before a call's deadline that seats without a nominee are announced.
pub const CALL_WARNING_DAYS: u64 = 7;
/// Days before its first day that a meeting may be opened.
pub const OPEN_WINDOW_DAYS: u64 = 1;

/// How the committee's time rules are tuned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::Args)]
pub struct Policy {
    /// Days before a renewable mandate ends that its renewal nomination is opened.
    #[arg(long, env = "CCM_RENEWAL_LEAD_DAYS", default_value_t = RENEWAL_LEAD_DAYS)]
    pub renewal_lead_days: u64,
    /// Days before a call's deadline that seats without a nominee are announced.
    #[arg(long, env = "CCM_CALL_WARNING_DAYS", default_value_t = CALL_WARNING_DAYS)]
    pub call_warning_days: u64,
    /// Days before its first day that a meeting may be opened (`openMeeting`).
    #[arg(long, env = "CCM_OPEN_WINDOW_DAYS", default_value_t = OPEN_WINDOW_DAYS)]
    pub open_window_days: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            renewal_lead_days: RENEWAL_LEAD_DAYS,
            call_warning_days: CALL_WARNING_DAYS,
            open_window_days: OPEN_WINDOW_DAYS,
        }
    }
}

/// Subscriptions and their limits.
#[derive(Clone, Debug, clap::Args)]
pub struct LiveConfig {
    /// Subscriptions one WebSocket connection may hold at once.
    #[arg(long, env = "CCM_MAX_SUBSCRIPTIONS", default_value_t = defaults::MAX_SUBSCRIPTIONS)]
    pub max_subscriptions: usize,
    /// Updates a subscriber may fall behind before it is closed (it can resume with `after`).
    #[arg(long, env = "CCM_SUBSCRIBER_BUFFER", default_value_t = defaults::SUBSCRIBER_BUFFER)]
    pub subscriber_buffer: usize,
    /// How often the event log is read even without a wake-up, in milliseconds.
    #[arg(long, env = "CCM_EVENT_POLL_MS", default_value_t = defaults::EVENT_POLL_MS)]
    pub event_poll_ms: u64,
    /// Seconds between keep-alive pings on WebSocket connections.
    #[arg(long, env = "CCM_WS_PING_SECS", default_value_t = defaults::WS_PING_SECS)]
    pub ping_secs: u64,
    /// Seconds a WebSocket client has to send `connection_init` (then 4408).
    #[arg(long, env = "CCM_WS_INIT_TIMEOUT_SECS", default_value_t = defaults::WS_INIT_TIMEOUT_SECS)]
    pub init_timeout_secs: u64,
    /// Seconds a WebSocket write may take before the client is deemed dead and cut off.
    #[arg(long, env = "CCM_WS_WRITE_TIMEOUT_SECS", default_value_t = defaults::WS_WRITE_TIMEOUT_SECS)]
    pub write_timeout_secs: u64,
    /// How often due timers are looked for, in milliseconds.
    #[arg(long, env = "CCM_TIMER_POLL_MS", default_value_t = defaults::TIMER_POLL_MS)]
    pub timer_poll_ms: u64,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            max_subscriptions: defaults::MAX_SUBSCRIPTIONS,
            subscriber_buffer: defaults::SUBSCRIBER_BUFFER,
            event_poll_ms: defaults::EVENT_POLL_MS,
            ping_secs: defaults::WS_PING_SECS,
            init_timeout_secs: defaults::WS_INIT_TIMEOUT_SECS,
            write_timeout_secs: defaults::WS_WRITE_TIMEOUT_SECS,
            timer_poll_ms: defaults::TIMER_POLL_MS,
        }
    }
}

/// How tokens are signed.
#[derive(Clone, clap::Args)]
pub struct AuthConfig {
    /// The HS256 secret tokens are signed with. Required unless `--dev`.
    #[arg(long = "jwt-secret", env = "CCM_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Development mode: without a secret, sign with a fixed, public
    /// development secret (never in production).
    #[arg(long, env = "CCM_DEV", default_value_t = false)]
    pub dev: bool,
    /// The longest lifetime (days) of a token the server accepts.
    #[arg(long, env = "CCM_MAX_TOKEN_DAYS", default_value_t = MAX_TTL_DAYS)]
    pub max_token_days: i64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            dev: false,
            max_token_days: MAX_TTL_DAYS,
        }
    }
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("dev", &self.dev)
            .field("max_token_days", &self.max_token_days)
            .finish()
    }
}

/// The secret development mode signs with. Public: never use it in production.
pub const DEV_SECRET: &str = "ccm-committee-development-secret";

impl AuthConfig {
    /// The signing secret, or why there is none.
    pub fn secret(&self) -> Result<&str, &'static str> {
        match (&self.jwt_secret, self.dev) {
            (Some(secret), _) if secret.len() >= 16 => Ok(secret),
            (Some(_), _) => Err("CCM_JWT_SECRET must be at least 16 characters"),
            (None, true) => Ok(DEV_SECRET),
            (None, false) => Err("set CCM_JWT_SECRET (or pass --dev for local development)"),
        }
    }
}

/// The database to connect to.
#[derive(Clone, Debug, clap::Args)]
pub struct DatabaseConfig {
    /// `sqlite://FILE` (embedded, the default) or `postgres://...`.
    #[arg(
        long = "database-url",
        env = "DATABASE_URL",
        default_value = defaults::DATABASE_URL
    )]
    pub url: String,
    /// Largest number of pooled connections.
    #[arg(long, env = "CCM_DB_MAX_CONNECTIONS", default_value_t = defaults::DB_MAX_CONNECTIONS)]
    pub max_connections: u32,
}

impl DatabaseConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: defaults::DB_MAX_CONNECTIONS,
        }
    }
}

impl Config {
    /// Defaults for everything but the address and database, for tests and embedding.
    pub fn new(addr: SocketAddr, database: DatabaseConfig) -> Self {
        Self {
            addr,
            database,
            max_depth: defaults::MAX_DEPTH,
            max_introspection_depth: defaults::MAX_INTROSPECTION_DEPTH,
            max_fields: defaults::MAX_FIELDS,
            max_aliases: defaults::MAX_ALIASES,
            request_timeout_secs: defaults::REQUEST_TIMEOUT_SECS,
            header_timeout_secs: defaults::HEADER_TIMEOUT_SECS,
            max_http_connections: defaults::MAX_HTTP_CONNECTIONS,
            idle_timeout_secs: defaults::IDLE_TIMEOUT_SECS,
            max_complexity: defaults::MAX_COMPLEXITY,
            body_limit: defaults::BODY_LIMIT,
            auth: AuthConfig::default(),
            live: LiveConfig::default(),
            policy: Policy::default(),
            cors_origins: Vec::new(),
        }
    }
}
