//! A database an earlier release left behind, started by this one: the
//! reference data is reconciled (wrong rows corrected, missing ones added,
//! each change announced), and what the workflow made is left as it was.

use chrono::TimeZone;
use entity::event_log;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app, spawn_replica, token};
use crate::nominations::{FIELDS, cast, step, to_agenda};
use ccm_committee::auth::Role;

async fn post(client: &reqwest::Client, base: &str, query: &str) -> Value {
    let body: Value = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// The States holding `position` on `date`.
async fn holders(client: &reqwest::Client, base: &str, date: &str, position: &str) -> Vec<String> {
    let data = post(
        client,
        base,
        &format!(
            "{{ committee(asOf: \"{date}\") {{ positions {{ position {{ code }} holders {{ state {{ code }} }} }} }} }}"
        ),
    )
    .await;
    let mut codes: Vec<String> = data["committee"]["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .filter(|p| p["position"]["code"] == position)
        .flat_map(|p| p["holders"].as_array().cloned().unwrap_or_default())
        .filter_map(|h| h["state"]["code"].as_str().map(str::to_owned))
        .collect();
    codes.sort();
    codes
}

/// A nomination selected through the API: it made a mandate and a history.
async fn a_selection(app: &TestApp) -> Value {
    let cast = cast();
    let presidency = token("isu-officer", Role::Presidency, None);
    let scheduled = app
        .as_ok(
            &presidency,
            "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { id version } }",
            json!({ "input": { "code": "14MSP", "kind": "MSP", "startsOn": "2027-09-13",
                               "endsOn": "2027-09-16", "city": "Geneva" } }),
        )
        .await["scheduleMeeting"]
        .clone();
    let meeting = scheduled["id"].as_str().expect("id").to_owned();
    let n = to_agenda(app, &cast, "UNIVERSALIZATION", "NOR", &meeting).await;
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2027, 9, 13, 9, 0, 0)
            .single()
            .expect("date"),
    );
    let version = app
        .query(
            "query($id: ID!) { node(id: $id) { ... on Meeting { version } } }",
            json!({ "id": meeting }),
        )
        .await["node"]["version"]
        .clone();
    app.as_ok(
        &presidency,
        "mutation($input: MeetingVersionInput!) { openMeeting(input: $input) { status } }",
        json!({ "input": { "meetingId": meeting, "expectedVersion": version } }),
    )
    .await;
    let n = step(app, &cast.presidency, "selectNomination", &n).await;
    assert_eq!(n["state"], "SELECTED");
    n
}

async fn an_earlier_release_s_database_is_corrected_and_keeps_the_workflow_s_rows(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let client = reqwest::Client::new();
    let fresh_mandates = post(
        &client,
        &app.address,
        "{ mandates(first: 1) { totalCount } }",
    )
    .await["mandates"]["totalCount"]
        .clone();
    let selected = a_selection(&app).await;
    let nomination_query = format!(
        "{{ node(id: {}) {{ ... on Nomination {{ {FIELDS} }} }} }}",
        selected["id"]
    );
    let before = post(&client, &app.address, &nomination_query).await;

    // What an earlier release left: a wrong presidency, and the 2015-2024
    // holdings the sources attest not loaded at all.
    let conn = &app.db().conn;
    let backend_kind = conn.get_database_backend();
    for sql in [
        "UPDATE mandates SET state_iso3 = 'AUT' WHERE nomination_id IS NULL \
         AND state_iso3 = 'PHL' AND position_id = (SELECT id FROM positions WHERE code = 'PRESIDENT')",
        "DELETE FROM mandates WHERE nomination_id IS NULL AND starts_on >= '2015-06-01' \
         AND renews_mandate_id IS NULL \
         AND id NOT IN (SELECT renews_mandate_id FROM mandates WHERE renews_mandate_id IS NOT NULL) \
         AND position_id IN (SELECT id FROM positions WHERE kind = 'COORDINATOR')",
        "UPDATE meeting_sessions SET city = 'Lausanne' WHERE part = 2 \
         AND meeting_id = (SELECT id FROM meetings WHERE code = '2RC')",
    ] {
        conn.execute_raw(sea_orm::Statement::from_string(backend_kind, sql))
            .await
            .expect(sql);
    }
    assert_eq!(
        holders(&client, &app.address, "2025-04-11", "PRESIDENT").await,
        ["AUT"]
    );
    assert!(
        holders(&client, &app.address, "2018-03-01", "VICTIM_ASSISTANCE")
            .await
            .is_empty()
    );

    // This release starts on that database.
    let (base, _state, stop) = spawn_replica(&app, |_| {}).await;
    assert_eq!(
        holders(&client, &base, "2025-04-11", "PRESIDENT").await,
        ["PHL"]
    );
    assert_eq!(
        holders(&client, &base, "2018-03-01", "VICTIM_ASSISTANCE").await,
        ["IRL", "ITA"],
        "Ireland held Victim Assistance from the 7MSP"
    );
    let sessions = post(
        &client,
        &base,
        "{ meeting(code: \"2RC\") { sessions { part city } } }",
    )
    .await;
    assert_eq!(
        sessions["meeting"]["sessions"][1]["city"], "Geneva",
        "the 2RC's second part sat in Geneva: {sessions}"
    );
    let upgraded = post(&client, &base, "{ mandates(first: 1) { totalCount } }").await;
    assert_eq!(
        upgraded["mandates"]["totalCount"].as_i64(),
        fresh_mandates.as_i64().map(|n| n + 1),
        "every reference mandate, and the workflow's"
    );
    let after = post(&client, &base, &nomination_query).await;
    assert_eq!(
        before, after,
        "the nomination, its mandate and history are unchanged"
    );
    let announced = event_log::Entity::find()
        .filter(event_log::Column::Kind.eq("REFERENCE_CORRECTED"))
        .filter(event_log::Column::Topic.eq("committee"))
        .count(conn)
        .await
        .expect("count");
    assert!(announced > 1, "each correction is announced: {announced}");
    // A second start finds nothing left to correct.
    let (_, _, again) = spawn_replica(&app, |_| {}).await;
    let still = event_log::Entity::find()
        .filter(event_log::Column::Kind.eq("REFERENCE_CORRECTED"))
        .count(conn)
        .await
        .expect("count");
    assert_eq!(still, announced);
    let _ = stop.send(());
    let _ = again.send(());
    app.stop().await;
}

crate::on_both_databases!(an_earlier_release_s_database_is_corrected_and_keeps_the_workflow_s_rows);
