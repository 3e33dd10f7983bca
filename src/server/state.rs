//! The state every handler shares: the database, the schema, the clock, the
//! configuration, the token keys and the event dispatcher; built once at start.

use std::sync::Arc;

use sea_orm::DbErr;

use crate::auth::token::Keys;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Db;
use crate::events::dispatcher::Dispatcher;
use crate::reference;
use crate::server::schema::Limits;
use crate::server::{CcmSchema, build_schema};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Config(&'static str),
    #[error("--cors-origin: {0}")]
    Origins(String),
}

/// How many parsed documents the server keeps (each at most 16 KiB of text).
const DOCUMENTS_KEPT: usize = 1024;

pub struct App {
    pub db: Db,
    pub schema: CcmSchema,
    pub clock: SharedClock,
    pub config: Config,
    pub keys: Keys,
    pub dispatcher: Arc<Dispatcher>,
    /// What one request may ask for (checked before async-graphql sees it).
    pub limits: crate::graphql::limits::QueryLimits,
    /// Documents already parsed and admitted under those limits.
    pub documents: crate::graphql::limits::Documents,
    /// Other origins whose pages may call the API.
    pub origins: crate::server::web::AllowedOrigins,
    /// What other domains do when a meeting changes.
    pub meeting_hooks: crate::meetings::hooks::MeetingHooks,
    /// Subscribers with the same selection share one execution per update.
    pub multiplexer: crate::server::multiplex::Multiplexer,
    /// Set when the server begins to shut down (WebSocket sessions close with 1001).
    shutdown: tokio::sync::watch::Sender<bool>,
}

/// The state every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

impl App {
    /// Resolves (its value turns true) when the server begins to shut down.
    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Tells every WebSocket session that the server is going away.
    pub fn begin_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

impl AppState {
    /// Connects, migrates, loads the reference data into an empty database,
    /// and builds the schema.
    pub async fn init(config: Config, clock: SharedClock) -> Result<Self, StartError> {
        let origins = crate::server::web::AllowedOrigins::parse(&config.cors_origins)
            .map_err(StartError::Origins)?;
        let secret = config.auth.secret().map_err(StartError::Config)?;
        if config.auth.jwt_secret.is_none() {
            tracing::warn!(
                "development mode: tokens are signed with the public development secret"
            );
        }
        crate::telemetry_metrics::install();
        let keys = Keys::new(secret.as_bytes())
            .with_max_ttl(chrono::Duration::days(config.auth.max_token_days.max(1)));
        let db = Db::connect(&config.database).await?;
        let report = reference::prepare(
            &db,
            &config.database,
            reference::Loading::Reconcile,
            clock.now(),
        )
        .await?;
        if report.total() > 0 {
            tracing::info!(rows = report.total(), "loaded the reference data");
        }
        let dispatcher = Dispatcher::start(
            db.clone(),
            config.live.subscriber_buffer,
            std::time::Duration::from_millis(config.live.event_poll_ms.max(10)),
        )
        .await?;
        let targets: Vec<Arc<dyn crate::workflow::timers::Target>> = vec![
            Arc::new(crate::nominations::timers::NominationTimers(config.policy)),
            Arc::new(crate::nominations::timers::RenewalTimers),
            Arc::new(crate::committee::mandates::MandateTimers),
            Arc::new(crate::seats::calls::CallTimers),
            Arc::new(crate::minutes::timers::MinutesTimers),
            Arc::new(crate::action_points::service::ActionPointTimers),
        ];
        crate::workflow::timers::spawn_runner(
            db.clone(),
            clock.clone(),
            targets,
            std::time::Duration::from_millis(config.live.timer_poll_ms.max(10)),
        );
        // Meetings announce their changes; these domains follow them.
        let meeting_hooks = crate::meetings::hooks::MeetingHooks::new(vec![
            Arc::new(crate::nominations::schedule::NominationMeetingHook),
            Arc::new(crate::committee::mandates::MandateMeetingHook),
            Arc::new(crate::topics::hooks::TopicMeetingHook),
        ]);
        let limits = crate::graphql::limits::QueryLimits {
            max_fields: config.max_fields,
            max_aliases: config.max_aliases,
            max_depth: config.max_depth,
            max_introspection_depth: config.max_introspection_depth,
        };
        let schema = build_schema(
            Limits {
                max_complexity: config.max_complexity,
            },
            Some(crate::server::schema::Shared {
                db: db.clone(),
                clock: clock.clone(),
                policy: config.policy,
                dispatcher: dispatcher.clone(),
                meeting_hooks: meeting_hooks.clone(),
            }),
        );
        let multiplexer = crate::server::multiplex::Multiplexer::new(
            schema.clone(),
            config.live.subscriber_buffer,
        );
        Ok(Self(Arc::new(App {
            documents: crate::graphql::limits::Documents::new(DOCUMENTS_KEPT),
            db,
            multiplexer,
            schema,
            clock,
            config,
            keys,
            dispatcher,
            limits,
            origins,
            meeting_hooks,
            shutdown: tokio::sync::watch::channel(false).0,
        })))
    }
}
