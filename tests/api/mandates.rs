//! `mandates` and the per-parent mandate lists.

use std::collections::HashMap;

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

/// Adds a mandate with every column set, renewing `renews`, so that no
/// field of the pages below answers only its default.
async fn add_full_mandate(app: &crate::helpers::TestApp) {
    use entity::{mandate, meeting};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let conn = &app.db().conn;
    let renewed = mandate::Entity::find()
        .one(conn)
        .await
        .expect("read")
        .expect("a mandate");
    let meetings = meeting::Entity::find().all(conn).await.expect("meetings");
    mandate::ActiveModel {
        position_id: Set(renewed.position_id),
        state_iso3: Set(renewed.state_iso3.clone()),
        seat: Set(2),
        starts_on: Set(chrono::NaiveDate::from_ymd_opt(2040, 1, 1).expect("date")),
        ends_on: Set(chrono::NaiveDate::from_ymd_opt(2041, 1, 1)),
        designated_at_meeting_id: Set(Some(meetings[0].id)),
        ends_at_meeting_id: Set(Some(meetings[1].id)),
        renews_mandate_id: Set(Some(renewed.id)),
        attested_on: Set(chrono::NaiveDate::from_ymd_opt(2040, 6, 1)),
        source: Set("every column set".to_owned()),
        created_at: Set(chrono::Utc::now().fixed_offset()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .expect("insert mandate");
}

/// Each field of a type, with a selection of it: a connection's
/// `totalCount`, another object's `id`, or the field alone.
async fn fields_of(app: &crate::helpers::TestApp, ty: &str) -> Vec<(String, String)> {
    let data = app
        .query(
            r#"query($ty: String!) { __type(name: $ty) { fields { name
                 type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }"#,
            json!({ "ty": ty }),
        )
        .await;
    let fields = data["__type"]["fields"].as_array().expect("fields");
    assert!(fields.len() >= 10, "{ty}'s fields: {fields:?}");
    fields
        .iter()
        .map(|field| {
            let name = field["name"].as_str().expect("name").to_owned();
            let mut of = &field["type"];
            while of["kind"] == "NON_NULL" || of["kind"] == "LIST" {
                of = &of["ofType"];
            }
            let selection = match (of["kind"].as_str(), of["name"].as_str()) {
                (Some("OBJECT"), Some(t)) if t.ends_with("Connection") => {
                    format!("{name} {{ totalCount }}")
                }
                (Some("OBJECT"), _) => format!("{name} {{ id }}"),
                _ => name.clone(),
            };
            (name, selection)
        })
        .collect()
}

/// Every row of a top-level list (`mandates`, `states`), by `key`, each
/// read whole (a top-level list reads every column).
async fn whole_rows(
    app: &crate::helpers::TestApp,
    list: &str,
    key: &str,
    selection: &str,
) -> HashMap<String, Value> {
    let mut rows = HashMap::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .query(
                &format!(
                    "query($after: String) {{ {list}(first: 100, after: $after) {{ \
                     pageInfo {{ hasNextPage endCursor }} nodes {{ {key} {selection} }} }} }}"
                ),
                json!({ "after": after }),
            )
            .await;
        for node in data[list]["nodes"].as_array().expect("nodes") {
            rows.insert(node[key].as_str().expect("key").to_owned(), node.clone());
        }
        let info = &data[list]["pageInfo"];
        if info["hasNextPage"] != true {
            return rows;
        }
        after = info["endCursor"].clone();
    }
}

/// A page of a position's or a State's mandates reads only the columns its
/// selection needs: each field of `Mandate`, selected alone (through a
/// named fragment, an inline fragment, `nodes` and `edges`), answers what
/// the mandate read whole answers.
async fn a_page_answers_each_field_as_the_whole_row_does(backend: Backend) {
    let app = spawn_app(backend).await;
    add_full_mandate(&app).await;
    let mut compared = 0;
    for (name, selection) in fields_of(&app, "Mandate").await {
        let name = name.as_str();
        let whole = whole_rows(&app, "mandates", "id", &selection).await;
        let paged = app
            .query(
                &format!(
                    "fragment F on Mandate {{ {selection} }}
                     {{ positions {{ mandates(first: 30) {{ nodes {{ id ...F }} }} }}
                        states(first: 60) {{ nodes {{ mandates(first: 5) {{
                          edges {{ node {{ id ... on Mandate {{ {selection} }} }} }} }} }} }} }}"
                ),
                json!({}),
            )
            .await;
        let positions = paged["positions"].as_array().expect("positions");
        let by_position = positions
            .iter()
            .flat_map(|p| p["mandates"]["nodes"].as_array().expect("nodes").clone());
        let states = paged["states"]["nodes"].as_array().expect("states");
        let by_state = states.iter().flat_map(|s| {
            s["mandates"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone())
                .collect::<Vec<_>>()
        });
        for node in by_position.chain(by_state) {
            let id = node["id"].as_str().expect("id");
            assert_eq!(
                node[name], whole[id][name],
                "`{name}` of mandate {id}, paged and whole"
            );
            compared += 1;
        }
    }
    assert!(compared > 13 * 100, "compared {compared} answers");
}

