//! Objects resolved eagerly (`graphql::eager`: the positions of `positions`,
//! every connection's edges and nodes, a mandate's State and position) answer
//! exactly what async-graphql's own resolution answers: the same selection
//! asked of `position(code:)`, which async-graphql resolves, gives the same
//! JSON, with fragments, directives, aliases, merged response keys,
//! `__typename` and errors inside.

use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

/// Every kind of selection, on a position and the objects under it.
const SELECTION: &str = r#"
fragment More on Position { renewable kind }
fragment Page on MandateConnection {
  totalCount
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges {
    __typename
    cursor
    node {
      __typename
      startsOn
      seat
      state { __typename code name ... on State { regionalGroup } alias: code }
      position { code ...More }
    }
  }
  nodes { seat endsOn }
}
fragment Position on Position {
  __typename
  label: code
  name
  ... on Position { seats code }
  ...More
  termYears @include(if: true)
  source @skip(if: true)
  code
  mandates(first: 3) { ...Page }
  twice: mandates(first: 2) { edges { node { startsOn } } }
  twice: mandates(first: 2) { edges { node { seat state { name } } } }
  later: mandates(first: 2, after: "b2Zmc2V0OjA") { totalCount edges { cursor node { seat } } }
}
"#;

async fn eager_objects_answer_as_async_graphql_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let list = app
        .query(
            &format!("{{ positions {{ ...Position }} }} {SELECTION}"),
            json!({}),
        )
        .await;
    let positions = list["positions"].as_array().expect("positions");
    assert!(positions.len() >= 4, "{list}");
    let mut mandates_seen = 0;
    for position in positions {
        let code = position["code"].as_str().expect("code");
        let one = app
            .query(
                &format!("query($code: String!) {{ position(code: $code) {{ ...Position }} }} {SELECTION}"),
                json!({ "code": code }),
            )
            .await;
        assert_eq!(position, &one["position"], "{code}");
        // The merged key holds both halves.
        assert!(position.get("source").is_none(), "@skip: {position}");
        assert_eq!(position["__typename"], "Position");
        for edge in position["twice"]["edges"].as_array().expect("edges") {
            let node = &edge["node"];
            assert!(
                node["startsOn"].is_string()
                    && node["seat"].is_i64()
                    && node["state"]["name"].is_string(),
                "merged: {node}"
            );
        }
        for edge in position["mandates"]["edges"].as_array().expect("edges") {
            mandates_seen += 1;
            assert_eq!(edge["__typename"], "MandateEdge");
            assert_eq!(edge["node"]["__typename"], "Mandate");
            assert_eq!(edge["node"]["state"]["__typename"], "State");
            assert_eq!(
                edge["node"]["state"]["alias"],
                edge["node"]["state"]["code"]
            );
            assert_eq!(edge["node"]["position"]["code"], code);
        }
    }
    assert!(mandates_seen > 0, "the reference data has mandates: {list}");
    // The answer keeps the query's order (read from the text: a JSON value
    // here keeps no order).
    let raw = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": format!("{{ positions {{ ...Position }} }} {SELECTION}") }))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    let first = &raw[raw.find(r#"{"__typename":"Position""#).expect("a position")..];
    let mut at = 0;
    for key in [
        "label",
        "name",
        "seats",
        "code",
        "renewable",
        "kind",
        "termYears",
        "mandates",
        "twice",
        "later",
    ] {
        at += first[at..]
            .find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("{key} after the keys before it: {first}"));
    }

    // An error inside an eager object: reported with its path, its siblings kept.
    let (_, eager) = app
        .post(
            "{ positions { code mandates(first: -1) { totalCount } name } }",
            json!({}),
        )
        .await;
    let (_, plain) = app
        .post(
            "{ position(code: \"UNIVERSALIZATION\") { code mandates(first: -1) { totalCount } name } }",
            json!({}),
        )
        .await;
    let codes = |body: &Value| -> Vec<String> {
        body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        codes(&plain).iter().any(|c| c == "BAD_USER_INPUT"),
        "{plain}"
    );
    let eager_codes = codes(&eager);
    assert_eq!(
        eager_codes.len(),
        eager["data"]["positions"].as_array().map_or(0, Vec::len),
        "one error per position: {eager}"
    );
    assert!(eager_codes.iter().all(|c| c == "BAD_USER_INPUT"), "{eager}");
    assert_eq!(
        eager["errors"][0]["path"],
        json!(["positions", 0, "mandates"])
    );
    let first = &eager["data"]["positions"][0];
    assert!(
        first["code"].is_string() && first["name"].is_string(),
        "{eager}"
    );
    assert_eq!(
        first.as_object().map(|o| o.contains_key("mandates")),
        plain["data"]["position"]
            .as_object()
            .map(|o| o.contains_key("mandates")),
        "the failed field is left out as async-graphql leaves it out: {eager} {plain}"
    );
    app.stop().await;
}

