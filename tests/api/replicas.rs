//! Updates across replicas on PostgreSQL, a lost wake-up, and the real
//! JavaScript client.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ccm_committee::auth::Role;
use ccm_committee::auth::token::Keys;
use ccm_committee::config::DEV_SECRET;
use serde_json::json;

use crate::audit::{ensure_npm_packages, js_dir};
use crate::helpers::{Backend, TestDatabase, add_meeting, spawn_app_with};
use crate::ws;

const BIN: &str = env!("CARGO_BIN_EXE_ccm-committee");

struct Replica {
    child: Child,
    base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_replica(database_url: &str) -> Replica {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut replica = Replica {
        child: Command::new(BIN)
            .args(["serve", "--dev", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            // Only a notification can deliver within the test's second: no polling.
            .args(["--event-poll-ms", "600000"])
            .env_remove("CCM_JWT_SECRET")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
        base: format!("http://127.0.0.1:{port}"),
    };
    let base = replica.base.clone();
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return replica;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = replica.child.kill();
    let _ = replica.child.wait();
    panic!("replica on {base} never became ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_made_on_one_replica_reaches_a_subscriber_of_another_within_a_second() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let first = start_replica(&database.url).await;
    let second = start_replica(&database.url).await;
    let client = reqwest::Client::new();
    let body: serde_json::Value = client
        .post(format!("{}/graphql", first.base))
        .json(&json!({ "query": "{ meeting(code: \"3RC\") { id version } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    let meeting = body["data"]["meeting"].clone();

    let mut subscriber = ws::connect(&first.base, "graphql-transport-ws", None)
        .await
        .expect("connect");
    subscriber
        .subscribe(
            "m",
            "subscription($id: ID!) { meetingUpdates(meetingId: $id, after: \"0\") { kind payload } }",
            json!({ "id": meeting["id"] }),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let token = Keys::new(DEV_SECRET.as_bytes())
        .mint(
            "isu-officer",
            Role::Presidency,
            None,
            None,
            chrono::Duration::hours(1),
            chrono::Utc::now(),
        )
        .expect("mint");
    let q = "mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) { version } }";
    let sent = Instant::now();
    let response: serde_json::Value = client
        .post(format!("{}/graphql", second.base))
        .bearer_auth(&token)
        .json(&json!({ "query": q, "variables": { "input": {
            "meetingId": meeting["id"], "expectedVersion": meeting["version"], "city": "Geneva (Palais des Nations)"
        } } }))
        .send()
        .await
        .expect("mutation")
        .json()
        .await
        .expect("json");
    assert!(response.get("errors").is_none(), "{response}");
    let update = subscriber
        .next_result(Duration::from_secs(1))
        .await
        .expect("an update within a second");
    assert!(sent.elapsed() < Duration::from_secs(1) + Duration::from_millis(200));
    assert_eq!(update["data"]["meetingUpdates"]["kind"], "MEETING_UPDATED");
    assert_eq!(
        update["data"]["meetingUpdates"]["payload"]["city"],
        "Geneva (Palais des Nations)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_misses_a_wake_up_catches_up_from_the_log() {
    let app = spawn_app_with(Backend::Postgres, |c| c.live.event_poll_ms = 200).await;
    let id = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let mut subscriber = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    subscriber
        .subscribe(
            "m",
            "subscription($id: ID!) { meetingUpdates(meetingId: $id, after: \"0\") { kind payload } }",
            json!({ "id": id }),
        )
        .await;
    let scheduled = subscriber
        .next_result(Duration::from_secs(3))
        .await
        .expect("the meeting's scheduling");
    assert_eq!(
        scheduled["data"]["meetingUpdates"]["kind"],
        "MEETING_SCHEDULED"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Written by "another replica" whose notification never arrives: no NOTIFY, no local wake-up.
    let numeric = ccm_committee::graphql::ids::GlobalId::meeting(&id).expect("id");
    use sea_orm::{ActiveModelTrait, Set};
    entity::event_log::ActiveModel {
        topic: Set(format!("meeting:{numeric}")),
        scope: Set(None),
        kind: Set("MEETING_UPDATED".to_owned()),
        payload: Set(json!({ "city": "Lausanne" })),
        created_at: Set(chrono::Utc::now().fixed_offset()),
        ..Default::default()
    }
    .insert(&app.db().conn)
    .await
    .expect("insert");
    let update = subscriber
        .next_result(Duration::from_secs(3))
        .await
        .expect("caught up");
    assert_eq!(
        update["data"]["meetingUpdates"]["payload"]["city"],
        "Lausanne"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphql_ws_javascript_client_receives_an_update() {
    tokio::task::spawn_blocking(ensure_npm_packages)
        .await
        .expect("npm");
    // The meeting is opened months ahead of its dates.
    let app = spawn_app_with(Backend::Sqlite, |c| c.policy.open_window_days = 3650).await;
    let presidency = crate::nominations::cast().presidency;
    let id = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let url = format!("{}/graphql/ws", app.address.replacen("http://", "ws://", 1));
    let mut child = tokio::process::Command::new("node")
        .arg("subscribe.mjs")
        .args([&url, &presidency, &id])
        .current_dir(js_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node must be installed (Node 20)");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let ready = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
        .await
        .expect("node answered")
        .expect("read");
    assert_eq!(ready.as_deref(), Some("READY"));
    let q = "mutation($input: MeetingVersionInput!) { openMeeting(input: $input) { status } }";
    app.as_ok(
        &presidency,
        q,
        json!({ "input": { "meetingId": id, "expectedVersion": 1 } }),
    )
    .await;
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("an update")
        .expect("read")
        .expect("a line");
    let result: serde_json::Value = serde_json::from_str(&line).expect("json");
    assert_eq!(
        result["data"]["meetingUpdates"]["kind"],
        "MEETING_STATUS_CHANGED"
    );
    assert_eq!(
        result["data"]["meetingUpdates"]["payload"]["to"],
        "IN_SESSION"
    );
    assert_eq!(result["data"]["meetingUpdates"]["meeting"]["code"], "14MSP");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("node exits")
        .expect("status");
    assert!(status.success());
    app.stop().await;
}
