//! `states` and `state`: filters, ordering, Relay pagination.

use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

const PAGE: &str = r#"
query($first: Int, $after: String, $last: Int, $before: String, $filter: StateFilter, $orderBy: StateOrder) {
  states(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { code name } }
  }
}"#;

fn codes(states: &Value) -> Vec<String> {
    states["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["code"].as_str().expect("code").to_owned())
        .collect()
}

async fn count(app: &crate::helpers::TestApp, filter: Value) -> i64 {
    let data = app
        .query(PAGE, json!({ "first": 1, "filter": filter }))
        .await;
    data["states"]["totalCount"].as_i64().expect("totalCount")
}

async fn filters_by_group_relation_and_name(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(count(&app, json!({})).await, 125);
    assert_eq!(count(&app, json!({ "regionalGroup": "AFRICAN" })).await, 44);
    assert_eq!(
        count(&app, json!({ "regionalGroup": "WESTERN_EUROPEAN_OTHERS" })).await,
        24
    );
    assert_eq!(count(&app, json!({ "hasRegionalGroup": false })).await, 3);
    // As at 3 February 2026 the depositary counted 112 Parties: Vanuatu's
    // accession was deposited but not yet in force.
    let on = |relation: &str, date: &str| json!({ "relation": relation, "relationAsOf": date });
    assert_eq!(count(&app, on("STATE_PARTY", "2026-02-03")).await, 111);
    assert_eq!(
        count(&app, on("AWAITING_ENTRY_INTO_FORCE", "2026-02-03")).await,
        1
    );
    assert_eq!(count(&app, on("STATE_PARTY", "2026-03-01")).await, 112);
    assert_eq!(count(&app, on("STATE_PARTY", "2010-08-01")).await, 30);
    assert_eq!(count(&app, on("SIGNATORY", "2026-03-01")).await, 12);
    assert_eq!(count(&app, on("WITHDRAWN", "2025-03-05")).await, 0);
    assert_eq!(count(&app, on("WITHDRAWN", "2025-03-06")).await, 1);
    assert_eq!(count(&app, on("NONE", "2008-12-02")).await, 125);
    // Today (the server's clock): 112 States Parties, Lithuania withdrawn.
    assert_eq!(count(&app, json!({ "relation": "STATE_PARTY" })).await, 112);

    let data = app
        .query(PAGE, json!({ "first": 20, "filter": { "search": "LAND" } }))
        .await;
    assert_eq!(
        codes(&data["states"]),
        ["COK", "ISL", "IRL", "NLD", "NZL", "CHE"],
        "case-insensitive, ordered by name"
    );
    assert_eq!(
        count(&app, json!({ "search": "%" })).await,
        0,
        "LIKE wildcards are literal"
    );
    assert_eq!(
        count(&app, json!({ "search": "ltu" })).await,
        1,
        "codes match too"
    );
    assert_eq!(
        count(
            &app,
            json!({ "search": "a", "regionalGroup": "EASTERN_EUROPEAN", "relation": "STATE_PARTY" })
        )
        .await,
        10,
        "filters combine"
    );
    app.stop().await;
}

async fn orders_by_name_code_and_dates(backend: Backend) {
    let app = spawn_app(backend).await;
    let first3 = |field: &str, direction: &str| json!({ "first": 3, "orderBy": { "field": field, "direction": direction } });
    let data = app.query(PAGE, first3("ENTRY_INTO_FORCE_ON", "DESC")).await;
    assert_eq!(codes(&data["states"]), ["VUT", "SSD", "NGA"]);
    let data = app.query(PAGE, first3("CODE", "ASC")).await;
    assert_eq!(codes(&data["states"]), ["AFG", "AGO", "ALB"]);
    let data = app.query(PAGE, first3("NAME", "DESC")).await;
    assert_eq!(codes(&data["states"])[0], "ZMB");
    // Signatories have no deposit date: they come last either way.
    let data = app
        .query(
            PAGE,
            json!({ "last": 12, "orderBy": { "field": "DEPOSITED_ON", "direction": "ASC" } }),
        )
        .await;
    let last12 = codes(&data["states"]);
    assert!(last12.contains(&"AGO".to_owned()), "{last12:?}");
    app.stop().await;
}

async fn pages_forward_to_the_end_and_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut forward = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let data = app
            .query(PAGE, json!({ "first": 10, "after": after }))
            .await;
        let states = &data["states"];
        assert_eq!(states["totalCount"], 125);
        assert_eq!(states["pageInfo"]["hasPreviousPage"], pages > 0);
        forward.extend(codes(states));
        pages += 1;
        if states["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = states["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(pages, 13);
    assert_eq!(forward.len(), 125);
    let mut unique = forward.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 125, "no State twice");

    let mut backward = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let data = app
            .query(PAGE, json!({ "last": 10, "before": before }))
            .await;
        let states = &data["states"];
        let mut page = codes(states);
        page.extend(backward);
        backward = page;
        if states["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = states["pageInfo"]["startCursor"]
            .as_str()
            .map(str::to_owned);
    }
    assert_eq!(backward, forward, "last/before walks the same list back");

    // Past the end: an empty page.
    let last_cursor =
        app.query(PAGE, json!({ "last": 1 })).await["states"]["pageInfo"]["endCursor"].clone();
    let data = app
        .query(PAGE, json!({ "first": 10, "after": last_cursor }))
        .await;
    assert_eq!(data["states"]["edges"], json!([]));
    assert_eq!(data["states"]["pageInfo"]["hasNextPage"], false);
    app.stop().await;
}

