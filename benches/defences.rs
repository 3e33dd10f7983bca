//! What the defences cost and protect, against the real server binary
//! (release build, embedded SQLite), each figure with its baseline measured
//! in the same run:
//!
//! - the worst query the limits accept: its latency;
//! - `/healthz` latency while 4 clients send that query back to back, against
//!   `/healthz` on an idle server;
//! - the server's resident memory per subscription (one WebSocket with one
//!   subscription each), then per idle connection with those still open, from
//!   `/proc/PID/status`, measured first, on a fresh server (growth only:
//!   nothing is freed between, so the allocator has nothing to hand back).
//!
//! `cargo bench --bench defences`. Numbers go to BENCHMARKS.md.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

const HEALTH_SAMPLES: usize = 300;
const CONNECTIONS: usize = 1_000;
const SUBSCRIBERS: usize = 500;

/// The heaviest document the default limits accept, built to the limits:
/// 20 aliases (the cap per field) of positions with their holders, their
/// States and each position's regional balance (which costs SQL per position).
fn worst_query() -> String {
    let one = "positions { code holders { seat state { name regionalGroup } } inclusiveness { warnings regionalGroups } mandates(first: 20) { totalCount edges { node { startsOn state { code } } } } }";
    let aliases: Vec<String> = (0..20).map(|i| format!("p{i}: {one}")).collect();
    format!("{{ {} }}", aliases.join(" "))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn health_latencies(client: &reqwest::Client, base: &str) -> Vec<Duration> {
    let mut out = Vec::with_capacity(HEALTH_SAMPLES);
    for _ in 0..HEALTH_SAMPLES {
        let started = Instant::now();
        let response = client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("healthz");
        assert!(response.status().is_success());
        out.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    out.sort();
    out
}

fn report(name: &str, sorted: &[Duration]) {
    println!(
        "{name}: median {:.2} ms, p99 {:.2} ms",
        percentile(sorted, 0.5).as_secs_f64() * 1e3,
        percentile(sorted, 0.99).as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let dir = tempfile::tempdir().expect("dir");
    let (mut server, port) = common::spawn_binary(
        env!("CARGO_BIN_EXE_ccm-committee"),
        dir.path(),
        &[("CCM_IDLE_TIMEOUT_SECS", "600")],
    )
    .await;
    let base = format!("http://127.0.0.1:{port}");
    let pid = server.id().expect("pid");
    let client = reqwest::Client::new();

    // Memory per subscription: one WebSocket with one subscription each.
    let before = common::rss_kib(pid);
    let mut sockets = Vec::with_capacity(SUBSCRIBERS);
    for i in 0..SUBSCRIBERS {
        let (mut socket, _) = tokio_tungstenite::connect_async(common::ws_request(port))
            .await
            .expect("ws");
        socket
            .send(Message::Text(
                json!({ "type": "connection_init" }).to_string().into(),
            ))
            .await
            .expect("init");
        let _ack = socket.next().await;
        let subscribe = json!({ "id": format!("s{i}"), "type": "subscribe",
            "payload": { "query": "subscription { committeeUpdates { cursor kind } }" } });
        socket
            .send(Message::Text(subscribe.to_string().into()))
            .await
            .expect("subscribe");
        sockets.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let after = common::rss_kib(pid);
    println!(
        "memory per subscription: {:.1} KiB ({SUBSCRIBERS} WebSockets, RSS {before} -> {after} KiB)",
        after.saturating_sub(before) as f64 / SUBSCRIBERS as f64
    );
    // Memory per idle connection: each sends one request, then stays open.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = common::rss_kib(pid);
    let mut held = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        tokio::io::AsyncWriteExt::write_all(
            &mut stream,
            b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n",
        )
        .await
        .expect("write");
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let after = common::rss_kib(pid);
    println!(
        "memory per idle connection: {:.1} KiB ({CONNECTIONS} connections, RSS {before} -> {after} KiB)",
        after.saturating_sub(before) as f64 / CONNECTIONS as f64
    );

    drop(held);
    // The worst accepted query, alone.
    let query = worst_query();
    let body = json!({ "query": query });
    let answer: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .json(&body)
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    assert!(answer.get("errors").is_none(), "accepted: {answer}");
    let mut alone = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        client
            .post(format!("{base}/graphql"))
            .json(&body)
            .send()
            .await
            .expect("query")
            .bytes()
            .await
            .expect("body");
        alone.push(started.elapsed());
    }
    alone.sort();
    report("worst accepted query, alone", &alone);

    // /healthz idle, then under 4 clients sending the worst query back to back.
    let idle = health_latencies(&client, &base).await;
    report("/healthz, idle server", &idle);
    let running = Arc::new(AtomicBool::new(true));
    let mut load = Vec::new();
    for _ in 0..4 {
        let (client, base, body, running) =
            (client.clone(), base.clone(), body.clone(), running.clone());
        load.push(tokio::spawn(async move {
            let mut sent = 0u64;
            while running.load(Ordering::Relaxed) {
                let _ = client
                    .post(format!("{base}/graphql"))
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.bytes());
                sent += 1;
            }
            sent
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let busy = health_latencies(&client, &base).await;
    running.store(false, Ordering::Relaxed);
    let mut sent = 0;
    for task in load {
        sent += task.await.unwrap_or(0);
    }
    report("/healthz, 4 clients sending the worst query", &busy);
    println!(
        "ratio of medians: {:.2}x ({} worst queries answered meanwhile)",
        percentile(&busy, 0.5).as_secs_f64() / percentile(&idle, 0.5).as_secs_f64(),
        sent
    );

    drop(sockets);
    let _ = server.kill().await;
}
