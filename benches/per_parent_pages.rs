//! Per-parent pages: the first 20 mandates of each of 100 States, read
//! through the index (`LATERAL ... LIMIT` on PostgreSQL, a correlated
//! `IN (... LIMIT)` on SQLite) against ranking every child row with
//! `row_number() OVER (PARTITION BY ...)`.
//!
//! `cargo bench --bench per_parent_pages` (PostgreSQL from
//! `CCM_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/postgres).
//! Numbers go to BENCHMARKS.md.

mod common;

use std::time::{Duration, Instant};

use ccm_committee::committee::service::{MandateColumns, MandateParent, mandate_pages};
use ccm_committee::config::DatabaseConfig;
use ccm_committee::db::Db;
use ccm_committee::paging::Window;
use chrono::Utc;
use entity::state;
use sea_orm::{EntityTrait, FromQueryResult, Statement};

const CHILDREN: usize = 50_000;
const PARENTS: usize = 100;
const RUNS: usize = 30;

async fn fill(db: &Db) -> Vec<String> {
    db.migrate().await.expect("migrate");
    ccm_committee::reference::load(db, Utc::now())
        .await
        .expect("seed");
    common::add_mandates(db, CHILDREN, 5000).await;
    let states = state::Entity::find().all(&db.conn).await.expect("states");
    states.into_iter().take(PARENTS).map(|s| s.iso3).collect()
}

#[derive(FromQueryResult)]
struct Id {
    #[allow(dead_code)]
    id: i32,
}

async fn ranked(db: &Db, parents: &[String]) -> usize {
    let backend = db.backend();
    let list: Vec<String> = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            (1..=parents.len()).map(|i| format!("${i}")).collect()
        }
        _ => vec!["?".to_owned(); parents.len()],
    };
    let sql = format!(
        "SELECT id FROM (SELECT m.id, row_number() OVER (PARTITION BY m.state_iso3 \
         ORDER BY m.starts_on DESC, m.id DESC) AS n FROM mandates m WHERE m.state_iso3 IN ({})) r \
         WHERE r.n <= 20",
        list.join(", ")
    );
    let values: Vec<sea_orm::Value> = parents.iter().map(|p| p.clone().into()).collect();
    Id::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(&db.conn)
        .await
        .expect("ranked")
        .len()
}

async fn by_index(db: &Db, parents: &[String]) -> usize {
    let keys: Vec<MandateParent> = parents.iter().cloned().map(MandateParent::State).collect();
    mandate_pages(
        db,
        &keys,
        Window {
            offset: 0,
            limit: 20,
        },
        MandateColumns::ALL,
    )
    .await
    .expect("pages")
    .values()
    .map(Vec::len)
    .sum()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn measure<F, Fut>(label: &str, f: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let rows = f().await; // warm-up
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        assert_eq!(f().await, rows);
        samples.push(t.elapsed());
    }
    let m = median(samples);
    println!(
        "  {label:<40} {rows:>5} rows  median {:>8.2} ms",
        m.as_secs_f64() * 1e3
    );
    m
}

async fn compare(name: &str, db: &Db) {
    let parents = fill(db).await;
    println!("{name}: {CHILDREN} mandates, first 20 of each of {PARENTS} States, {RUNS} runs");
    let index = measure("by index (LATERAL / IN ... LIMIT)", || {
        by_index(db, &parents)
    })
    .await;
    let rank = measure("row_number() over (partition by ...)", || {
        ranked(db, &parents)
    })
    .await;
    println!(
        "  ratio: row_number / by index = {:.2}",
        rank.as_secs_f64() / index.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let sqlite = Db::connect(&DatabaseConfig::new(format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    )))
    .await
    .expect("sqlite");
    compare("SQLite", &sqlite).await;

    let scratch = common::Scratch::postgres().await;
    let pg = Db::connect(&DatabaseConfig::new(scratch.url.clone()))
        .await
        .expect("connect");
    compare("PostgreSQL", &pg).await;
    pg.conn.close().await.ok();
    scratch.drop_now().await;
}
