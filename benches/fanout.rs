//! One update to N `meetingUpdates` subscribers, one WebSocket each, against
//! the release binary on SQLite and on PostgreSQL: the time from sending the
//! mutation to each subscriber's arrival (p50, p99, max) and the server's
//! memory per subscriber, at 1,000, 5,000, 10,000 and 20,000 subscribers.
//! The sockets are opened by load-client processes (this benchmark run again
//! as a child, `CCM_FANOUT_CLIENTS` of them, 2 by default: one process may
//! hold 20,000 files at most). A load client runs on one thread and costs as
//! little as it can, since it shares the machine with the server: each
//! arrival is a wall-clock time pushed to a vector, and a round's arrivals
//! leave in one line. Each level prints the CPU time the server and the load
//! clients spent per update, so that a reader can tell which one the
//! machine's cores were busy with.
//!
//! `cargo bench --bench fanout` (`CCM_FANOUT_LEVELS=1000,5000` for fewer,
//! `CCM_FANOUT_DATABASES=sqlite` for one database, `CCM_FANOUT_ROUNDS` updates
//! per level, 3 by default). Numbers go to BENCHMARKS.md.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use ccm_committee::auth::Role;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// What a load client's subscribers note: the arrival times of this round
/// (nanoseconds since the epoch), and how many subscribers are listening.
#[derive(Default)]
struct Tally {
    arrivals: Vec<u64>,
    listening: usize,
    /// Set by `round`: the arrivals are reported once this many came.
    expected: Option<usize>,
}

/// The load client's report of a round: one line with every arrival.
fn report(tally: &mut Tally) {
    use std::io::Write;
    let mut line = String::with_capacity(tally.arrivals.len() * 21 + 16);
    line.push_str("arrivals");
    for nanos in tally.arrivals.drain(..) {
        line.push(' ');
        line.push_str(&nanos.to_string());
    }
    line.push('\n');
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
    tally.expected = None;
}

/// Opens one subscriber; it notes the arrival time of every update.
async fn subscriber(port: u16, meeting: Rc<str>, tally: Rc<RefCell<Tally>>) {
    // tungstenite zeroes its whole read buffer (128 KiB by default) before
    // each read: at 19,000 sockets that alone took most of a core. An update
    // is a frame of about a hundred bytes.
    let config = WebSocketConfig::default().read_buffer_size(512);
    let Ok((mut socket, _)) =
        tokio_tungstenite::connect_async_with_config(common::ws_request(port), Some(config), true)
            .await
    else {
        return;
    };
    // One socket, not split into halves behind a lock: the subscriber only
    // reads once it has subscribed (tungstenite answers pings by itself).
    let init = json!({ "type": "connection_init" }).to_string();
    let _ = socket.send(Message::Text(init.into())).await;
    let _ack = socket.next().await;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($id: ID!) { meetingUpdates(meetingId: $id) { cursor kind } }",
        "variables": { "id": &*meeting } } });
    let _ = socket
        .send(Message::Text(subscribe.to_string().into()))
        .await;
    tally.borrow_mut().listening += 1;
    while let Some(Ok(message)) = socket.next().await {
        match message {
            Message::Text(text) if text.contains("\"next\"") => {
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .expect("clock")
                    .as_nanos() as u64;
                let mut tally = tally.borrow_mut();
                tally.arrivals.push(nanos);
                if tally.expected == Some(tally.arrivals.len()) {
                    report(&mut tally);
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    tally.borrow_mut().listening -= 1;
}

/// A load client, on one thread so that it costs the machine as little as
/// it can: each arrival is one timestamp pushed to a vector, and a round's
/// arrivals leave in one line. It reads commands on standard input:
/// `open N` opens N more subscribers (500 at a time) and answers
/// `opened TOTAL`; `round` forgets the arrivals so far and reports the
/// round's as `arrivals NANOS...` once every listening subscriber has one;
/// `flush` reports what has arrived now.
async fn load_client(port: u16, meeting: String) {
    use std::io::{BufRead, Write};
    let meeting: Rc<str> = meeting.into();
    let tally = Rc::new(RefCell::new(Tally::default()));
    let (asks, mut asked) = mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            let _ = asks.send(line);
        }
    });
    let mut open = 0;
    while let Some(command) = asked.recv().await {
        if let Some(more) = command
            .strip_prefix("open ")
            .and_then(|n| n.trim().parse::<usize>().ok())
        {
            let target = open + more;
            while open < target {
                let batch = (target - open).min(500);
                for _ in 0..batch {
                    tokio::task::spawn_local(subscriber(port, meeting.clone(), tally.clone()));
                }
                open += batch;
                // Let each batch connect before the next.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "opened {open}");
            let _ = out.flush();
        } else if command == "round" {
            let mut tally = tally.borrow_mut();
            tally.arrivals.clear();
            tally.expected = Some(tally.listening);
            println!("ready");
            if tally.listening == 0 {
                report(&mut tally);
            }
        } else if command == "flush" {
            report(&mut tally.borrow_mut());
        }
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

/// The load-client processes: their stdins, their answers to `open`, and
/// their reports of each round's arrivals.
struct Clients {
    children: Vec<tokio::process::Child>,
    /// `opened N` and `ready` lines.
    answers: mpsc::UnboundedReceiver<String>,
    reports: mpsc::UnboundedReceiver<Vec<SystemTime>>,
}

fn start_clients(count: usize, port: u16, meeting: &str) -> Clients {
    let (answers_tx, answers) = mpsc::unbounded_channel();
    let (reports_tx, reports) = mpsc::unbounded_channel();
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
            let (reports_tx, answers_tx) = (reports_tx.clone(), answers_tx.clone());
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(all) = line.strip_prefix("arrivals") {
                        let at = all
                            .split_ascii_whitespace()
                            .map(|n| UNIX_EPOCH + Duration::from_nanos(n.parse().expect("nanos")))
                            .collect();
                        let _ = reports_tx.send(at);
                    } else {
                        let _ = answers_tx.send(line);
                    }
                }
            });
            child
        })
        .collect();
    Clients {
        children,
        answers,
        reports,
    }
}

