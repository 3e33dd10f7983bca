//! What the benchmarks share: a fresh PostgreSQL database, and mandates to
//! fill a database with.

#![allow(dead_code)]

use ccm_committee::db::Db;
use chrono::{Days, NaiveDate, Utc};
use entity::{mandate, position, state};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set};

/// A database created for one benchmark run, dropped by [`Scratch::drop_now`].
pub struct Scratch {
    pub url: String,
    name: String,
    admin: DatabaseConnection,
}

impl Scratch {
    /// Creates `ccm_bench_<uuid>` on the PostgreSQL server of
    /// `CCM_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres).
    pub async fn postgres() -> Self {
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
        Self {
            url: format!("{base}/{name}"),
            name,
            admin,
        }
    }

    pub async fn drop_now(self) {
        let _ = self
            .admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await;
    }
}

/// Adds `count` mandates spread over every position and State, from 2030 on
/// (`spread` days of start dates), then lets PostgreSQL analyse the tables.
pub async fn add_mandates(db: &Db, count: usize, spread: u64) {
    let positions = position::Entity::find()
        .all(&db.conn)
        .await
        .expect("positions");
    let states = state::Entity::find().all(&db.conn).await.expect("states");
    let start = NaiveDate::from_ymd_opt(2030, 1, 1).expect("date");
    let now = Utc::now().fixed_offset();
    let rows: Vec<mandate::ActiveModel> = (0..count)
        .map(|i| mandate::ActiveModel {
            position_id: Set(positions[i % positions.len()].id),
            state_iso3: Set(states[(i * 7) % states.len()].iso3.clone()),
            seat: Set(1),
            starts_on: Set(start + Days::new(i as u64 % spread)),
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
            .execute_unprepared("ANALYZE")
            .await
            .expect("analyze");
    }
}