async fn bad_pagination_arguments_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    for variables in [
        json!({ "first": 10, "after": "not-a-cursor" }),
        json!({ "last": 10, "before": "b2Zmc2V0Ong" }),
        json!({ "first": -1 }),
        json!({ "first": 101 }),
        json!({ "last": -5 }),
    ] {
        assert_eq!(
            app.error_code(PAGE, variables.clone()).await,
            "BAD_USER_INPUT",
            "{variables}"
        );
    }
    assert_eq!(
        app.error_code(PAGE, json!({ "filter": { "regionalGroup": "MARTIAN" } }))
            .await,
        "BAD_USER_INPUT"
    );
    app.stop().await;
}

async fn one_state_by_code_with_its_dates(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = r#"query($code: String!) { state(code: $code) {
        code name regionalGroup signedOn depositedOn depositKind entryIntoForceOn withdrawalEffectiveOn
        before: relation(asOf: "2025-03-05") after: relation(asOf: "2025-03-06")
        party: isStateParty(asOf: "2020-01-01") source } }"#;
    let data = app.query(query, json!({ "code": "ltu" })).await;
    let ltu = &data["state"];
    assert_eq!(ltu["name"], "Lithuania");
    assert_eq!(ltu["regionalGroup"], "EASTERN_EUROPEAN");
    assert_eq!(ltu["depositedOn"], "2011-03-24");
    assert_eq!(ltu["entryIntoForceOn"], "2011-09-01");
    assert_eq!(ltu["withdrawalEffectiveOn"], "2025-03-06");
    assert_eq!(ltu["before"], "STATE_PARTY");
    assert_eq!(ltu["after"], "WITHDRAWN");
    assert_eq!(ltu["party"], true);
    assert!(ltu["source"].as_str().expect("source").contains("XXVI-6"));

    let data = app.query(query, json!({ "code": "VUT" })).await;
    assert_eq!(data["state"]["entryIntoForceOn"], "2026-03-01");
    assert_eq!(data["state"]["depositKind"], "ACCESSION");

    let data = app.query(query, json!({ "code": "VAT" })).await;
    assert_eq!(data["state"]["regionalGroup"], Value::Null);

    let data = app.query(query, json!({ "code": "XYZ" })).await;
    assert_eq!(data["state"], Value::Null, "an unknown State is null");
    assert_eq!(
        app.error_code(query, json!({ "code": "12" })).await,
        "BAD_USER_INPUT"
    );
    app.stop().await;
}

crate::on_both_databases!(
    filters_by_group_relation_and_name,
    orders_by_name_code_and_dates,
    pages_forward_to_the_end_and_back,
    bad_pagination_arguments_are_refused,
    one_state_by_code_with_its_dates,
);
