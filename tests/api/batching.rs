//! Nested fields are batched: a nested query issues the same number of SQL
//! statements whether a page holds 10 parents or 100.

use chrono::{Duration, NaiveDate, Utc};
use entity::{mandate, position, state};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use crate::helpers::{Backend, TestApp, add_agenda, spawn_app_with};

/// Adds mandates so that every page of 100 is full.
async fn add_mandates(app: &TestApp, count: usize) {
    let conn = &app.db().conn;
    let positions = position::Entity::find().all(conn).await.expect("positions");
    let states = state::Entity::find().all(conn).await.expect("states");
    let start = NaiveDate::from_ymd_opt(2030, 1, 1).expect("date");
    for i in 0..count {
        mandate::ActiveModel {
            position_id: Set(positions[i % positions.len()].id),
            state_iso3: Set(states[i % states.len()].iso3.clone()),
            seat: Set(1),
            starts_on: Set(start + Duration::days(i as i64)),
            ends_on: Set(Some(start + Duration::days(i as i64 + 365))),
            source: Set("test fixture".to_owned()),
            created_at: Set(Utc::now().fixed_offset()),
            ..Default::default()
        }
        .insert(conn)
        .await
        .expect("insert mandate");
    }
}

const NESTED: &str = r#"
query($n: Int!) {
  mandates(first: $n) {
    totalCount
    edges { node {
      seat
      renews { startsOn }
      state { name regionalGroup mandates(first: 3) { totalCount edges { node { position { code } } } } }
      position { code holders(asOf: "2014-12-01") { state { code } } introducedAt { code } }
      designatedAt { code presidingState { code } sessions { part country { code } } agenda { title meeting { code } } }
      endsAt { code }
    } }
  }
  meetings(first: $n) {
    edges { node { code presidingState { name } country { code } sessions { part } agenda { title } } }
  }
  positions {
    code
    holders(asOf: "2012-12-01") { state { code } }
    mandates(first: 5) { totalCount edges { node { state { code } designatedAt { code } } } }
  }
}"#;

async fn nested_queries_cost_the_same_at_10_and_at_100(backend: Backend) {
    // No background polling while statements are counted.
    let app = spawn_app_with(backend, |c| {
        c.live.event_poll_ms = 3_600_000;
        c.live.timer_poll_ms = 3_600_000;
    })
    .await;
    add_mandates(&app, 120).await;
    for code in ["2MSP", "3MSP", "4MSP", "5MSP", "1RC"] {
        add_agenda(&app, code, &["Opening", "Coordinators"]).await;
    }
    app.settle().await;
    let (small, data10) = app
        .statements_during(app.query(NESTED, json!({ "n": 10 })))
        .await;
    let (large, data100) = app
        .statements_during(app.query(NESTED, json!({ "n": 100 })))
        .await;
    assert_eq!(
        data10["mandates"]["edges"].as_array().expect("edges").len(),
        10
    );
    assert_eq!(
        data100["mandates"]["edges"]
            .as_array()
            .expect("edges")
            .len(),
        100
    );
    assert_eq!(
        data100["meetings"]["edges"]
            .as_array()
            .expect("edges")
            .len(),
        16
    );
    assert!(small > 0);
    assert_eq!(
        small, large,
        "a page of 100 must issue as many statements as a page of 10"
    );
    // Every level is batched: far fewer statements than parents.
    assert!(large < 40, "{large} statements");
    app.stop().await;
}

const NOMINATIONS: &str = r#"
query($n: Int!) {
  nominations(first: $n) {
    totalCount
    edges { node {
      state version allowedEvents
      position { code }
      nominee { name regionalGroup }
      decidingMeeting { code }
      consultation { responseCount policyMet byStance { key count } }
      history { seq actor }
    } }
  }
}"#;

async fn nominations_are_batched_too(backend: Backend) {
    use ccm_committee::auth::Role;
    let app = spawn_app_with(backend, |c| {
        c.live.event_poll_ms = 3_600_000;
        c.live.timer_poll_ms = 3_600_000;
    })
    .await;
    let meeting =
        crate::helpers::add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let states = [
        "NOR", "SWE", "IRL", "AUT", "CHE", "MEX", "CHL", "ZMB", "GHA", "PHL", "LAO", "HRV",
    ];
    for code in states {
        let who = crate::helpers::token(&format!("{code}-delegate"), Role::Delegate, Some(code));
        crate::nominations::propose(&app, &who, "CLEARANCE", code, &meeting).await;
    }
    app.settle().await;
    let (small, five) = app
        .statements_during(app.query(NOMINATIONS, json!({ "n": 5 })))
        .await;
    let (large, twelve) = app
        .statements_during(app.query(NOMINATIONS, json!({ "n": 100 })))
        .await;
    assert_eq!(
        five["nominations"]["edges"]
            .as_array()
            .expect("edges")
            .len(),
        5
    );
    assert_eq!(
        twelve["nominations"]["edges"]
            .as_array()
            .expect("edges")
            .len(),
        12
    );
    assert_eq!(
        twelve["nominations"]["edges"][0]["node"]["consultation"]["responseCount"],
        0
    );
    assert_eq!(small, large, "12 nominations cost what 5 do");
    app.stop().await;
}

/// A move's answer is rendered from the rows its transaction wrote: asking
/// for the moved nomination's state, version and events costs no statement
/// more than asking for its id, and the answer is what a later read finds.
async fn a_moves_answer_reads_nothing_back(backend: Backend) {
    use crate::nominations::{cast, propose};
    // No polling: only what the moves do reads the database.
    let app = spawn_app_with(backend, |c| {
        c.live.event_poll_ms = 3_600_000;
        c.live.timer_poll_ms = 3_600_000;
    })
    .await;
    let cast = cast();
    let meeting =
        crate::helpers::add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let a = propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &meeting).await;
    let b = propose(&app, &cast.nor, "CLEARANCE", "NOR", &meeting).await;
    let submit = |selection: &str| {
        format!(
            "mutation($input: TransitionInput!) {{ submitNomination(input: $input) {selection} }}"
        )
    };
    // Each move with the background reads its commit wakes (the event
    // dispatcher's), so that both counts cover the same work.
    let cost = async |n: &serde_json::Value, selection: &str| {
        app.settle().await;
        let input =
            json!({ "input": { "nominationId": n["id"], "expectedVersion": n["version"] } });
        let (statements, answer) = app
            .statements_during(async {
                let answer = app.as_ok(&cast.nor, &submit(selection), input).await;
                app.settle().await;
                answer
            })
            .await;
        (statements, answer["submitNomination"].clone())
    };
    let (bare, _) = cost(&a, "{ id }").await;
    let (full, answer) = cost(&b, "{ id version state allowedEvents termStartsOn }").await;
    assert_eq!(
        full, bare,
        "the answer's fields are read back from the database: {full} statements against {bare}"
    );
    assert_eq!(answer["version"], 2, "{answer}");
    assert_eq!(answer["state"], "SUBMITTED", "{answer}");
    let read = app
        .as_ok(
            &cast.nor,
            "query($id: ID!) { nomination(id: $id) { id version state allowedEvents termStartsOn } }",
            json!({ "id": b["id"] }),
        )
        .await;
    assert_eq!(
        read["nomination"], answer,
        "the answer is what was committed"
    );
}

crate::on_both_databases!(
    nested_queries_cost_the_same_at_10_and_at_100,
    nominations_are_batched_too,
    a_moves_answer_reads_nothing_back,
);
