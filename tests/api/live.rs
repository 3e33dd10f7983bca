//! Subscriptions over a real WebSocket: live updates, resuming with `after`,
//! both protocols, limits, slow clients, replicas.

use std::time::Duration;

use ccm_committee::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, add_meeting, spawn_app, spawn_app_with, token};
use crate::nominations::{cast, propose, step};
use crate::ws;

const MEETING_UPDATES: &str = r#"subscription($id: ID!, $after: String) {
  meetingUpdates(meetingId: $id, after: $after) {
    cursor topic kind payload meeting { code version } nomination { state }
    details {
      __typename
      ... on TransitionDetails { event to version actor }
      ... on MeetingDetails { change agenda city }
    }
  }
}"#;

const SECOND: Duration = Duration::from_secs(1);
const WAIT: Duration = Duration::from_secs(5);

async fn meeting(app: &TestApp, id: &str) -> Value {
    app.query(
        "query($id: ID) { meeting(id: $id) { id version agenda { id title } } }",
        json!({ "id": id }),
    )
    .await["meeting"]
        .clone()
}

async fn add_item(app: &TestApp, who: &str, id: &str, title: &str) -> Value {
    let version = meeting(app, id).await["version"].clone();
    let q = "mutation($input: AddAgendaItemInput!) { addAgendaItem(input: $input) { version agenda { title } } }";
    app.as_ok(
        who,
        q,
        json!({ "input": { "meetingId": id, "expectedVersion": version, "title": title } }),
    )
    .await["addAgendaItem"]
        .clone()
}

fn update(payload: &Value) -> &Value {
    assert!(payload.get("errors").is_none(), "{payload}");
    &payload["data"]["meetingUpdates"]
}

async fn updates_resume_after_a_disconnect_with_nothing_lost(backend: Backend) {
    let app = spawn_app(backend).await;
    let presidency = cast().presidency;
    let id = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;

    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    client
        .subscribe("1", MEETING_UPDATES, json!({ "id": id, "after": "0" }))
        .await;
    // Give the subscription a moment to be registered before the change.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let q =
        "mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) { version city } }";
    app.as_ok(
        &presidency,
        q,
        json!({ "input": { "meetingId": id, "expectedVersion": 1, "city": "Vientiane" } }),
    )
    .await;
    // A meeting's feed begins with its scheduling.
    let scheduled = client.next_result(WAIT).await.expect("an update");
    assert_eq!(update(&scheduled)["kind"], "MEETING_SCHEDULED");
    let first = client.next_result(WAIT).await.expect("an update");
    let first = update(&first);
    assert_eq!(first["kind"], "MEETING_UPDATED");
    assert_eq!(first["meeting"]["code"], "14MSP");
    assert_eq!(first["payload"]["city"], "Vientiane");
    let cursor = first["cursor"].as_str().expect("cursor").to_owned();
    drop(client);

    for title in ["Opening", "Election of the President", "Coordinators"] {
        add_item(&app, &presidency, &id, title).await;
    }

    let mut again = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    again
        .subscribe("1", MEETING_UPDATES, json!({ "id": id, "after": cursor }))
        .await;
    let mut missed = Vec::new();
    for _ in 0..3 {
        let payload = again.next_result(WAIT).await.expect("a missed update");
        missed.push(update(&payload).clone());
    }
    let titles: Vec<&str> = missed
        .iter()
        .map(|u| u["payload"]["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        ["Opening", "Election of the President", "Coordinators"]
    );
    assert!(missed.iter().all(|u| u["kind"] == "AGENDA_CHANGED"));
    assert_eq!(missed[2]["details"]["__typename"], "MeetingDetails");
    assert_eq!(missed[2]["details"]["change"], "added");
    assert_eq!(
        missed[2]["details"]["agenda"],
        json!(["Opening", "Election of the President", "Coordinators"])
    );
    let cursors: Vec<i64> = missed
        .iter()
        .map(|u| u["cursor"].as_str().expect("c").parse().expect("n"))
        .collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "in order");
    assert!(
        again
            .next_result(Duration::from_millis(500))
            .await
            .is_none(),
        "exactly the three"
    );

    // Then live, with no duplicate at the seam.
    add_item(&app, &presidency, &id, "Closing").await;
    let live = again.next_result(WAIT).await.expect("live");
    assert_eq!(update(&live)["payload"]["title"], "Closing");
    app.stop().await;
}

async fn a_meeting_sees_its_nominations_move(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let id = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let mut client = ws::connect(&app.address, "graphql-transport-ws", Some(&cast.nor))
        .await
        .expect("connect");
    client
        .subscribe("m", MEETING_UPDATES, json!({ "id": id, "after": "0" }))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let n = propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &id).await;
    step(&app, &cast.nor, "submitNomination", &n).await;
    let scheduled = client.next_result(WAIT).await.expect("scheduled");
    assert_eq!(update(&scheduled)["kind"], "MEETING_SCHEDULED");
    let proposed = client.next_result(WAIT).await.expect("proposed");
    assert_eq!(update(&proposed)["kind"], "TRANSITION");
    assert_eq!(update(&proposed)["payload"]["event"], "propose");
    let submitted = client.next_result(WAIT).await.expect("submitted");
    assert_eq!(update(&submitted)["payload"]["to"], "SUBMITTED");
    assert_eq!(update(&submitted)["nomination"]["state"], "SUBMITTED");
    assert_eq!(
        update(&submitted)["details"]["__typename"],
        "TransitionDetails"
    );
    assert_eq!(update(&submitted)["details"]["event"], "submit");
    assert_eq!(update(&submitted)["details"]["version"], 2);
    assert_eq!(update(&submitted)["details"]["actor"], "nor-delegate");

    // The nomination's own stream, from its beginning.
    let q = "subscription($id: ID!) { nominationEvents(nominationId: $id, after: \"0\") { kind payload } }";
    client.subscribe("n", q, json!({ "id": n["id"] })).await;
    let a = client.next_result(WAIT).await.expect("first");
    let b = client.next_result(WAIT).await.expect("second");
    assert_eq!(a["data"]["nominationEvents"]["payload"]["event"], "propose");
    assert_eq!(b["data"]["nominationEvents"]["payload"]["event"], "submit");
    app.stop().await;
}