/// Every field of a State, asked of a page's mandates and of `state(code:)`.
const STATE: &str = r#"
fragment State on State {
  __typename id code name regionalGroup signedOn depositedOn depositKind
  entryIntoForceOn withdrawalEffectiveOn relation isStateParty
  then: relation(asOf: "2010-08-01") source
}
"#;

/// The fields of a position that never wait, asked of a page's mandates and
/// of `position(code:)`.
const POSITION: &str = r#"
fragment Position on Position { __typename id code name kind seats termYears renewable source }
"#;

/// A page whose selection shows its mandates' States and positions reads
/// them with the page (`MandatePageLoader`), the States with the columns of
/// every selection of `state` under its edges and nodes together: each
/// answers as the State or position itself does, whichever selection asked
/// for a column.
async fn a_pages_states_and_positions_answer_as_they_do_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    // Two selections of the same edges, merged: each State reads the columns of both.
    let merged = app
        .query(
            "{ positions { mandates(first: 6) {
                edges { node { state { name } } }
                edges { node { state { signedOn ... on State { depositKind } } } }
            } } }",
            json!({}),
        )
        .await;
    let whole = app
        .query(
            &format!(
                "{{ positions {{ mandates(first: 6) {{
                    nodes {{ state {{ ...State }} named: state {{ code }} position {{ ...Position }} }}
                }} }} }} {STATE} {POSITION}"
            ),
            json!({}),
        )
        .await;
    let mut seen = 0;
    let positions = whole["positions"].as_array().expect("positions");
    for (index, position) in positions.iter().enumerate() {
        let nodes = position["mandates"]["nodes"].as_array().expect("nodes");
        let edges = merged["positions"][index]["mandates"]["edges"]
            .as_array()
            .expect("edges");
        assert_eq!(edges.len(), nodes.len(), "{position}");
        for (edge, node) in edges.iter().zip(nodes) {
            let code = node["state"]["code"].as_str().expect("code");
            assert_eq!(node["named"]["code"], code);
            let one = app
                .query(
                    &format!(
                        "query($code: String!) {{ state(code: $code) {{ ...State }} }} {STATE}"
                    ),
                    json!({ "code": code }),
                )
                .await;
            assert_eq!(node["state"], one["state"], "{code}");
            let held = &node["position"];
            let position = app
                .query(
                    &format!("query($code: String!) {{ position(code: $code) {{ ...Position }} }} {POSITION}"),
                    json!({ "code": held["code"] }),
                )
                .await;
            assert_eq!(held, &position["position"], "{code}");
            assert_eq!(held["code"], position["position"]["code"]);
            let state = edge["node"]["state"].as_object().expect("state");
            assert_eq!(state.len(), 3, "{state:?}");
            for field in ["name", "signedOn", "depositKind"] {
                assert_eq!(state[field], one["state"][field], "{code}.{field}");
            }
            seen += 1;
        }
    }
    assert!(seen > 10, "the reference data has mandates: {whole}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eager_objects_answer_as_async_graphql_does_on_sqlite() {
    eager_objects_answer_as_async_graphql_does(Backend::Sqlite).await
}

crate::on_both_databases!(a_pages_states_and_positions_answer_as_they_do_alone);
