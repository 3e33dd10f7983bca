//! Workflow transitions per second: 16 clients each run
//! propose → submit → openConsultation → withdraw over HTTP, as fast as the
//! server answers, on SQLite and on PostgreSQL; with the latency of one move
//! (p50, p99) and the SQL statements per move.
//!
//! `cargo bench --bench transitions` (PostgreSQL from `CCM_TEST_POSTGRES_URL`,
//! default postgres://postgres@127.0.0.1:5432/postgres). Numbers go to BENCHMARKS.md.
//!
//! `CCM_BENCH_PREVIOUS=BINARY` then measures this build's binary and a
//! previous build's, each a process of its own on a fresh SQLite file, in
//! interleaved rounds (`CCM_BENCH_ROUNDS`, default 3): the ratio of this
//! build to the previous one, measured on the same machine at the same time.
//! `CCM_BENCH_PREVIOUS_ON=sqlite,postgres` runs those rounds on each
//! database named (a fresh PostgreSQL database for each process).

mod common;

use std::time::{Duration, Instant};

use ccm_committee::auth::Role;

use serde_json::{Value, json};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CLIENTS: usize = 16;
const RUN: Duration = Duration::from_secs(8);

/// The States the clients propose: each client its own, so that moves race
/// only for the database, not for one nomination.
const STATES: [&str; 16] = [
    "NOR", "SWE", "IRL", "AUT", "CHE", "MEX", "CHL", "ZMB", "GHA", "PHL", "LAO", "HRV", "DEU",
    "FRA", "ESP", "ITA",
];

async fn call(client: &reqwest::Client, url: &str, token: &str, query: &str, vars: Value) -> Value {
    let body: Value = client
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": vars }))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// Measures the server at `graphql`; `db` counts its statements when it
/// runs in this process. Returns the transitions per second.
async fn measure(label: &str, graphql: String, db: Option<&ccm_committee::db::Db>) -> f64 {
    let presidency = common::dev_token("bench-isu", Role::Presidency, None);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let meeting = call(
        &client,
        &graphql,
        &presidency,
        "mutation { scheduleMeeting(input: { code: \"BENCH\", kind: MSP, startsOn: \"2030-09-10\", endsOn: \"2030-09-13\" }) { id } }",
        json!({}),
    )
    .await["scheduleMeeting"]["id"]
        .clone();

    let statements_before = db.map(|db| db.statement_count());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, code) in STATES.iter().enumerate().take(CLIENTS) {
        let (client, graphql, presidency, meeting) = (
            client.clone(),
            graphql.clone(),
            presidency.clone(),
            meeting.clone(),
        );
        let delegate = common::dev_token(&format!("bench-{code}"), Role::Delegate, Some(code));
        let position = [
            "UNIVERSALIZATION",
            "CLEARANCE",
            "VICTIM_ASSISTANCE",
            "GENERAL_STATUS",
        ][i % 4];
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut timed = async |token: &str, query: &str, vars: Value| {
                let sent = Instant::now();
                let data = call(&client, &graphql, token, query, vars).await;
                latencies.push(sent.elapsed());
                data
            };
            while started.elapsed() < RUN {
                let n = timed(&delegate,
                    "mutation($i: ProposeNominationInput!) { proposeNomination(input: $i) { id version } }",
                    json!({ "i": { "position": position, "state": code, "meetingId": meeting } })).await["proposeNomination"].clone();
                let n = timed(&delegate,
                    "mutation($i: TransitionInput!) { submitNomination(input: $i) { id version } }",
                    json!({ "i": { "nominationId": n["id"], "expectedVersion": n["version"] } })).await["submitNomination"].clone();
                let n = timed(&presidency,
                    "mutation($i: OpenConsultationInput!) { openConsultation(input: $i) { id version } }",
                    json!({ "i": { "nominationId": n["id"], "expectedVersion": n["version"] } })).await["openConsultation"].clone();
                timed(&delegate,
                    "mutation($i: TransitionInput!) { withdrawNomination(input: $i) { id version } }",
                    json!({ "i": { "nominationId": n["id"], "expectedVersion": n["version"] } })).await;
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("client"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let p = |q: f64| all[((all.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e3;
    let rate = all.len() as f64 / elapsed;
    let statements = match (db, statements_before) {
        (Some(db), Some(before)) => format!(
            ", {:.1} statements per transition",
            (db.statement_count() - before) as f64 / all.len() as f64
        ),
        _ => String::new(),
    };
    println!(
        "{label}: {rate:.0} transitions/s, p50 {:.1} ms, p99 {:.1} ms{statements} ({} transitions)",
        p(0.5),
        p(0.99),
        all.len()
    );
    rate
}

/// Measures `binary` as a process of its own on a fresh SQLite file, or on
/// a fresh PostgreSQL database.
async fn measure_binary(label: &str, binary: &str, postgres: bool) -> f64 {
    let dir = tempfile::tempdir().expect("dir");
    let scratch = match postgres {
        true => Some(common::Scratch::postgres().await),
        false => None,
    };
    let env: Vec<(&str, &str)> = scratch
        .iter()
        .map(|s| ("DATABASE_URL", s.url.as_str()))
        .collect();
    let (mut child, port) = common::spawn_binary(binary, dir.path(), &env).await;
    let rate = measure(label, format!("http://127.0.0.1:{port}/graphql"), None).await;
    child.kill().await.ok();
    if let Some(scratch) = scratch {
        scratch.drop_now().await;
    }
    rate
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let (addr, db) = common::serve_here(format!(
        "sqlite://{}",
        dir.path().join("moves.db").display()
    ))
    .await;
    measure("SQLite", format!("http://{addr}/graphql"), Some(&db)).await;
    let scratch = common::Scratch::postgres().await;
    let (addr, db) = common::serve_here(scratch.url.clone()).await;
    measure("PostgreSQL", format!("http://{addr}/graphql"), Some(&db)).await;
    scratch.drop_now().await;

    let Ok(previous) = std::env::var("CCM_BENCH_PREVIOUS") else {
        return;
    };
    let rounds = std::env::var("CCM_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3usize)
        .max(1);
    let databases = std::env::var("CCM_BENCH_PREVIOUS_ON").unwrap_or_else(|_| "sqlite".to_owned());
    for database in databases.split(',').map(str::trim) {
        let (name, postgres) = match database {
            "sqlite" => ("SQLite", false),
            "postgres" => ("PostgreSQL", true),
            other => panic!("no database `{other}`"),
        };
        let mut ratios = Vec::new();
        for round in 1..=rounds {
            let this = measure_binary(
                &format!("round {round}, this build ({name}, own process)"),
                env!("CARGO_BIN_EXE_ccm-committee"),
                postgres,
            )
            .await;
            let before = measure_binary(
                &format!("round {round}, previous build ({name}, own process)"),
                &previous,
                postgres,
            )
            .await;
            ratios.push(this / before);
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "this build against the previous one on {name}: {:.2}x (median of {rounds} rounds; {:?})",
            ratios[ratios.len() / 2],
            ratios.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>()
        );
    }
}