async fn the_legacy_protocol_and_the_committee_stream(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let id = add_meeting(&app, "14MSP", "IN_SESSION", "2027-09-13", "2027-09-16").await;
    let mut client = ws::connect(&app.address, "graphql-ws", None)
        .await
        .expect("connect");
    client
        .subscribe(
            "c",
            "subscription { committeeUpdates(after: \"0\") { kind mandate { state { code } position { code } } } }",
            json!({}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    crate::helpers::set_policy(
        &app,
        "REPORTING",
        json!({ "minResponses": 0, "minRegionalGroups": 0 }),
    )
    .await;
    let nzl = token("nzl-delegate", Role::Delegate, Some("NZL"));
    let n = propose(&app, &nzl, "REPORTING", "NZL", &id).await;
    let n = step(&app, &nzl, "submitNomination", &n).await;
    let n = step(&app, &cast.presidency, "openConsultation", &n).await;
    let n = step(&app, &cast.presidency, "endorseNomination", &n).await;
    let n = step(&app, &cast.presidency, "placeNominationOnAgenda", &n).await;
    step(&app, &cast.presidency, "selectNomination", &n).await;
    let update = client.next_result(WAIT).await.expect("a committee update");
    assert_eq!(
        update["data"]["committeeUpdates"]["kind"],
        "MANDATE_DESIGNATED"
    );
    assert_eq!(
        update["data"]["committeeUpdates"]["mandate"]["state"]["code"],
        "NZL"
    );
    app.stop().await;
}

async fn refusals_over_the_socket(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.live.max_subscriptions = 2).await;
    assert!(
        ws::connect(&app.address, "graphql-transport-ws", Some("not-a-token"))
            .await
            .is_err(),
        "a bad token refuses the connection"
    );
    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    let q = "subscription { committeeUpdates { cursor } }";
    client.subscribe("1", q, json!({})).await;
    client.subscribe("2", q, json!({})).await;
    client.subscribe("3", q, json!({})).await;
    let refused = client.next_errors(WAIT).await.expect("a refusal");
    assert_eq!(
        refused[0]["extensions"]["code"], "RATE_LIMITED",
        "{refused}"
    );
    // Completing one frees its slot for the next operation.
    client.send(json!({ "id": "1", "type": "complete" })).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    client
        .subscribe(
            "4",
            "subscription { meetingUpdates(meetingId: \"bad\") { cursor } }",
            json!({}),
        )
        .await;
    let bad = client.next_errors(WAIT).await.expect("an error");
    assert_eq!(bad[0]["extensions"]["code"], "BAD_USER_INPUT", "{bad}");
    app.stop().await;
}

crate::on_both_databases!(
    updates_resume_after_a_disconnect_with_nothing_lost,
    a_meeting_sees_its_nominations_move,
    the_legacy_protocol_and_the_committee_stream,
    refusals_over_the_socket,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_cut_off_and_others_keep_receiving() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.live.write_timeout_secs = 1;
        c.live.subscriber_buffer = 64;
    })
    .await;
    let presidency = cast().presidency;
    let id = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let mut reader = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    let mut sleeper = ws::connect_with(&app.address, "graphql-transport-ws", None, Some(4096))
        .await
        .expect("connect");
    let q = "subscription($id: ID!) { meetingUpdates(meetingId: $id, after: \"0\") { cursor payload } }";
    reader.subscribe("r", q, json!({ "id": id })).await;
    sleeper.subscribe("s", q, json!({ "id": id })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Each update carries the whole agenda: they grow until the sleeper's buffers are full.
    let long = "x".repeat(480);
    let total = 200;
    let reading = tokio::spawn(async move {
        let mut received = 0;
        while received < total {
            match reader.next_result(WAIT).await {
                Some(p) if p.get("data").is_some() => received += 1,
                _ => break,
            }
        }
        received
    });
    for i in 0..total {
        add_item(&app, &presidency, &id, &format!("{i} {long}")).await;
    }
    assert_eq!(
        reading.await.expect("reader"),
        total,
        "the reading subscriber got every update"
    );
    // At the cut-off the server closes the sleeper's connection (and drops
    // what was queued for it), rather than keep it open until it goes away.
    let mut open_sockets = f64::MAX;
    for _ in 0..50 {
        let text = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        open_sockets = text
            .lines()
            .find_map(|l| l.strip_prefix("ccm_websockets_open "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::MAX);
        if open_sockets == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The reader's task ended with its socket: none is left open.
    assert_eq!(open_sockets, 0.0, "the sleeper's connection is closed");

    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut delivered = 0;
    let mut closed = false;
    for _ in 0..(total + 10) {
        match sleeper.next_result(SECOND).await {
            Some(p) if p.get("data").is_some() => delivered += 1,
            Some(_) => {}
            None => {
                closed = true;
                break;
            }
        }
    }
    assert!(closed, "the sleeper's connection was closed");
    assert!(
        delivered < total,
        "the sleeper was cut off after {delivered} updates"
    );
    app.stop().await;
}
