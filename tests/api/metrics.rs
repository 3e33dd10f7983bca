//! `/metrics`: the names an operator watches move as the server works.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Backend, TestApp, add_meeting, spawn_app};
use crate::nominations::{cast, propose};
use crate::ws;

pub(crate) async fn scrape(app: &TestApp) -> String {
    app.client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text")
}

/// The sum of the samples whose line starts with `series` (a name, with labels or not).
pub(crate) fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#') && l.starts_with(series))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn the_metrics_move_as_the_server_works(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let before = scrape(&app).await;
    propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &meeting).await;
    app.query("{ positions { code } }", json!({})).await;
    let _ = app.post("{ noSuchField }", json!({})).await;
    let _ = app.post("{ timers { target } }", json!({})).await;
    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    client
        .subscribe(
            "1",
            "subscription { committeeUpdates(after: \"0\") { cursor } }",
            json!({}),
        )
        .await;
    // The subscription registers in its own time: wait for it (5 s at most).
    let mut after = scrape(&app).await;
    for _ in 0..50 {
        if value(
            &after,
            "ccm_subscriptions_active{field=\"committeeUpdates\"}",
        ) >= 1.0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = scrape(&app).await;
    }
    for series in [
        "ccm_graphql_requests_total{operation=\"mutation\",field=\"proposeNomination\"}",
        "ccm_graphql_requests_total{operation=\"query\",field=\"positions\"}",
        "ccm_graphql_request_duration_seconds_count{operation=\"query\",field=\"positions\"}",
        "ccm_db_write_wait_seconds_count{stage=\"pool\"}",
        "ccm_event_log_newest_cursor",
        "ccm_event_log_delivered_cursor",
        "ccm_event_log_lag_seconds_count",
        "ccm_graphql_errors_total{code=\"UNAUTHENTICATED\"}",
        "ccm_workflow_transitions_total{definition=\"nomination\",event=\"propose\"}",
        "ccm_db_statements_total",
        "ccm_db_statement_duration_seconds_count",
    ] {
        assert!(
            value(&after, series) > value(&before, series),
            "{series} did not move:\n{after}"
        );
    }
    assert_eq!(
        value(
            &after,
            "ccm_subscriptions_active{field=\"committeeUpdates\"}"
        ),
        1.0,
        "{after}"
    );
    assert!(value(&after, "ccm_websockets_open") >= 1.0);
    assert!(value(&after, "ccm_http_connections_open") >= 1.0);
    assert!(
        after.contains("ccm_db_pool_connections{state=\"idle\"}"),
        "{after}"
    );
    assert!(
        value(&after, "ccm_db_pool_connections_max") >= 1.0,
        "{after}"
    );
    // A refused document is filed under no field: a client cannot invent names.
    assert!(!after.contains("field=\"noSuchField\""), "{after}");
    drop(client);
    app.stop().await;
}

crate::on_both_databases!(the_metrics_move_as_the_server_works);
