//! Workflow transitions per second: 16 clients each run
//! propose → submit → openConsultation → withdraw over HTTP, as fast as the
//! server answers, on SQLite and on PostgreSQL; with the latency of one move
//! (p50, p99) and the SQL statements per move.
//!
//! `cargo bench --bench transitions` (PostgreSQL from `CCM_TEST_POSTGRES_URL`,
//! default postgres://postgres@127.0.0.1:5432/postgres). Numbers go to BENCHMARKS.md.

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

async fn measure(label: &str, url: String) {
    let (addr, db) = common::serve_here(url).await;
    let graphql = format!("http://{addr}/graphql");
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

    let statements_before = db.statement_count();
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
    let statements = db.statement_count() - statements_before;
    all.sort();
    let p = |q: f64| all[((all.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e3;
    println!(
        "{label}: {:.0} transitions/s, p50 {:.1} ms, p99 {:.1} ms, {:.1} statements per transition ({} transitions)",
        all.len() as f64 / elapsed,
        p(0.5),
        p(0.99),
        statements as f64 / all.len() as f64,
        all.len()
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    measure(
        "SQLite",
        format!("sqlite://{}", dir.path().join("moves.db").display()),
    )
    .await;
    let scratch = common::Scratch::postgres().await;
    measure("PostgreSQL", scratch.url.clone()).await;
    scratch.drop_now().await;
}