/// Sends one command line to a load client.
async fn command(child: &mut tokio::process::Child, line: &str) {
    let stdin = child.stdin.as_mut().expect("stdin");
    stdin
        .write_all(format!("{line}\n").as_bytes())
        .await
        .expect("a command");
    stdin.flush().await.expect("flush");
}

impl Clients {
    async fn tell(&mut self, line: &str) {
        for child in &mut self.children {
            command(child, line).await;
        }
    }

    /// Opens `more` subscribers, shared among the clients; waits until they are.
    async fn open(&mut self, more: usize) {
        let share = more.div_ceil(self.children.len());
        let mut asked = 0;
        for child in &mut self.children {
            let n = share.min(more - asked);
            asked += n;
            command(child, &format!("open {n}")).await;
        }
        self.answered().await;
    }

    /// Waits for an answer from every client.
    async fn answered(&mut self) {
        for _ in 0..self.children.len() {
            self.answers.recv().await.expect("a client answers");
        }
    }

    /// Starts a round: the clients forget their arrivals so far.
    async fn round(&mut self) {
        while self.reports.try_recv().is_ok() {}
        self.tell("round").await;
        self.answered().await;
    }

    /// Every client's arrivals of the round: all of them, or those of the
    /// first 30 seconds.
    async fn arrivals(&mut self) -> Vec<SystemTime> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let (mut all, mut reported) = (Vec::new(), 0);
        while reported < self.children.len() {
            match tokio::time::timeout_at(deadline, self.reports.recv()).await {
                Ok(Some(at)) => {
                    all.extend(at);
                    reported += 1;
                }
                Ok(None) => break,
                Err(_) => {
                    // Late: every client reports what it has (those that
                    // reported already, nothing).
                    self.tell("flush").await;
                    while let Ok(Some(at)) =
                        tokio::time::timeout(Duration::from_secs(2), self.reports.recv()).await
                    {
                        all.extend(at);
                    }
                    break;
                }
            }
        }
        all
    }
}

fn main() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    if let Ok(spec) = std::env::var("CCM_FANOUT_CHILD") {
        let (port, meeting) = spec.split_once(' ').expect("port and meeting");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let local = tokio::task::LocalSet::new();
        return local.block_on(
            &runtime,
            load_client(port.parse().expect("port"), meeting.to_owned()),
        );
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(measure_all());
}

async fn measure_all() {
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
    let rounds: u32 = std::env::var("CCM_FANOUT_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
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

    let baseline = common::rss_kib(pid);
    let mut clients = start_clients(processes.max(1), port, &meeting_id);
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
        let client_pids: Vec<u32> = clients.children.iter().filter_map(|c| c.id()).collect();
        let cpu = |pids: &[u32]| pids.iter().map(|p| common::cpu_ms(*p)).sum::<u64>();
        let (server_cpu, clients_cpu) = (common::cpu_ms(pid), cpu(&client_pids));
        let mut latencies = Vec::new();
        for round in 0..rounds {
            clients.round().await;
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
            let arrivals = clients.arrivals().await;
            let arrived = arrivals.len();
            latencies.extend(
                arrivals
                    .iter()
                    .map(|at| at.duration_since(sent).unwrap_or_default()),
            );
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
            server_cpu as f64 / rounds as f64,
            clients_cpu as f64 / rounds as f64
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
