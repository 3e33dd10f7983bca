//! Per-parent pages: the first 20 mandates of each of 100 States, read
//! through the index (`LATERAL ... LIMIT` on PostgreSQL, a correlated
//! `IN (... LIMIT)` on SQLite) against ranking every child row with
//! `row_number() OVER (PARTITION BY ...)`.
//!
//! `cargo bench --bench per_parent_pages` (PostgreSQL from
//! `CCM_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/postgres).
//! Numbers go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use ccm_committee::committee::service::{MandateParent, mandate_pages};
use ccm_committee::config::DatabaseConfig;
use ccm_committee::db::Db;
use ccm_committee::graphql::pagination::Window;
use chrono::{Days, NaiveDate, Utc};
use entity::{mandate, position, state};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Set, Statement};

const CHILDREN: usize = 50_000;
const PARENTS: usize = 100;
const RUNS: usize = 30;

async fn fill(db: &Db) -> Vec<String> {
    db.migrate().await.expect("migrate");
    ccm_committee::reference::load(db, Utc::now().date_naive())
        .await
        .expect("seed");
    let positions = position::Entity::find()
        .all(&db.conn)
        .await
        .expect("positions");
    let states = state::Entity::find().all(&db.conn).await.expect("states");
    let start = NaiveDate::from_ymd_opt(2030, 1, 1).expect("date");
    let now = Utc::now().fixed_offset();
    let rows: Vec<mandate::ActiveModel> = (0..CHILDREN)
        .map(|i| mandate::ActiveModel {
            position_id: Set(positions[i % positions.len()].id),
            state_iso3: Set(states[(i * 7) % states.len()].iso3.clone()),
            seat: Set(1),
            starts_on: Set(start + Days::new((i % 5000) as u64)),
            ends_on: Set(None),
            source: Set("benchmark".to_owned()),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(1000) {
        mandate::Entity::insert_many(chunk.to_vec())
            .exec(&db.conn)
            .await
            .expect("insert");
    }
    if db.backend() == sea_orm::DatabaseBackend::Postgres {
        db.conn
            .execute_unprepared("ANALYZE mandates")
            .await
            .expect("analyze");
    }
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

    let admin_url = std::env::var("CCM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = format!("ccm_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&admin_url)
        .await
        .expect("postgres");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let pg = Db::connect(&DatabaseConfig::new(format!("{base}/{name}")))
        .await
        .expect("connect");
    compare("PostgreSQL", &pg).await;
    pg.conn.close().await.ok();
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("drop");
}
