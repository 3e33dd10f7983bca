//! Starting the real server on a random port against a fresh database, and
//! talking to it over HTTP.

use std::sync::Arc;

use ccm_committee::auth::Role;
use ccm_committee::auth::token::Keys;
use ccm_committee::clock::ManualClock;
use ccm_committee::config::{Config, DatabaseConfig};
use ccm_committee::db::Db;
use ccm_committee::server::{AppState, app};
use chrono::{TimeZone, Utc};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The database a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("CCM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn postgres_url_for(database: &str) -> String {
    let admin = postgres_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{database}")
}

async fn admin_execute(sql: &str) {
    use sea_orm::ConnectionTrait;
    let conn = sea_orm::Database::connect(postgres_admin_url())
        .await
        .expect("PostgreSQL must be running for the PostgreSQL tests (see .ci/run)");
    conn.execute_unprepared(sql).await.expect(sql);
    conn.close().await.ok();
}

/// A fresh database that is removed when dropped.
pub struct TestDatabase {
    pub url: String,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("ccm.db").display());
                Self {
                    url,
                    postgres_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("ccm_test_{}", uuid::Uuid::new_v4().simple());
                admin_execute(&format!("CREATE DATABASE {name}")).await;
                Self {
                    url: postgres_url_for(&name),
                    postgres_name: Some(name),
                    _dir: None,
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.postgres_name.take() {
            // Drop runs inside the test's runtime: do the async work on a thread of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(admin_execute(&format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )));
            })
            .join();
        }
    }
}

/// The server under test.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// Kept for its `Drop`, which removes the database.
    _database: TestDatabase,
}

/// The secret the test servers sign tokens with.
pub const TEST_SECRET: &str = "a-test-secret-of-some-length";

/// A token for `subject` with `role` (and its State; an observer speaks for
/// the ICRC), valid for an hour.
pub fn token(subject: &str, role: Role, state: Option<&str>) -> String {
    let organization = (role == Role::Observer).then_some("ICRC");
    Keys::new(TEST_SECRET.as_bytes())
        .mint(
            subject,
            role,
            state,
            organization,
            chrono::Duration::hours(1),
            Utc::now(),
        )
        .expect("mint")
}

/// The fixed "now" of the tests: 26 November 2026, noon UTC.
pub fn test_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0)
        .single()
        .expect("date")
}

/// Starts the server on a random port against a fresh, migrated and seeded database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        ccm_committee::telemetry::init();
    }
    let database = TestDatabase::new(backend).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let mut config = Config::new(addr, DatabaseConfig::new(database.url.clone()));
    config.auth.jwt_secret = Some(TEST_SECRET.to_owned());
    configure(&mut config);
    let clock = Arc::new(ManualClock::new(test_now()));
    let state = AppState::init(config, clock.clone())
        .await
        .expect("the server starts");
    let (tx, rx) = oneshot::channel::<()>();
    let server_state = state.clone();
    let server = tokio::spawn(async move {
        app::serve(listener, server_state, async {
            let _ = rx.await;
        })
        .await
        .expect("serve");
    });
    TestApp {
        address: format!("http://{addr}"),
        client: reqwest::Client::new(),
        state,
        clock,
        shutdown: Some(tx),
        server: Some(server),
        _database: database,
    }
}

/// A second server on the same database and clock as `first` (another replica).
pub async fn spawn_replica(
    first: &TestApp,
    configure: impl FnOnce(&mut Config),
) -> (String, AppState, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let mut config = Config::new(addr, DatabaseConfig::new(first._database.url.clone()));
    config.auth.jwt_secret = Some(TEST_SECRET.to_owned());
    configure(&mut config);
    let state = AppState::init(config, first.clock.clone())
        .await
        .expect("the replica starts");
    let (tx, rx) = oneshot::channel::<()>();
    let server_state = state.clone();
    tokio::spawn(async move {
        let _ = app::serve(listener, server_state, async {
            let _ = rx.await;
        })
        .await;
    });
    (format!("http://{addr}"), state, tx)
}

