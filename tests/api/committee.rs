//! `committee(asOf)` and `positions`: the composition on a date.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

const COMMITTEE: &str = r#"
query($asOf: Date) {
  committee(asOf: $asOf) {
    asOf
    positions {
      position { code seats termYears renewable }
      holders { seat state { code } startsOn endsOn }
      vacantSeats
    }
    observers { code }
    supportUnit { code sinceYear hostedBy { code } }
  }
}"#;

/// Position code → the codes of its holders, by seat.
fn holders(committee: &Value) -> Vec<(String, Vec<String>)> {
    committee["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|p| {
            let codes = p["holders"]
                .as_array()
                .expect("holders")
                .iter()
                .map(|h| h["state"]["code"].as_str().expect("code").to_owned())
                .collect();
            (
                p["position"]["code"].as_str().expect("code").to_owned(),
                codes,
            )
        })
        .collect()
}

fn holders_of(committee: &Value, code: &str) -> Vec<String> {
    holders(committee)
        .into_iter()
        .find(|(c, _)| c == code)
        .map(|(_, h)| h)
        .unwrap_or_else(|| panic!("no position {code}"))
}

async fn the_2014_15_composition_is_the_published_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app.query(COMMITTEE, json!({ "asOf": "2014-12-01" })).await;
    let c = &data["committee"];
    assert_eq!(c["asOf"], "2014-12-01");
    assert_eq!(
        holders(c),
        [
            ("PRESIDENT", vec!["CRI"]),
            ("PRESIDENT_DESIGNATE", vec!["HRV"]),
            ("OUTGOING_PRESIDENT", vec![]),
            ("GENERAL_STATUS", vec!["NLD", "LBN"]),
            ("UNIVERSALIZATION", vec!["NOR", "ECU"]),
            ("STOCKPILE_DESTRUCTION", vec!["ALB", "FRA"]),
            ("CLEARANCE", vec!["CHE", "BIH"]),
            ("VICTIM_ASSISTANCE", vec!["MEX", "AUS"]),
            ("COOPERATION_ASSISTANCE", vec!["CHL", "AUT"]),
            ("REPORTING", vec!["BEL"]),
            ("NATIONAL_IMPLEMENTATION", vec!["NZL"]),
        ]
        .into_iter()
        .map(|(p, h)| (
            p.to_owned(),
            h.into_iter().map(str::to_owned).collect::<Vec<_>>()
        ))
        .collect::<Vec<_>>()
    );
    assert_eq!(
        c["observers"],
        json!([{ "code": "CMC" }, { "code": "ICRC" }, { "code": "UN" }])
    );
    assert_eq!(
        c["supportUnit"],
        Value::Null,
        "the ISU was operational from 2015"
    );
    let vacant: Vec<i64> = c["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|p| p["vacantSeats"].as_i64().expect("vacantSeats"))
        .collect();
    assert_eq!(vacant, [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    app.stop().await;
}

async fn the_2012_13_composition_has_zambia_twice(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app.query(COMMITTEE, json!({ "asOf": "2012-12-01" })).await;
    let c = &data["committee"];
    assert_eq!(holders_of(c, "PRESIDENT"), ["NOR"]);
    assert_eq!(holders_of(c, "PRESIDENT_DESIGNATE"), ["ZMB"]);
    assert_eq!(holders_of(c, "GENERAL_STATUS"), ["ZMB", "CRI"]);
    assert_eq!(holders_of(c, "UNIVERSALIZATION"), ["PRT", "GHA"]);
    assert_eq!(holders_of(c, "COOPERATION_ASSISTANCE"), ["MEX", "SWE"]);
    assert_eq!(holders_of(c, "REPORTING"), ["BEL"]);
    app.stop().await;
}

async fn the_committee_defaults_to_today_and_knows_later_positions(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app.query(COMMITTEE, json!({})).await;
    let c = &data["committee"];
    assert_eq!(c["asOf"], "2026-11-26", "today by the server's clock");
    assert_eq!(holders_of(c, "PRESIDENT"), ["PHL"]);
    assert_eq!(holders_of(c, "RISK_EDUCATION"), Vec::<String>::new());
    assert_eq!(c["supportUnit"]["code"], "ISU");
    assert_eq!(c["supportUnit"]["hostedBy"]["code"], "GICHD");
    // The default follows the server's clock.
    app.clock.set(
        Utc.with_ymd_and_hms(2015, 1, 1, 9, 0, 0)
            .single()
            .expect("date"),
    );
    let data = app.query(COMMITTEE, json!({})).await;
    assert_eq!(data["committee"]["asOf"], "2015-01-01");
    assert_eq!(holders_of(&data["committee"], "PRESIDENT"), ["CRI"]);
    // Risk Education was added by the 12MSP (September 2024).
    let before = app.query(COMMITTEE, json!({ "asOf": "2024-01-01" })).await;
    assert!(
        holders(&before["committee"])
            .iter()
            .all(|(code, _)| code != "RISK_EDUCATION")
    );
    app.stop().await;
}

async fn presidencies_hand_over_at_each_meeting(backend: Backend) {
    let app = spawn_app(backend).await;
    for (date, president) in [
        ("2021-01-15", "CHE"),
        ("2022-09-01", "GBR"),
        ("2023-09-11", "IRQ"),
        ("2025-09-15", "MEX"),
        ("2010-11-09", "LAO"),
    ] {
        let data = app.query(COMMITTEE, json!({ "asOf": date })).await;
        assert_eq!(
            holders_of(&data["committee"], "PRESIDENT"),
            [president],
            "{date}"
        );
    }
    // Before the 1MSP there was no committee presidency.
    let data = app.query(COMMITTEE, json!({ "asOf": "2010-01-01" })).await;
    assert!(holders_of(&data["committee"], "PRESIDENT").is_empty());
    app.stop().await;
}

async fn positions_list_their_seats_terms_and_holders(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .query(
            r#"{ positions { code kind seats termYears renewable introducedAt { code }
                 holders(asOf: "2013-01-01") { state { code } } } }"#,
            json!({}),
        )
        .await;
    let positions = data["positions"].as_array().expect("positions");
    assert_eq!(positions.len(), 12);
    let reporting = positions
        .iter()
        .find(|p| p["code"] == "REPORTING")
        .expect("reporting");
    assert_eq!(reporting["seats"], 1);
    assert_eq!(reporting["termYears"], 1);
    assert_eq!(reporting["renewable"], true);
    assert_eq!(
        reporting["holders"],
        json!([{ "state": { "code": "BEL" } }])
    );
    let universalization = positions
        .iter()
        .find(|p| p["code"] == "UNIVERSALIZATION")
        .expect("universalization");
    assert_eq!(universalization["kind"], "COORDINATOR");
    assert_eq!(universalization["seats"], 2);
    assert_eq!(universalization["termYears"], 2);
    assert_eq!(universalization["renewable"], false);
    let risk = positions
        .iter()
        .find(|p| p["code"] == "RISK_EDUCATION")
        .expect("risk");
    assert_eq!(risk["introducedAt"]["code"], "12MSP");
    app.stop().await;
}

async fn a_bad_date_is_bad_user_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let code = app
        .error_code(COMMITTEE, json!({ "asOf": "2014-13-45" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let code = app
        .error_code(r#"{ committee(asOf: "yesterday") { asOf } }"#, json!({}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    app.stop().await;
}

crate::on_both_databases!(
    the_2014_15_composition_is_the_published_one,
    the_2012_13_composition_has_zambia_twice,
    the_committee_defaults_to_today_and_knows_later_positions,
    presidencies_hand_over_at_each_meeting,
    positions_list_their_seats_terms_and_holders,
    a_bad_date_is_bad_user_input,
);
