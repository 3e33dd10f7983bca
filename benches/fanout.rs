//! One update to N `meetingUpdates` subscribers, one WebSocket each, against
//! the release binary on SQLite and on PostgreSQL: the time from sending the
//! mutation to each subscriber's arrival (p50, p99, max) and the server's
//! memory per subscriber, at 1,000, 5,000, 10,000 and 20,000 subscribers.
//! The sockets are opened by load-client processes (this benchmark run again
//! as a child, `CCM_FANOUT_CLIENTS` of them, 2 by default: one process may
//! hold 20,000 files at most), which report each arrival's wall-clock time.
//!
//! `cargo bench --bench fanout` (`CCM_FANOUT_LEVELS=1000,5000` for fewer,
//! `CCM_FANOUT_DATABASES=sqlite` for one database). Numbers go to BENCHMARKS.md.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use ccm_committee::auth::Role;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::Message;

/// Opens one subscriber; it reports the arrival time of every update.
async fn subscriber(port: u16, meeting: String, arrivals: mpsc::UnboundedSender<SystemTime>) {
    let Ok((socket, _)) = tokio_tungstenite::connect_async(common::ws_request(port)).await else {
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
                let _ = arrivals.send(SystemTime::now());
            }
            Message::Ping(payload) => {
                let _ = sink.send(Message::Pong(payload)).await;
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
}

/// A load client: reads `open N` lines, opens N more subscribers (500 at a
/// time), answers `opened TOTAL`; prints `arrival NANOS` (since the epoch)
/// for every update any of them receives.
async fn load_client(port: u16, meeting: String) {
    use std::io::{BufRead, Write};
    let (tx, mut rx) = mpsc::unbounded_channel::<SystemTime>();
    // Standard output and input through threads of their own.
    let (print, lines_out) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut out = std::io::stdout().lock();
        for line in lines_out {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    });
    let arrivals = print.clone();
    tokio::spawn(async move {
        while let Some(at) = rx.recv().await {
            let nanos = at.duration_since(UNIX_EPOCH).expect("clock").as_nanos();
            let _ = arrivals.send(format!("arrival {nanos}"));
        }
    });
    let (asks, mut asked) = mpsc::unbounded_channel::<usize>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if let Some(n) = line
                .strip_prefix("open ")
                .and_then(|n| n.trim().parse().ok())
            {
                let _ = asks.send(n);
            }
        }
    });
    let mut open = 0;
    while let Some(more) = asked.recv().await {
        let target = open + more;
        while open < target {
            let batch = (target - open).min(500);
            for _ in 0..batch {
                tokio::spawn(subscriber(port, meeting.clone(), tx.clone()));
            }
            open += batch;
            // Let each batch connect before the next.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let _ = print.send(format!("opened {open}"));
    }
}

/// The server's `meetingUpdates` subscriptions, from `/metrics`, once they
/// reach `target` or stop growing for three seconds.
async fn registered(client: &reqwest::Client, base: &str, target: usize) -> usize {
    let (mut last, mut still) = (0, 0);
    loop {
        let text = client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        let now = text
            .lines()
            .find(|l| l.starts_with("ccm_subscriptions_active{field=\"meetingUpdates\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0) as usize;
        if now >= target {
            return now;
        }
        still = if now == last { still + 1 } else { 0 };
        if still >= 3 {
            return now;
        }
        last = now;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The load-client processes: their stdins, and a channel of every arrival.
struct Clients {
    children: Vec<tokio::process::Child>,
    opened: mpsc::UnboundedReceiver<usize>,
}

fn start_clients(
    count: usize,
    port: u16,
    meeting: &str,
    arrivals: mpsc::UnboundedSender<SystemTime>,
) -> Clients {
    let (opened_tx, opened) = mpsc::unbounded_channel();
    let children = (0..count)
        .map(|_| {
            let mut child = tokio::process::Command::new(std::env::current_exe().expect("exe"))
                .env("CCM_FANOUT_CHILD", format!("{port} {meeting}"))
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .expect("a load client");
            let stdout = child.stdout.take().expect("stdout");
            let (arrivals, opened_tx) = (arrivals.clone(), opened_tx.clone());
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(nanos) = line.strip_prefix("arrival ") {
                        let nanos: u64 = nanos.parse().expect("nanos");
                        let _ = arrivals.send(UNIX_EPOCH + Duration::from_nanos(nanos));
                    } else if let Some(n) = line.strip_prefix("opened ") {
                        let _ = opened_tx.send(n.parse().expect("count"));
                    }
                }
            });
            child
        })
        .collect();
    Clients { children, opened }
}

impl Clients {
    /// Opens `more` subscribers, shared among the clients; waits until they are.
    async fn open(&mut self, more: usize) {
        let share = more.div_ceil(self.children.len());
        let mut asked = 0;
        for child in &mut self.children {
            let n = share.min(more - asked);
            asked += n;
            let stdin = child.stdin.as_mut().expect("stdin");
            stdin
                .write_all(format!("open {n}\n").as_bytes())
                .await
                .expect("ask");
            stdin.flush().await.expect("flush");
        }
        for _ in 0..self.children.len() {
            self.opened.recv().await.expect("a client answers");
        }
    }
}

#[tokio::main]
async fn main() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    if let Ok(spec) = std::env::var("CCM_FANOUT_CHILD") {
        let (port, meeting) = spec.split_once(' ').expect("port and meeting");
        return load_client(port.parse().expect("port"), meeting.to_owned()).await;
    }
    let databases =
        std::env::var("CCM_FANOUT_DATABASES").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    for database in databases.split(',').map(str::trim) {
        match database {
            "sqlite" => measure("SQLite", None).await,
            "postgres" => {
                let scratch = common::Scratch::postgres().await;
                measure("PostgreSQL", Some(scratch.url.clone())).await;
                scratch.drop_now().await;
            }
            other => panic!("no database `{other}`"),
        }
    }
}