impl TestApp {
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// The URL of the server's database.
    pub fn database_url(&self) -> &str {
        &self._database.url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs a query with variables; returns the status and the JSON body.
    pub async fn post(&self, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// POSTs a query as the holder of `token`.
    pub async fn post_as(&self, token: &str, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .header(ACCEPT, "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// A request as `token` that must succeed: returns `data`.
    pub async fn as_ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post_as(token, query, variables).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// A request as `token` that must fail: returns the first error.
    pub async fn as_err(&self, token: &str, query: &str, variables: Value) -> Value {
        let (_, body) = self.post_as(token, query, variables).await;
        assert!(body["errors"].is_array(), "expected an error: {body}");
        body["errors"][0].clone()
    }

    /// Moves a meeting to `status` (forward from where it is) through the
    /// meetings domain, as the President's office would on the meeting's
    /// first day: its version, events and hooks are the real ones.
    pub async fn set_meeting(&self, code: &str, status: &str, starts_on: &str, ends_on: &str) {
        use entity::meeting;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let found = meeting::Entity::find()
            .filter(meeting::Column::Code.eq(code))
            .one(&self.db().conn)
            .await
            .expect("query")
            .expect("meeting");
        let start: chrono::NaiveDate = starts_on.parse().expect("date");
        let end: chrono::NaiveDate = ends_on.parse().expect("date");
        assert_eq!(
            (found.starts_on, found.ends_on),
            (Some(start), Some(end)),
            "set_meeting keeps the meeting's dates"
        );
        move_meeting_to(self, found.id, status, start).await;
    }

    /// A query that must succeed: returns `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(query, variables).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// A query that must fail: returns the first error's code.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let (_, body) = self.post(query, variables).await;
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error with a code: {body}"))
            .to_owned()
    }

    /// Waits until the server's own background work (the first pass of the
    /// timer runner and of the event dispatcher, run at start) has settled:
    /// no statement for 300 ms.
    pub async fn settle(&self) {
        let mut last = self.db().statement_count();
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let now = self.db().statement_count();
            if now == last {
                return;
            }
            last = now;
        }
    }

    /// Statements the server sent to the database while `f` ran.
    pub async fn statements_during<F: std::future::Future<Output = T>, T>(&self, f: F) -> (u64, T) {
        let before = self.db().statement_count();
        let out = f.await;
        (self.db().statement_count() - before, out)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

/// Declares one test per backend from an `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )*
        }
    };
}

/// Adds agenda items to a meeting, straight into the database.
pub async fn add_agenda(app: &TestApp, meeting_code: &str, titles: &[&str]) {
    use entity::{agenda_item, meeting};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let meeting = meeting::Entity::find()
        .filter(meeting::Column::Code.eq(meeting_code))
        .one(&app.db().conn)
        .await
        .expect("query")
        .expect("meeting");
    let now = Utc::now().fixed_offset();
    for (i, title) in titles.iter().enumerate() {
        agenda_item::ActiveModel {
            meeting_id: Set(meeting.id),
            item_order: Set(i as i32 + 1),
            title: Set((*title).to_owned()),
            kind: Set(if title.contains("oordinator") {
                "NOMINATIONS"
            } else {
                "GENERAL"
            }
            .to_owned()),
            decision: Set(None),
            decided_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db().conn)
        .await
        .expect("insert agenda item");
    }
}

/// The President's office, as the fixtures act.
fn fixture_presidency() -> ccm_committee::auth::Identity {
    ccm_committee::auth::Identity {
        subject: "fixture-presidency".to_owned(),
        role: Role::Presidency,
        state: None,
        organization: None,
        expires_at: i64::MAX,
    }
}

/// Steps a meeting forward to `status` through the meetings domain, on its first day.
async fn move_meeting_to(app: &TestApp, id: i32, status: &str, starts_on: chrono::NaiveDate) {
    use ccm_committee::meetings::changes;
    use ccm_committee::meetings::model::MeetingStatus;
    use sea_orm::EntityTrait;
    let target: MeetingStatus = status.parse().expect("a meeting status");
    let on_first_day = starts_on.and_hms_opt(9, 0, 0).expect("time").and_utc();
    loop {
        let current = entity::meeting::Entity::find_by_id(id)
            .one(&app.db().conn)
            .await
            .expect("query")
            .expect("meeting");
        let now: MeetingStatus = current.status.parse().expect("stored status");
        if now == target {
            return;
        }
        let next = match (now, target) {
            (MeetingStatus::Planned, MeetingStatus::Cancelled) => MeetingStatus::Cancelled,
            (MeetingStatus::Planned, _) => MeetingStatus::InSession,
            (MeetingStatus::InSession, _) => MeetingStatus::Concluded,
            _ => panic!("a meeting cannot go from {status} back to {}", now.as_str()),
        };
        changes::set_status(
            app.db(),
            &app.state.meeting_hooks,
            &fixture_presidency(),
            id,
            current.version,
            next,
            &app.state.config.policy,
            None,
            on_first_day,
        )
        .await
        .expect("the meeting moves");
    }
}

/// Schedules a Meeting of States Parties (or a Review Conference, for a code
/// ending in RC) in Geneva through the meetings domain, with its version,
/// event and hooks, and moves it to `status`; returns its global ID.
pub async fn add_meeting(
    app: &TestApp,
    code: &str,
    status: &str,
    starts_on: &str,
    ends_on: &str,
) -> String {
    use ccm_committee::clock::Clock;
    use ccm_committee::meetings::changes::{self, NewMeeting};
    use ccm_committee::meetings::model::MeetingKind;
    use ccm_committee::workflow::idempotency::Done;
    let start: chrono::NaiveDate = starts_on.parse().expect("date");
    let new = NewMeeting {
        code: code.to_owned(),
        kind: if code.ends_with("RC") {
            MeetingKind::ReviewConference
        } else {
            MeetingKind::Msp
        },
        ordinal: code
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .ok(),
        year: None,
        starts_on: Some(start),
        ends_on: Some(ends_on.parse().expect("date")),
        city: Some("Geneva".to_owned()),
        country: Some("CHE".to_owned()),
        presiding_state: None,
        when: Default::default(),
    };
    let done = changes::schedule(
        app.db(),
        &app.state.meeting_hooks,
        &fixture_presidency(),
        new,
        None,
        app.clock.now(),
    )
    .await
    .expect("the meeting is scheduled");
    let (Done::Fresh { value: id, .. } | Done::Replayed { value: id, .. }) = done;
    move_meeting_to(app, id, status, start).await;
    ccm_committee::graphql::ids::GlobalId::Meeting(id)
        .encode()
        .0
}

/// Sets a position's consultation policy straight in the database.
pub async fn set_policy(app: &TestApp, position: &str, policy: Value) {
    use entity::position;
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let found = position::Entity::find()
        .filter(position::Column::Code.eq(position))
        .one(&app.db().conn)
        .await
        .expect("query")
        .expect("position");
    let mut p: position::ActiveModel = found.into();
    p.consultation_policy = Set(Some(policy));
    p.update(&app.db().conn).await.expect("update position");
}
