//! `node(id)`: every kind of object round-trips through its global ID.

use serde_json::{Value, json};

use crate::helpers::{Backend, add_agenda, spawn_app};

const NODE: &str = r#"
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on State { code }
    ... on Organization { code }
    ... on Position { code }
    ... on Meeting { code }
    ... on Mandate { state { code } startsOn }
    ... on AgendaItem { title }
  }
}"#;

async fn every_object_is_found_by_its_id(backend: Backend) {
    let app = spawn_app(backend).await;
    add_agenda(&app, "12MSP", &["Opening"]).await;
    let ids = app
        .query(
            r#"{ state(code: "ZMB") { id } organizations { id code }
                 position(code: "CLEARANCE") { id } meeting(code: "12MSP") { id agenda { id } }
                 mandates(first: 1) { edges { node { id startsOn } } } }"#,
            json!({}),
        )
        .await;
    let cases: Vec<(Value, &str, Value)> = vec![
        (
            ids["state"]["id"].clone(),
            "State",
            json!({ "code": "ZMB" }),
        ),
        (
            ids["organizations"][0]["id"].clone(),
            "Organization",
            json!({ "code": ids["organizations"][0]["code"] }),
        ),
        (
            ids["position"]["id"].clone(),
            "Position",
            json!({ "code": "CLEARANCE" }),
        ),
        (
            ids["meeting"]["id"].clone(),
            "Meeting",
            json!({ "code": "12MSP" }),
        ),
        (
            ids["meeting"]["agenda"][0]["id"].clone(),
            "AgendaItem",
            json!({ "title": "Opening" }),
        ),
    ];
    for (id, typename, expected) in cases {
        let data = app.query(NODE, json!({ "id": id })).await;
        assert_eq!(data["node"]["__typename"], typename);
        assert_eq!(data["node"]["id"], id);
        for (key, value) in expected.as_object().expect("object") {
            assert_eq!(&data["node"][key], value, "{typename}.{key}");
        }
    }
    let mandate_id = ids["mandates"]["edges"][0]["node"]["id"].clone();
    let data = app.query(NODE, json!({ "id": mandate_id })).await;
    assert_eq!(data["node"]["__typename"], "Mandate");
    assert_eq!(
        data["node"]["startsOn"],
        ids["mandates"]["edges"][0]["node"]["startsOn"]
    );
    app.stop().await;
}

async fn unknown_and_malformed_ids(backend: Backend) {
    let app = spawn_app(backend).await;
    // "Meeting:999999", well formed, nothing there.
    let data = app
        .query(NODE, json!({ "id": "TWVldGluZzo5OTk5OTk" }))
        .await;
    assert_eq!(data["node"], Value::Null);
    for bad in ["", "not base64!", "VW5rbm93bjox", "TWVldGluZzp4"] {
        assert_eq!(
            app.error_code(NODE, json!({ "id": bad })).await,
            "BAD_USER_INPUT",
            "{bad}"
        );
    }
    app.stop().await;
}

crate::on_both_databases!(every_object_is_found_by_its_id, unknown_and_malformed_ids);
