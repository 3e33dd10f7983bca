//! `mandates` and the per-parent mandate lists.

use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

const MANDATES: &str = r#"
query($filter: MandateFilter, $first: Int) {
  mandates(filter: $filter, first: $first) {
    totalCount
    edges { node { state { code } position { code } seat startsOn endsOn isActive(asOf: "2014-12-01")
                   designatedAt { code } endsAt { code } renews { startsOn } } }
  }
}"#;

fn states(data: &Value) -> Vec<String> {
    data["mandates"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            e["node"]["state"]["code"]
                .as_str()
                .expect("code")
                .to_owned()
        })
        .collect()
}

async fn filters_mandates_by_position_state_and_date(backend: Backend) {
    let app = spawn_app(backend).await;
    let all = app.query(MANDATES, json!({ "first": 1 })).await;
    // 65 known terms and presidencies, 39 holdings the sources attest.
    assert_eq!(all["mandates"]["totalCount"], 104);

    let reporting = app
        .query(
            MANDATES,
            json!({ "filter": { "position": "REPORTING", "state": "BEL" } }),
        )
        .await;
    assert_eq!(reporting["mandates"]["totalCount"], 4);
    assert_eq!(states(&reporting), ["BEL", "BEL", "BEL", "BEL"]);
    let latest = &reporting["mandates"]["edges"][0]["node"];
    assert_eq!(latest["startsOn"], "2014-09-05", "latest first");
    assert_eq!(latest["endsAt"]["code"], "1RC");
    assert_eq!(
        latest["renews"]["startsOn"], "2013-09-13",
        "a renewal points at the term it renews"
    );
    assert_eq!(latest["isActive"], true);

    let nzl = app
        .query(MANDATES, json!({ "filter": { "state": "nzl" } }))
        .await;
    assert_eq!(nzl["mandates"]["totalCount"], 9);

    let active = app
        .query(
            MANDATES,
            json!({ "filter": { "activeAt": "2014-12-01" }, "first": 100 }),
        )
        .await;
    assert_eq!(active["mandates"]["totalCount"], 16);
    assert!(
        active["mandates"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .all(|e| e["node"]["isActive"] == true)
    );

    let both = app
        .query(
            MANDATES,
            json!({ "filter": { "state": "MEX", "position": "VICTIM_ASSISTANCE", "activeAt": "2014-12-01" } }),
        )
        .await;
    assert_eq!(both["mandates"]["totalCount"], 1);
    assert_eq!(
        both["mandates"]["edges"][0]["node"]["designatedAt"]["code"],
        "4MSP"
    );

    assert_eq!(
        app.error_code(MANDATES, json!({ "filter": { "position": "CHAIR" } }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(MANDATES, json!({ "filter": { "state": "Norway" } }))
            .await,
        "BAD_USER_INPUT"
    );
    app.stop().await;
}

async fn positions_and_states_page_their_own_mandates(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = r#"{
      position(code: "REPORTING") {
        mandates(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { state { code } } } }
      }
      state(code: "MEX") {
        mandates { totalCount edges { node { position { code } startsOn } } }
      }
    }"#;
    let data = app.query(query, json!({})).await;
    let u = &data["position"]["mandates"];
    assert_eq!(u["totalCount"], 6);
    assert_eq!(u["pageInfo"]["hasNextPage"], true);
    let codes: Vec<&str> = u["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["state"]["code"].as_str().expect("code"))
        .collect();
    assert_eq!(
        codes,
        ["IRQ", "ZMB"],
        "attested holdings of 2019 and 2018 first"
    );
    let after = u["pageInfo"]["endCursor"].as_str().expect("cursor");
    let next = app
        .query(
            r#"query($after: String) { position(code: "REPORTING") {
                mandates(first: 2, after: $after) { pageInfo { hasNextPage hasPreviousPage }
                edges { node { state { code } } } } } }"#,
            json!({ "after": after }),
        )
        .await;
    let m = &next["position"]["mandates"];
    assert_eq!(m["pageInfo"]["hasNextPage"], true);
    assert_eq!(m["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(m["edges"][0]["node"]["state"]["code"], "BEL");
    assert_eq!(m["edges"][1]["node"]["state"]["code"], "BEL");

    let mex = &data["state"]["mandates"];
    assert_eq!(mex["totalCount"], 6);
    let positions: Vec<&str> = mex["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["position"]["code"].as_str().expect("code"))
        .collect();
    assert_eq!(
        positions,
        [
            "PRESIDENT",
            "PRESIDENT_DESIGNATE",
            "VICTIM_ASSISTANCE",
            "STOCKPILE_DESTRUCTION",
            "VICTIM_ASSISTANCE",
            "COOPERATION_ASSISTANCE"
        ]
    );
    app.stop().await;
}

crate::on_both_databases!(
    filters_mandates_by_position_state_and_date,
    positions_and_states_page_their_own_mandates,
);
