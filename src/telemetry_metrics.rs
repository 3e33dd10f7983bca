//! Prometheus metrics, through the `metrics` facade: one recorder per
//! process, rendered on `GET /metrics`. Every name is declared here, with
//! what it counts; the code that observes a thing calls the function below.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock, RwLock};
use std::time::Duration;

use metrics::{Counter, Histogram, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets in seconds, from a millisecond to ten seconds.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the recorder (once per process); later calls reuse it.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS)
                .and_then(|b| b.install_recorder());
            match built {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// The metrics in Prometheus's text format.
pub fn render() -> String {
    install().map(PrometheusHandle::render).unwrap_or_default()
}

/// A GraphQL request answered: its operation type (`query`, `mutation`,
/// `subscription`, or `none` when refused before one was known), its first
/// root field (`none` when the document was refused) and its duration.
pub fn request(operation: &'static str, field: &str, took: Duration) {
    let series = || {
        (
            counter!("ccm_graphql_requests_total", "operation" => operation, "field" => field.to_owned()),
            histogram!("ccm_graphql_request_duration_seconds",
                "operation" => operation, "field" => field.to_owned()),
        )
    };
    let record = |(requests, duration): &(Counter, Histogram)| {
        requests.increment(1);
        duration.record(took.as_secs_f64());
    };
    // A series' handles are kept once this process's recorder is in place
    // (a handle made before would record nowhere): making them builds two
    // label strings and looks the series up, which costs more than
    // recording. The fields are the schema's root fields, so few.
    if !HANDLE.get().is_some_and(Option::is_some) {
        return record(&series());
    }
    let key = |kept: &RequestSeries| kept.get(operation).and_then(|f| f.get(field)).cloned();
    let kept = REQUEST_SERIES.read().ok().and_then(|kept| key(&kept));
    let handles = match kept {
        Some(handles) => handles,
        None => {
            let handles = series();
            if let Ok(mut kept) = REQUEST_SERIES.write() {
                kept.entry(operation)
                    .or_default()
                    .insert(field.into(), handles.clone());
            }
            handles
        }
    };
    record(&handles);
}

/// The request series kept, by operation type and root field.
type RequestSeries = HashMap<&'static str, HashMap<Box<str>, (Counter, Histogram)>>;

static REQUEST_SERIES: LazyLock<RwLock<RequestSeries>> = LazyLock::new(RwLock::default);

/// A GraphQL error sent to a client, by `extensions.code`.
pub fn error(code: &str) {
    counter!("ccm_graphql_errors_total", "code" => code.to_owned()).increment(1);
}

/// An SQL statement and its duration.
pub fn statement(took: Duration, failed: bool) {
    counter!("ccm_db_statements_total").increment(1);
    if failed {
        counter!("ccm_db_statements_failed_total").increment(1);
    }
    histogram!("ccm_db_statement_duration_seconds").record(took.as_secs_f64());
}

/// The database pool's connections now, and its bound.
pub fn pool(in_use: u32, idle: u32, max: u32) {
    gauge!("ccm_db_pool_connections", "state" => "in_use").set(f64::from(in_use));
    gauge!("ccm_db_pool_connections", "state" => "idle").set(f64::from(idle));
    gauge!("ccm_db_pool_connections_max").set(f64::from(max));
}

/// How long a writing transaction waited to begin: for SQLite's single
/// writer (`write_lock`), then for a pooled connection and `BEGIN` (`pool`).
pub fn write_wait(stage: &'static str, took: Duration) {
    histogram!("ccm_db_write_wait_seconds", "stage" => stage).record(took.as_secs_f64());
}

/// An entry appended to the event log by this process (SQLite) or notified
/// to it as its transaction committed (PostgreSQL). The cursors only
/// grow (counters set to their highest value): the newest this process
/// knows minus the one it delivered is how far its subscribers lag.
pub fn event_appended(cursor: i64) {
    counter!("ccm_event_log_newest_cursor").absolute(u64::try_from(cursor).unwrap_or(0));
}

/// An entry fanned out to this process's subscribers: its cursor and how
/// long after it was recorded it went out.
pub fn event_fanned_out(cursor: i64, late: Duration) {
    let cursor = u64::try_from(cursor).unwrap_or(0);
    counter!("ccm_event_log_newest_cursor").absolute(cursor);
    counter!("ccm_event_log_delivered_cursor").absolute(cursor);
    histogram!("ccm_event_log_lag_seconds").record(late.as_secs_f64());
}

/// A TCP connection admitted (+1) or closed (-1).
pub fn connection(delta: f64) {
    gauge!("ccm_http_connections_open").increment(delta);
}

/// A connection refused at the cap.
pub fn connection_refused() {
    counter!("ccm_http_connections_refused_total").increment(1);
}

/// A WebSocket opened (+1) or closed (-1).
pub fn websocket(delta: f64) {
    gauge!("ccm_websockets_open").increment(delta);
}

/// A subscription to `field` started (+1) or ended (-1).
pub fn subscription(field: &'static str, delta: f64) {
    gauge!("ccm_subscriptions_active", "field" => field).increment(delta);
}

/// A cohort of subscribers sharing one execution formed (+1) or ended (-1).
pub fn cohort(delta: f64) {
    gauge!("ccm_subscription_cohorts").increment(delta);
}

/// An update delivered to a subscriber, or a subscriber dropped (`lagged`,
/// `stopped_reading`).
pub fn delivered() {
    counter!("ccm_subscription_deliveries_total").increment(1);
}

pub fn subscriber_dropped(why: &'static str) {
    counter!("ccm_subscribers_dropped_total", "reason" => why).increment(1);
}

/// A timer fired or dropped, and how late.
pub fn timer(outcome: &'static str, late: Duration) {
    counter!("ccm_timers_total", "outcome" => outcome).increment(1);
    histogram!("ccm_timer_lag_seconds").record(late.as_secs_f64());
}

/// A workflow transition, by definition and event.
pub fn transition(definition: &str, event: &str) {
    counter!("ccm_workflow_transitions_total",
        "definition" => definition.to_owned(), "event" => event.to_owned())
    .increment(1);
}
