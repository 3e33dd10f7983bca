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

/// The server in this process, on `url`, with no background polling (so that
/// statement counts are the requests' own); its address and database handle.
pub async fn serve_here(url: String) -> (std::net::SocketAddr, Db) {
    use ccm_committee::config::{Config, DatabaseConfig};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut config = Config::new(addr, DatabaseConfig::new(url));
    config.auth.dev = true;
    config.live.event_poll_ms = 3_600_000;
    config.live.timer_poll_ms = 3_600_000;
    let state = ccm_committee::server::AppState::init(
        config,
        std::sync::Arc::new(ccm_committee::clock::SystemClock),
    )
    .await
    .expect("server");
    let db = state.db.clone();
    tokio::spawn(ccm_committee::server::app::serve(
        listener,
        state,
        std::future::pending(),
    ));
    (addr, db)
}

/// The release binary serving a fresh SQLite file in `dir`, with `env` set,
/// once it is ready: the child process and its port.
pub async fn spawn_binary(
    binary: &str,
    dir: &std::path::Path,
    env: &[(&str, &str)],
) -> (tokio::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut command = tokio::process::Command::new(binary);
    command
        .args(["serve", "--dev", "--addr", &format!("127.0.0.1:{port}")])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("bench.db").display()),
        )
        .env("CCM_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let child = command.spawn().expect("the server binary");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (child, port)
}

/// A process's resident memory, in KiB.
/// The CPU time (user and system) a process has used, in milliseconds (at
/// the kernel's clock-tick resolution, 10 ms here).
#[allow(dead_code)]
pub fn cpu_ms(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // The fields after the command's closing parenthesis: utime and
            // stime are the 12th and 13th of them.
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks: u64 =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some(ticks * 10)
        })
        .unwrap_or(0)
}

pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// A token signed with the development secret (the servers here run `--dev`),
/// valid for an hour.
pub fn dev_token(subject: &str, role: ccm_committee::auth::Role, state: Option<&str>) -> String {
    ccm_committee::auth::token::Keys::new(ccm_committee::config::DEV_SECRET.as_bytes())
        .mint(
            subject,
            role,
            state,
            None,
            chrono::Duration::hours(1),
            Utc::now(),
        )
        .expect("mint")
}

/// The upgrade request of a graphql-transport-ws client to the server on `port`.
pub fn ws_request(port: u16) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://127.0.0.1:{port}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    request
}
