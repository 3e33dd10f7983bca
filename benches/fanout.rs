//! One update to N `meetingUpdates` subscribers, one WebSocket each, against
//! the release binary on SQLite: the time from sending the mutation to each
//! subscriber's arrival (p50, p99, max) and the server's memory per
//! subscriber, at 1,000, 5,000, 10,000 and 20,000 subscribers.
//!
//! `cargo bench --bench fanout` (`CCM_FANOUT_LEVELS=1000,5000` for fewer).
//! Numbers go to BENCHMARKS.md.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ccm_committee::auth::Role;
use ccm_committee::auth::token::Keys;
use ccm_committee::config::DEV_SECRET;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Opens one subscriber; it reports the arrival time of every update.
async fn subscriber(port: u16, meeting: String, arrivals: mpsc::UnboundedSender<Instant>) {
    let mut request = format!("ws://127.0.0.1:{port}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let Ok((socket, _)) = tokio_tungstenite::connect_async(request).await else {
        return;
    };
    let (mut sink, mut stream) = socket.split();
    let _ = sink
        .send(Message::Text(
            json!({ "type": "connection_init" }).to_string().into(),
        ))
        .await;
    let _ack = stream.next().await;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($id: ID!) { meetingUpdates(meetingId: $id) { cursor kind } }",
        "variables": { "id": meeting } } });
    let _ = sink.send(Message::Text(subscribe.to_string().into())).await;
    while let Some(Ok(message)) = stream.next().await {
        match message {
            Message::Text(text) if text.contains("\"next\"") => {
                let _ = arrivals.send(Instant::now());
            }
            Message::Ping(payload) => {
                let _ = sink.send(Message::Pong(payload)).await;
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
}

#[tokio::main]
async fn main() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let levels: Vec<usize> = std::env::var("CCM_FANOUT_LEVELS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 5_000, 10_000, 20_000]);
    let dir = tempfile::tempdir().expect("dir");
    let (mut server, port) = common::spawn_binary(
        env!("CARGO_BIN_EXE_ccm-committee"),
        dir.path(),
        &[
            ("CCM_IDLE_TIMEOUT_SECS", "3600"),
            ("CCM_WS_PING_SECS", "3600"),
        ],
    )
    .await;
    let base = format!("http://127.0.0.1:{port}");
    let pid = server.id().expect("pid");
    let client = reqwest::Client::new();
    let token = Keys::new(DEV_SECRET.as_bytes())
        .mint(
            "bench-isu",
            Role::Presidency,
            None,
            None,
            chrono::Duration::hours(1),
            chrono::Utc::now(),
        )
        .expect("mint");
    let meeting: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ meeting(code: \"3RC\") { id version } }" }))
        .send()
        .await
        .expect("meeting")
        .json()
        .await
        .expect("json");
    let meeting_id = meeting["data"]["meeting"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let version = Arc::new(Mutex::new(
        meeting["data"]["meeting"]["version"]
            .as_i64()
            .expect("version"),
    ));

    let (tx, mut rx) = mpsc::unbounded_channel::<Instant>();
    let baseline = common::rss_kib(pid);
    let mut open = 0;
    for level in levels {
        while open < level {
            let batch = (level - open).min(500);
            let mut handles = Vec::with_capacity(batch);
            for _ in 0..batch {
                handles.push(tokio::spawn(subscriber(
                    port,
                    meeting_id.clone(),
                    tx.clone(),
                )));
            }
            open += batch;
            // Let each batch connect before the next.
            tokio::time::sleep(Duration::from_millis(200)).await;
            std::mem::forget(handles);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        while rx.try_recv().is_ok() {}
        let mut latencies = Vec::new();
        for round in 0..3 {
            let mut v = version.lock().await;
            let sent = Instant::now();
            let answer: serde_json::Value = client
                .post(format!("{base}/graphql"))
                .bearer_auth(&token)
                .json(&json!({ "query": "mutation($i: UpdateMeetingInput!) { updateMeeting(input: $i) { version } }",
                    "variables": { "i": { "meetingId": meeting_id, "expectedVersion": *v, "city": format!("Vientiane {level} {round}") } } }))
                .send()
                .await
                .expect("update")
                .json()
                .await
                .expect("json");
            *v = answer["data"]["updateMeeting"]["version"]
                .as_i64()
                .expect("new version");
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut arrived = 0;
            while arrived < open && Instant::now() < deadline {
                match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
                    Ok(Some(at)) => {
                        latencies.push(at.duration_since(sent));
                        arrived += 1;
                    }
                    _ => break,
                }
            }
            if arrived < open {
                println!("  round {round}: {arrived} of {open} arrived within 30 s");
            }
        }
        latencies.sort();
        let p = |q: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * q) as usize)
                .map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        let rss = common::rss_kib(pid);
        println!(
            "{open} subscribers: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; server RSS {rss} KiB ({:.1} KiB per subscriber over the idle server)",
            p(0.5),
            p(0.99),
            p(1.0),
            rss.saturating_sub(baseline) as f64 / open as f64
        );
    }
    let _ = server.kill().await;
}
