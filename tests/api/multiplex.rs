//! Subscribers that share their work: subscriptions with the same document,
//! variables (the cursor aside) and caller run one execution per update,
//! and a member that joins late, with or without a cursor, misses nothing
//! and sees nothing twice.

use std::time::Duration;

use ccm_committee::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, add_meeting, spawn_app, token};
use crate::metrics::{scrape, value};
use crate::nominations::cast;
use crate::ws;

/// Each update reads the meeting as it is now: a statement per execution.
const UPDATES: &str = r#"subscription($id: ID!, $after: String) {
  meetingUpdates(meetingId: $id, after: $after) { cursor kind meeting { code version city } }
}"#;

const WAIT: Duration = Duration::from_secs(10);

/// Waits until the server counts `n` `meetingUpdates` subscribers; returns
/// the number of cohorts then.
async fn registered(app: &TestApp, n: f64) -> f64 {
    for _ in 0..100 {
        let text = scrape(app).await;
        if value(&text, "ccm_subscriptions_active{field=\"meetingUpdates\"}") == n {
            return value(&text, "ccm_subscription_cohorts");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} subscribers never registered");
}

async fn move_meeting(app: &TestApp, who: &str, id: &str, city: &str) {
    let version = app
        .query(
            "query($id: ID) { meeting(id: $id) { version } }",
            json!({ "id": id }),
        )
        .await["meeting"]["version"]
        .clone();
    app.as_ok(
        who,
        "mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) { version } }",
        json!({ "input": { "meetingId": id, "expectedVersion": version, "city": city } }),
    )
    .await;
}

/// The next update's cursor and the whole payload.
async fn next(client: &mut ws::Client) -> (i64, Value) {
    let payload = client.next_result(WAIT).await.expect("an update");
    assert!(payload.get("errors").is_none(), "{payload}");
    let cursor = payload["data"]["meetingUpdates"]["cursor"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("a cursor in {payload}"));
    (cursor, payload)
}

async fn subscribers_of_one_selection_share_one_execution(backend: Backend) {
    let app = spawn_app(backend).await;
    let presidency = cast().presidency;
    let id = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    // The meeting's scheduling has been fanned out before anyone subscribes.
    app.settle().await;
    let mut first = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    first.subscribe("1", UPDATES, json!({ "id": id })).await;
    assert_eq!(registered(&app, 1.0).await, 1.0);
    app.settle().await;
    // One subscriber: the statements of one update, from the mutation to
    // its arrival.
    let (alone, _) = app
        .statements_during(async {
            move_meeting(&app, &presidency, &id, "Vientiane").await;
            next(&mut first).await
        })
        .await;

    // Twenty more, on their own sockets, with the same selection: they join
    // the first one's cohort (the legacy protocol's too).
    let mut others = Vec::new();
    for n in 0..20 {
        let protocol = if n % 2 == 0 {
            "graphql-transport-ws"
        } else {
            "graphql-ws"
        };
        let mut client = ws::connect(&app.address, protocol, None)
            .await
            .expect("connect");
        client.subscribe("7", UPDATES, json!({ "id": id })).await;
        others.push(client);
    }
    assert_eq!(
        registered(&app, 21.0).await,
        1.0,
        "one cohort for 21 subscribers"
    );
    app.settle().await;
    let (shared, payloads) = app
        .statements_during(async {
            move_meeting(&app, &presidency, &id, "Geneva").await;
            let mut payloads = vec![next(&mut first).await.1];
            for client in &mut others {
                payloads.push(next(client).await.1);
            }
            payloads
        })
        .await;
    // Every one of them received the same update, read once.
    assert!(payloads.iter().all(|p| *p == payloads[0]), "{payloads:?}");
    assert_eq!(
        payloads[0]["data"]["meetingUpdates"]["meeting"]["city"],
        "Geneva"
    );
    // Run on their own, the executions would read the meeting 20 more
    // times. (On PostgreSQL the fan-out may read the log once more: it wakes
    // on the local commit and on the NOTIFY.)
    assert!(
        shared <= alone + 1,
        "an update costs the same statements for 21 subscribers as for one: {shared} against {alone}"
    );

    // Another caller, or another selection, is another cohort.
    let presidency_token = token("presidency-2", Role::Presidency, None);
    let mut known = ws::connect(
        &app.address,
        "graphql-transport-ws",
        Some(&presidency_token),
    )
    .await
    .expect("connect");
    known.subscribe("1", UPDATES, json!({ "id": id })).await;
    let mut plain = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    plain
        .subscribe(
            "1",
            "subscription($id: ID!) { meetingUpdates(meetingId: $id) { cursor } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(registered(&app, 23.0).await, 3.0);

    // The cohort ends with its last member.
    drop(first);
    drop(others);
    drop(known);
    drop(plain);
    assert_eq!(registered(&app, 0.0).await, 0.0);
    app.stop().await;
}

async fn a_late_member_replays_then_shares_without_gap_or_duplicate(backend: Backend) {
    let app = spawn_app(backend).await;
    let presidency = cast().presidency;
    let id = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    // The meeting's scheduling has been fanned out before anyone subscribes.
    app.settle().await;
    let mut early = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    early.subscribe("1", UPDATES, json!({ "id": id })).await;
    registered(&app, 1.0).await;
    let mut seen = Vec::new();
    for city in ["Lomé", "Manila", "Santiago"] {
        move_meeting(&app, &presidency, &id, city).await;
        seen.push(next(&mut early).await.0);
    }

    // Updates keep coming while a member joins with a cursor: whatever the
    // timing, it receives every update after its cursor, once, in order.
    let from = seen[0];
    let writes = async {
        for n in 0..8 {
            move_meeting(&app, &presidency, &id, &format!("City {n}")).await;
        }
    };
    let joining = async {
        let mut late = ws::connect(&app.address, "graphql-ws", None)
            .await
            .expect("connect");
        late.subscribe("9", UPDATES, json!({ "id": id, "after": from.to_string() }))
            .await;
        late
    };
    let ((), mut late) = tokio::join!(writes, joining);
    for _ in 0..8 {
        seen.push(next(&mut early).await.0);
    }
    let expected: Vec<i64> = seen.iter().copied().filter(|c| *c > from).collect();
    let mut got = Vec::new();
    for _ in 0..expected.len() {
        got.push(next(&mut late).await.0);
    }
    assert_eq!(got, expected, "the late member's updates");
    // It joined the early subscriber's cohort: the cursor is not part of what
    // is shared.
    assert_eq!(registered(&app, 2.0).await, 1.0);
    // Live from now on, once each.
    move_meeting(&app, &presidency, &id, "Oslo").await;
    let (a, b) = (next(&mut early).await, next(&mut late).await);
    assert_eq!(a, b);
    let extra = late.next_result(Duration::from_millis(500)).await;
    assert!(extra.is_none(), "after {a:?}: {extra:?}");
    app.stop().await;
}

crate::on_both_databases!(
    subscribers_of_one_selection_share_one_execution,
    a_late_member_replays_then_shares_without_gap_or_duplicate,
);
