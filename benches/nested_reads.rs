//! The nested query of issue 10 against a hand-written floor, on PostgreSQL
//! and SQLite:
//!
//! `{ positions { code name mandates(first: 20) { edges { node { startsOn state { name regionalGroup } } } } } }`
//!
//! The floor is a plain axum handler that runs the same three statements the
//! server runs (the positions; the first 20 mandates of each through the
//! index, `committee::service::mandate_pages`; their States) and writes the
//! same JSON. Both serve from this process on the same database (the
//! reference data plus 5,000 mandates over the 12 positions and 125 States),
//! loaded by 32 concurrent clients, in interleaved rounds; the ratio of
//! throughputs is the figure that survives a noisy machine.
//!
//! `cargo bench --bench nested_reads` (PostgreSQL from `CCM_TEST_POSTGRES_URL`,
//! default postgres://postgres@127.0.0.1:5432/postgres). Numbers go to BENCHMARKS.md.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use ccm_committee::committee::service::{MandateParent, mandate_pages};
use ccm_committee::config::DatabaseConfig;
use ccm_committee::db::Db;
use ccm_committee::graphql::pagination::Window;
use chrono::Utc;
use entity::{position, state};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

/// The server binary's allocator, for both the server and the floor.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUERY: &str = "{ positions { code name mandates(first: 20) { edges { node { startsOn state { name regionalGroup } } } } } }";
const CLIENTS: usize = 32;
const ROUND: Duration = Duration::from_secs(4);
const ROUNDS: usize = 3;
const MANDATES: usize = 5_000;

/// The floor: the same three statements, the same JSON, nothing else.
async fn floor(State(db): State<Db>) -> axum::Json<Value> {
    let positions = position::Entity::find()
        .order_by_asc(position::Column::SortOrder)
        .order_by_asc(position::Column::Id)
        .all(&db.conn)
        .await
        .expect("positions");
    let parents: Vec<MandateParent> = positions
        .iter()
        .map(|p| MandateParent::Position(p.id))
        .collect();
    let pages = mandate_pages(
        &db,
        &parents,
        Window {
            offset: 0,
            limit: 20,
        },
    )
    .await
    .expect("pages");
    let codes: Vec<String> = pages
        .values()
        .flatten()
        .map(|m| m.state_iso3.clone())
        .collect();
    let states: std::collections::HashMap<String, state::Model> = state::Entity::find()
        .filter(state::Column::Iso3.is_in(codes))
        .all(&db.conn)
        .await
        .expect("states")
        .into_iter()
        .map(|s| (s.iso3.clone(), s))
        .collect();
    let out: Vec<Value> = positions
        .iter()
        .map(|p| {
            let edges: Vec<Value> = pages
                .get(&MandateParent::Position(p.id))
                .map(|rows| {
                    rows.iter()
                        .map(|m| {
                            let s = &states[&m.state_iso3];
                            json!({ "node": { "startsOn": m.starts_on, "state": {
                                "name": s.name, "regionalGroup": s.un_regional_group } } })
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({ "code": p.code, "name": p.name, "mandates": { "edges": edges } })
        })
        .collect();
    axum::Json(json!({ "data": { "positions": out } }))
}

/// 32 clients for one round: requests per second and p99 latency.
async fn round(client: &reqwest::Client, url: &str) -> (f64, Duration) {
    let started = Instant::now();
    let body = Arc::new(json!({ "query": QUERY }));
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (client, url, body) = (client.clone(), url.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < ROUND {
                let sent = Instant::now();
                let response = client.post(&url).json(&*body).send().await.expect("post");
                assert!(response.status().is_success());
                let _ = response.bytes().await.expect("body");
                latencies.push(sent.elapsed());
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
    let p99 = all[((all.len() as f64 - 1.0) * 0.99) as usize];
    (all.len() as f64 / elapsed, p99)
}

async fn compare(label: &str, url: String) {
    let db = Db::connect(&DatabaseConfig::new(url.clone()))
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    ccm_committee::reference::load(&db, Utc::now().date_naive())
        .await
        .expect("seed");
    common::add_mandates(&db, MANDATES, 3000).await;

    let (addr, counted) = common::serve_here(url.clone()).await;
    let server = format!("http://{addr}/graphql");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let floor_url = format!("http://{}/graphql", listener.local_addr().expect("addr"));
    let router = axum::Router::new()
        .route("/graphql", post(floor))
        .with_state(db.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    // Same answer from both.
    let ours: Value = client
        .post(&server)
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let theirs: Value = client
        .post(&floor_url)
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(
        ours["data"]["positions"][3]["mandates"]["edges"]
            .as_array()
            .map(Vec::len),
        theirs["data"]["positions"][3]["mandates"]["edges"]
            .as_array()
            .map(Vec::len)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = counted.statement_count();
    let _ = client
        .post(&server)
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .expect("post")
        .bytes()
        .await;
    let per_request = counted.statement_count() - before;

    let (mut ours_rps, mut floor_rps, mut ours_p99, mut floor_p99) =
        (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        let (rps, p99) = round(&client, &server).await;
        ours_rps.push(rps);
        ours_p99.push(p99);
        let (rps, p99) = round(&client, &floor_url).await;
        floor_rps.push(rps);
        floor_p99.push(p99);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let median_d = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (o, f) = (median(ours_rps), median(floor_rps));
    println!(
        "{label}: ccm-committee {o:.0} req/s (p99 {:.0} ms), floor {f:.0} req/s (p99 {:.0} ms), ratio {:.2}x; {per_request} statements per request (the floor: 3)",
        median_d(ours_p99).as_secs_f64() * 1e3,
        median_d(floor_p99).as_secs_f64() * 1e3,
        o / f
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    compare(
        "SQLite",
        format!("sqlite://{}", dir.path().join("nested.db").display()),
    )
    .await;
    let scratch = common::Scratch::postgres().await;
    compare("PostgreSQL", scratch.url.clone()).await;
    scratch.drop_now().await;
}