async fn measure(label: &str, database_url: Option<String>) {
    let levels: Vec<usize> = std::env::var("CCM_FANOUT_LEVELS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 5_000, 10_000, 20_000]);
    let processes: usize = std::env::var("CCM_FANOUT_CLIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2);
    let dir = tempfile::tempdir().expect("dir");
    let mut env = vec![
        ("CCM_IDLE_TIMEOUT_SECS", "3600"),
        ("CCM_WS_PING_SECS", "3600"),
    ];
    if let Some(url) = &database_url {
        env.push(("DATABASE_URL", url.as_str()));
    }
    let (mut server, port) =
        common::spawn_binary(env!("CARGO_BIN_EXE_ccm-committee"), dir.path(), &env).await;
    let base = format!("http://127.0.0.1:{port}");
    let pid = server.id().expect("pid");
    let client = reqwest::Client::new();
    let token = common::dev_token("bench-isu", Role::Presidency, None);
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

    let (tx, mut rx) = mpsc::unbounded_channel::<SystemTime>();
    let baseline = common::rss_kib(pid);
    let mut clients = start_clients(processes.max(1), port, &meeting_id, tx);
    let mut open = 0;
    for level in levels {
        if level > open {
            clients.open(level - open).await;
            open = level;
        }
        // Measure once every subscription is registered, or once no more come
        // (the server refuses connections past its cap).
        let subscribed = registered(&client, &base, open).await;
        if subscribed < open {
            println!(
                "  {subscribed} of {open} subscribed (the rest were refused or are still connecting)"
            );
        }
        let open = subscribed;
        while rx.try_recv().is_ok() {}
        let client_pids: Vec<u32> = clients.children.iter().filter_map(|c| c.id()).collect();
        let cpu = |pids: &[u32]| pids.iter().map(|p| common::cpu_ms(*p)).sum::<u64>();
        let (server_cpu, clients_cpu) = (common::cpu_ms(pid), cpu(&client_pids));
        let mut latencies = Vec::new();
        for round in 0..3 {
            let mut v = version.lock().await;
            let sent = SystemTime::now();
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
                        latencies.push(at.duration_since(sent).unwrap_or_default());
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
        let server_cpu = common::cpu_ms(pid) - server_cpu;
        let clients_cpu = cpu(&client_pids) - clients_cpu;
        let rss = common::rss_kib(pid);
        println!(
            "  CPU per update: the server {:.0} ms, the load clients {:.0} ms",
            server_cpu as f64 / 3.0,
            clients_cpu as f64 / 3.0
        );
        println!(
            "{label}, {open} subscribers: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; server RSS {rss} KiB ({:.1} KiB per subscriber over the idle server)",
            p(0.5),
            p(0.99),
            p(1.0),
            rss.saturating_sub(baseline) as f64 / open as f64
        );
    }
    drop(clients);
    let _ = server.kill().await;
}
