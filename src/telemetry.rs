//! One tracing subscriber set-up for the whole process.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the global subscriber. `CCM_LOG` (or `RUST_LOG`) sets the filter,
/// `CCM_LOG_FORMAT=json` switches to one JSON object per line.
pub fn init() {
    let filter = std::env::var("CCM_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info,sqlx=warn,sea_orm=warn,async_graphql::graphql=warn".to_owned());
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("CCM_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(fmt::layer().json().with_current_span(true))
            .try_init()
    } else {
        registry.with(fmt::layer()).try_init()
    };
    // A second initialisation (tests that embed the server) keeps the first subscriber.
    let _ = result;
}
