//! Time in the workflow: deadlines and meeting ends lapse nominations,
//! mandates start and end, renewals open themselves, calls warn; timers fire
//! once, across restarts and replicas. Tests move the clock instead of sleeping.

use std::process::{Command, Stdio};
use std::time::Duration;

use ccm_committee::auth::Role;
use ccm_committee::auth::token::Keys;
use ccm_committee::config::DEV_SECRET;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, TestApp, add_meeting, set_policy, spawn_app_with, spawn_replica, test_now, token,
};
use crate::nominations::{FIELDS, cast, propose, step, to_agenda};
use crate::ws;

const WAIT: Duration = Duration::from_secs(5);

/// Timers and the log read often; meetings may be opened months ahead.
fn fast(c: &mut ccm_committee::config::Config) {
    c.live.timer_poll_ms = 25;
    c.live.event_poll_ms = 100;
    c.policy.open_window_days = 3650;
}

async fn nomination(app: &TestApp, id: &Value) -> Value {
    let q = format!("query($id: ID!) {{ nomination(id: $id) {{ {FIELDS} }} }}");
    app.query(&q, json!({ "id": id })).await["nomination"].clone()
}

/// Waits (in real time, briefly) until the nomination reaches `state`.
async fn until_state(app: &TestApp, id: &Value, state: &str) -> Value {
    for _ in 0..200 {
        if nomination(app, id).await["state"] == state {
            // Read again: one request's fields are not one snapshot, so the
            // read that saw the new state may have read the history just
            // before the move committed.
            return nomination(app, id).await;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "nomination {id} never became {state}: {}",
        nomination(app, id).await
    );
}

async fn open_with_deadline(app: &TestApp, who: &str, n: &Value, deadline: &str) -> Value {
    let q = format!(
        "mutation($input: OpenConsultationInput!) {{ openConsultation(input: $input) {{ {FIELDS} }} }}"
    );
    let input =
        json!({ "nominationId": n["id"], "expectedVersion": n["version"], "deadline": deadline });
    app.as_ok(who, &q, json!({ "input": input })).await["openConsultation"].clone()
}

async fn timers(app: &TestApp, admin: &str) -> Vec<Value> {
    app.as_ok(
        admin,
        "{ timers(limit: 500) { target subjectId event status outcome firedBy } }",
        json!({}),
    )
    .await["timers"]
        .as_array()
        .expect("timers")
        .clone()
}

async fn a_consultation_lapses_when_its_deadline_passes(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let cast = cast();
    let admin = token("admin", Role::Admin, None);
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let n = propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &meeting).await;
    let n = step(&app, &cast.nor, "submitNomination", &n).await;
    let n = open_with_deadline(&app, &cast.presidency, &n, "2026-12-10T17:00:00Z").await;

    // A second one is returned before its deadline: its timer must be dropped, not fired.
    let swe = propose(&app, &cast.swe, "CLEARANCE", "SWE", &meeting).await;
    let swe = step(&app, &cast.swe, "submitNomination", &swe).await;
    let swe = open_with_deadline(&app, &cast.presidency, &swe, "2026-12-10T17:00:00Z").await;
    let swe = step(&app, &cast.presidency, "returnNomination", &swe).await;

    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    client
        .subscribe(
            "n",
            "subscription($id: ID!) { nominationEvents(nominationId: $id) { kind payload } }",
            json!({ "id": n["id"] }),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Nothing happens before the deadline.
    app.clock.set(
        Utc.with_ymd_and_hms(2026, 12, 10, 16, 59, 0)
            .single()
            .expect("date"),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(nomination(&app, &n["id"]).await["state"], "IN_CONSULTATION");

    app.clock.set(
        Utc.with_ymd_and_hms(2026, 12, 10, 17, 0, 1)
            .single()
            .expect("date"),
    );
    let lapsed = until_state(&app, &n["id"], "LAPSED").await;
    let last = lapsed["history"]
        .as_array()
        .expect("history")
        .last()
        .expect("entry")
        .clone();
    assert_eq!(last["event"], "lapse");
    assert_eq!(last["actor"], "system");
    assert_eq!(last["from"], "IN_CONSULTATION");
    let update = client.next_result(WAIT).await.expect("an update");
    assert_eq!(
        update["data"]["nominationEvents"]["payload"]["event"],
        "lapse"
    );

    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        nomination(&app, &swe["id"]).await["state"],
        "DRAFT",
        "returned, not lapsed"
    );
    let all = timers(&app, &admin).await;
    // The returned nomination's lapse was cancelled when it left the
    // consultation, not left to be dropped when due.
    let cancelled: Vec<&Value> = all.iter().filter(|t| t["status"] == "CANCELLED").collect();
    assert_eq!(cancelled.len(), 1, "{all:?}");
    assert_eq!(
        cancelled[0]["outcome"].as_str(),
        Some("returnForRevision moved it to DRAFT")
    );
    assert_eq!(all.iter().filter(|t| t["status"] == "DROPPED").count(), 0);
    assert_eq!(all.iter().filter(|t| t["status"] == "FIRED").count(), 1);
    let err = app
        .as_err(&cast.nor, "{ timers { status } }", json!({}))
        .await;
    assert_eq!(err["extensions"]["code"], "FORBIDDEN");
    app.stop().await;
}

async fn what_is_still_on_the_agenda_lapses_when_the_meeting_ends(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let a = to_agenda(&app, &cast, "UNIVERSALIZATION", "NOR", &meeting).await;
    app.clock.set(
        Utc.with_ymd_and_hms(2027, 9, 17, 0, 0, 1)
            .single()
            .expect("date"),
    );
    let lapsed = until_state(&app, &a["id"], "LAPSED").await;
    assert_eq!(
        lapsed["history"].as_array().expect("h").last().expect("e")["actor"],
        "system"
    );

    // Concluding a meeting early lapses what is left at once.
    let other = add_meeting(&app, "15MSP", "PLANNED", "2028-09-11", "2028-09-14").await;
    let b = to_agenda(&app, &cast, "CLEARANCE", "SWE", &other).await;
    let version = app
        .query(
            "query($id: ID) { meeting(id: $id) { version } }",
            json!({ "id": other }),
        )
        .await["meeting"]["version"]
        .clone();
    let open = "mutation($input: MeetingVersionInput!) { openMeeting(input: $input) { version } }";
    let opened = app
        .as_ok(
            &cast.presidency,
            open,
            json!({ "input": { "meetingId": other, "expectedVersion": version } }),
        )
        .await;
    let conclude =
        "mutation($input: MeetingVersionInput!) { concludeMeeting(input: $input) { status } }";
    app.as_ok(
        &cast.presidency,
        conclude,
        json!({ "input": { "meetingId": other, "expectedVersion": opened["openMeeting"]["version"] } }),
    )
    .await;
    until_state(&app, &b["id"], "LAPSED").await;
    app.stop().await;
}

async fn mandates_start_end_and_open_their_renewal(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let cast = cast();
    set_policy(
        &app,
        "REPORTING",
        json!({ "minResponses": 1, "minRegionalGroups": 1 }),
    )
    .await;
    let first = add_meeting(&app, "14MSP", "IN_SESSION", "2027-09-13", "2027-09-16").await;
    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    client
        .subscribe(
            "c",
            "subscription { committeeUpdates(after: \"0\") { kind payload mandate { state { code } } } }",
            json!({}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let n = to_agenda(&app, &cast, "REPORTING", "NZL", &first).await;
    step(&app, &cast.presidency, "selectNomination", &n).await;
    let designated = client.next_result(WAIT).await.expect("designated");
    assert_eq!(
        designated["data"]["committeeUpdates"]["kind"],
        "MANDATE_DESIGNATED"
    );

    let holders = |date: &'static str| {
        let app = &app;
        async move {
            let q = "query($d: Date) { committee(asOf: $d) { positions { position { code } holders { state { code } } } } }";
            let data = app.query(q, json!({ "d": date })).await;
            data["committee"]["positions"]
                .as_array()
                .expect("positions")
                .iter()
                .find(|p| p["position"]["code"] == "REPORTING")
                .expect("reporting")["holders"]
                .clone()
        }
    };
    assert_eq!(holders("2027-09-15").await, json!([]), "before the term");
    assert_eq!(
        holders("2027-10-01").await,
        json!([{ "state": { "code": "NZL" } }]),
        "inside"
    );
    assert_eq!(holders("2028-09-17").await, json!([]), "after");

    app.clock.set(
        Utc.with_ymd_and_hms(2027, 9, 16, 0, 0, 1)
            .single()
            .expect("date"),
    );
    let started = client.next_result(WAIT).await.expect("started");
    assert_eq!(
        started["data"]["committeeUpdates"]["kind"],
        "MANDATE_STARTED"
    );
    assert_eq!(
        started["data"]["committeeUpdates"]["mandate"]["state"]["code"],
        "NZL"
    );

    // The next meeting is planned; 60 days before the end, the renewal opens itself.
    let second = add_meeting(&app, "15MSP", "PLANNED", "2028-09-11", "2028-09-14").await;
    app.clock.set(
        Utc.with_ymd_and_hms(2028, 7, 19, 0, 0, 1)
            .single()
            .expect("date"),
    );
    let mut renewal = Value::Null;
    for _ in 0..200 {
        let found = app
            .query(
                &format!("query($m: ID) {{ nominations(filter: {{ meetingId: $m }}) {{ edges {{ node {{ {FIELDS} proposedBy }} }} }} }}"),
                json!({ "m": second }),
            )
            .await;
        if let Some(edge) = found["nominations"]["edges"]
            .as_array()
            .and_then(|e| e.first())
        {
            renewal = edge["node"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(renewal["kind"], "RENEWAL", "{renewal}");
    assert_eq!(renewal["state"], "ENDORSED");
    assert_eq!(renewal["proposedBy"], "system");
    assert_eq!(renewal["nominee"]["code"], "NZL");
    // The holder may decline it.
    let nzl = token("nzl-delegate", Role::Delegate, Some("NZL"));
    let withdrawn = step(&app, &nzl, "withdrawNomination", &renewal).await;
    assert_eq!(withdrawn["state"], "WITHDRAWN");

    app.clock.set(
        Utc.with_ymd_and_hms(2028, 9, 16, 0, 0, 1)
            .single()
            .expect("date"),
    );
    let mut ended = Value::Null;
    for _ in 0..5 {
        let u = client.next_result(WAIT).await.expect("an update");
        if u["data"]["committeeUpdates"]["kind"] == "MANDATE_ENDED" {
            ended = u;
            break;
        }
    }
    assert_eq!(ended["data"]["committeeUpdates"]["payload"]["state"], "NZL");
    app.stop().await;
}

async fn vacancies_and_a_call_for_nominations(backend: Backend) {
    let app = spawn_app_with(backend, fast).await;
    let cast = cast();
    // The reference data: who left at the 4MSP (2013).
    let fourth = app
        .query("{ meeting(code: \"4MSP\") { id } }", json!({}))
        .await["meeting"]["id"]
        .clone();
    let q = "query($m: ID!) { vacancies(meetingId: $m) { position { code } seat reason endingMandate { state { code } } } }";
    let vacancies = app.query(q, json!({ "m": fourth })).await["vacancies"].clone();
    let seats: Vec<(String, String)> = vacancies
        .as_array()
        .expect("vacancies")
        .iter()
        .map(|v| {
            (
                v["position"]["code"].as_str().expect("code").to_owned(),
                v["endingMandate"]["state"]["code"]
                    .as_str()
                    .expect("state")
                    .to_owned(),
            )
        })
        .collect();
    for expected in [
        ("GENERAL_STATUS", "ZMB"),
        ("UNIVERSALIZATION", "PRT"),
        ("VICTIM_ASSISTANCE", "BIH"),
    ] {
        assert!(
            seats.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {seats:?}"
        );
    }
    assert!(
        !seats.iter().any(|(p, _)| p == "REPORTING"),
        "a renewed mandate frees no seat: {seats:?}"
    );

    // A seat that a selection filled ends near a later meeting; a call warns it has no nominee.
    let first = add_meeting(&app, "14MSP", "IN_SESSION", "2027-09-13", "2027-09-16").await;
    let n = to_agenda(&app, &cast, "UNIVERSALIZATION", "NOR", &first).await;
    step(&app, &cast.presidency, "selectNomination", &n).await;
    let later = add_meeting(&app, "16MSP", "PLANNED", "2029-09-10", "2029-09-13").await;
    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    client
        .subscribe(
            "c",
            "subscription { committeeUpdates(after: \"0\") { kind payload } }",
            json!({}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.clock.set(
        Utc.with_ymd_and_hms(2029, 5, 1, 9, 0, 0)
            .single()
            .expect("date"),
    );
    let open = "mutation($input: OpenCallInput!) { openCall(input: $input) { deadline uncovered { position { code } seat } } }";
    let call = app
        .as_ok(
            &cast.presidency,
            open,
            json!({ "input": { "meetingId": later, "deadline": "2029-06-30T17:00:00Z" } }),
        )
        .await["openCall"]
        .clone();
    assert_eq!(
        call["uncovered"],
        json!([{ "position": { "code": "UNIVERSALIZATION" }, "seat": 1 }])
    );
    next_kind(&mut client, "CALL_OPENED").await;
    app.clock.set(
        Utc.with_ymd_and_hms(2029, 6, 24, 0, 0, 0)
            .single()
            .expect("date"),
    );
    let warning = next_kind(&mut client, "CALL_DEADLINE_WARNING").await;
    assert_eq!(
        warning["data"]["committeeUpdates"]["payload"]["uncovered"][0]["position"],
        "UNIVERSALIZATION"
    );
    let err = app
        .as_err(
            &cast.nor,
            open,
            json!({ "input": { "meetingId": later, "deadline": "2029-06-30T17:00:00Z" } }),
        )
        .await;
    assert_eq!(err["extensions"]["code"], "FORBIDDEN");
    app.stop().await;
}

/// The next committee update of `kind`, skipping others (mandates starting...).
async fn next_kind(client: &mut ws::Client, kind: &str) -> Value {
    for _ in 0..10 {
        let update = client.next_result(WAIT).await.expect("an update");
        if update["data"]["committeeUpdates"]["kind"] == kind {
            return update;
        }
    }
    panic!("no {kind} update");
}

crate::on_both_databases!(
    a_consultation_lapses_when_its_deadline_passes,
    what_is_still_on_the_agenda_lapses_when_the_meeting_ends,
    mandates_start_end_and_open_their_renewal,
    vacancies_and_a_call_for_nominations,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_fire_each_of_many_due_timers_once() {
    let app = spawn_app_with(Backend::Postgres, fast).await;
    let (_, _replica, stop) = spawn_replica(&app, fast).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let states = [
        "NOR", "SWE", "IRL", "AUT", "CHE", "MEX", "CHL", "ZMB", "GHA", "PHL", "LAO", "HRV", "ALB",
        "AUS", "NZL", "FRA", "DEU", "ESP", "PRT", "BEL",
    ];
    let mut ids = Vec::new();
    for code in states {
        let who = token(&format!("{code}-delegate"), Role::Delegate, Some(code));
        let n = propose(&app, &who, "UNIVERSALIZATION", code, &meeting).await;
        let n = step(&app, &who, "submitNomination", &n).await;
        let n = open_with_deadline(&app, &cast.presidency, &n, "2026-12-01T12:00:00Z").await;
        ids.push(n["id"].clone());
    }
    app.clock.set(test_now() + chrono::Duration::days(10));
    for id in &ids {
        let n = until_state(&app, id, "LAPSED").await;
        let lapses = n["history"]
            .as_array()
            .expect("h")
            .iter()
            .filter(|h| h["event"] == "lapse")
            .count();
        assert_eq!(lapses, 1, "{id} lapsed once");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let admin = token("admin", Role::Admin, None);
    let all = timers(&app, &admin).await;
    assert_eq!(all.len(), 20);
    assert!(all.iter().all(|t| t["status"] == "FIRED"), "{all:?}");
    let _ = stop.send(());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timer_due_while_the_server_is_down_fires_once_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("restart.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("a")
        .port();
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_ccm-committee"))
            .args([
                "serve",
                "--dev",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                &url,
            ])
            .args(["--timer-poll-ms", "100"])
            .env_remove("CCM_JWT_SECRET")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let ready = |client: reqwest::Client, base: String| async move {
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{base}/readyz")).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server never became ready");
    };
    let keys = Keys::new(DEV_SECRET.as_bytes());
    let mint = |sub: &str, role: Role, state: Option<&str>| {
        keys.mint(
            sub,
            role,
            state,
            None,
            chrono::Duration::hours(1),
            Utc::now(),
        )
        .expect("mint")
    };
    let nor = mint("nor-delegate", Role::Delegate, Some("NOR"));
    let presidency = mint("isu-officer", Role::Presidency, None);
    let call = |token: String, query: String, variables: Value| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let body: Value = client
                .post(format!("{base}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            assert!(body.get("errors").is_none(), "{body}");
            body["data"].clone()
        }
    };

    let mut server = start();
    ready(client.clone(), base.clone()).await;
    let schedule = "mutation($i: ScheduleMeetingInput!) { scheduleMeeting(input: $i) { id } }";
    let meeting = call(presidency.clone(), schedule.into(), json!({ "i": { "code": "14MSP", "kind": "MSP", "startsOn": "2027-09-13", "endsOn": "2027-09-16" } }))
        .await["scheduleMeeting"]["id"]
        .clone();
    let propose_q =
        "mutation($i: ProposeNominationInput!) { proposeNomination(input: $i) { id version } }";
    let n = call(
        nor.clone(),
        propose_q.into(),
        json!({ "i": { "position": "UNIVERSALIZATION", "state": "NOR", "meetingId": meeting } }),
    )
    .await["proposeNomination"]
        .clone();
    let submit = "mutation($i: TransitionInput!) { submitNomination(input: $i) { version } }";
    call(
        nor.clone(),
        submit.into(),
        json!({ "i": { "nominationId": n["id"], "expectedVersion": 1 } }),
    )
    .await;
    let deadline = (Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let open = "mutation($i: OpenConsultationInput!) { openConsultation(input: $i) { state } }";
    call(
        presidency.clone(),
        open.into(),
        json!({ "i": { "nominationId": n["id"], "expectedVersion": 2, "deadline": deadline } }),
    )
    .await;
    // Killed before the deadline, down when it passes.
    server.kill().expect("kill");
    server.wait().expect("wait");
    tokio::time::sleep(Duration::from_secs(3)).await;

    let mut server = start();
    ready(client.clone(), base.clone()).await;
    let q = "query($id: ID!) { nomination(id: $id) { state history { event } } }";
    let mut state = Value::Null;
    for _ in 0..100 {
        state = call(presidency.clone(), q.into(), json!({ "id": n["id"] })).await["nomination"]
            .clone();
        if state["state"] == "LAPSED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state["state"], "LAPSED");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let history = call(presidency.clone(), q.into(), json!({ "id": n["id"] })).await["nomination"]
        ["history"]
        .clone();
    let lapses = history
        .as_array()
        .expect("h")
        .iter()
        .filter(|h| h["event"] == "lapse")
        .count();
    assert_eq!(lapses, 1, "fired once: {history}");
    server.kill().expect("kill");
    server.wait().expect("wait");
}