/// A mandate's State is read with only the columns its selection uses:
/// each field of `State`, selected alone under the mandates of a page,
/// answers what the State read whole answers.
async fn a_mandates_state_answers_each_field_as_the_whole_row_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut compared = 0;
    for (name, selection) in fields_of(&app, "State").await {
        let name = name.as_str();
        let whole = whole_rows(&app, "states", "code", &selection).await;
        let paged = app
            .query(
                &format!(
                    "{{ positions {{ mandates(first: 30) {{
                          nodes {{ state {{ code ... on State {{ {selection} }} }} }} }} }} }}"
                ),
                json!({}),
            )
            .await;
        for position in paged["positions"].as_array().expect("positions") {
            for node in position["mandates"]["nodes"].as_array().expect("nodes") {
                let state = &node["state"];
                let code = state["code"].as_str().expect("code");
                assert_eq!(
                    state[name], whole[code][name],
                    "`{name}` of {code}, under a mandate and whole"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 10 * 100, "compared {compared} answers");
}

/// The fields a type lists as ready (`graphql::eager::ReadyFields`) are
/// fields of that type, and resolved in place they answer what
/// async-graphql's own resolution answers (the same selection behind
/// fragments): a page's positions, mandates and States, and meetings. A
/// listed field that waited would fail this debug build.
async fn ready_fields_answer_as_async_graphql_does(backend: Backend) {
    use ccm_committee::committee::types::{Mandate, Position, State};
    use ccm_committee::graphql::eager::ReadyFields;

    let app = spawn_app(backend).await;
    add_full_mandate(&app).await;
    let lists = [
        ("Position", Position::READY),
        ("Mandate", Mandate::READY),
        ("State", State::READY),
    ];
    for (ty, ready) in lists {
        let fields: Vec<String> = fields_of(&app, ty)
            .await
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        for name in ready {
            assert!(
                fields.iter().any(|field| field == name),
                "{ty}.{name} is listed as ready but {ty} has no such field"
            );
        }
    }
    let [p, m, s] = lists.map(|(_, ready)| ready.join(" "));
    let in_place = app
        .query(
            &format!(
                "{{ positions {{ {p} mandates(first: 30) {{
                     edges {{ cursor node {{ {m} state {{ {s} }} }} }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    let by_async_graphql = app
        .query(
            &format!(
                "{{ positions {{ ... on Position {{ {p} }} mandates(first: 30) {{
                     edges {{ ... on MandateEdge {{ cursor }} node {{ ... on Mandate {{ {m} }}
                       state {{ ... on State {{ {s} }} }} }} }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    assert_eq!(in_place, by_async_graphql);
    let edges: usize = in_place["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|p| p["mandates"]["edges"].as_array().expect("edges").len())
        .sum();
    assert!(edges > 100, "{edges} mandates compared");

    use ccm_committee::meetings::types::Meeting;
    let fields: Vec<String> = fields_of(&app, "Meeting")
        .await
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for name in Meeting::READY {
        assert!(
            fields.iter().any(|field| field == name),
            "Meeting.{name} is listed as ready but Meeting has no such field"
        );
    }
    let ready = Meeting::READY.join(" ");
    let in_place = app
        .query(
            &format!("{{ meetings(first: 100) {{ nodes {{ {ready} }} }} }}"),
            json!({}),
        )
        .await;
    let by_async_graphql = app
        .query(
            &format!("{{ meetings(first: 100) {{ nodes {{ ... on Meeting {{ {ready} }} }} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(in_place, by_async_graphql);
    let meetings = in_place["meetings"]["nodes"].as_array().expect("nodes");
    assert!(meetings.len() >= 10, "{} meetings compared", meetings.len());
}

crate::on_both_databases!(
    filters_mandates_by_position_state_and_date,
    positions_and_states_page_their_own_mandates,
    a_page_answers_each_field_as_the_whole_row_does,
    a_mandates_state_answers_each_field_as_the_whole_row_does,
    ready_fields_answer_as_async_graphql_does,
);
