//! Three read shapes against hand-written floors, on PostgreSQL and SQLite:
//!
//! - `positions`: `{ positions { code name mandates(first: 20) { edges { node { startsOn state { name regionalGroup } } } } } }`
//!   (the nested query of issue 10);
//! - `meeting`: a meeting with its agenda, and the nominations it decides
//!   with their nominee, position, state and consultation tally;
//! - `states`: `states(first: 100)`, each with its first 5 mandates and their position;
//! - `record`: a committee meeting's record: its number, its invitations
//!   with attendance, delegates and the invited party's name, its agenda
//!   with each item's decisions and action points (the follow-up item's
//!   derived from earlier meetings); 20 decisions, 20 action points and 10
//!   invited guests.
//!
//! - `topics`: 20 topics with their state, documents, the meetings they were
//!   placed before and their history;
//! - `report`: the progress report to a meeting: 8 work plans over 4 areas,
//!   their objectives with the actions they link to and the latest rating.
//!
//! Each floor is a plain axum handler that runs the statements the server
//! runs, through the same service functions (so the same SQL), and writes
//! the same JSON. Both serve from this process on the same database (the
//! reference data, 5,000 mandates over the 12 positions and 125 States, and
//! 32 nominations in consultation before one meeting with 20 responses each),
//! loaded by 32 concurrent clients, in interleaved rounds; the ratio of
//! throughputs is the figure that survives a noisy machine. Before timing,
//! each shape's answer from the server must equal the floor's.
//!
//! First, against the true floor: the hand-written axum + raw SQL + serde
//! server of `../shared/bench/` (built from there with the project's
//! Cargo.lock, never copied), both it and the release binary of this server
//! as processes of their own on one PostgreSQL database seeded by its
//! `seed-pg.sql`, loaded by `wrk -t2 -c32` (not by this process), in
//! interleaved rounds: the nested read (`positions`) against the floor's
//! `/graphql`, and `{ __typename }` against its `/stock` (a stock
//! async-graphql-axum schema: the fixed cost of one request). Skipped with a
//! line saying why when `wrk` or `../shared/bench` is missing
//! (`CCM_BENCH_TRUE_FLOOR=off` skips it too; `CCM_BENCH_PREVIOUS=BINARY`
//! measures a previous build in the same rounds). The in-process floors below
//! run the server's own service functions: the gap to them is GraphQL
//! execution alone; the gap between them and the true floor is the service
//! layer's.
//!
//! `cargo bench --bench nested_reads` (PostgreSQL from `CCM_TEST_POSTGRES_URL`,
//! default postgres://postgres@127.0.0.1:5432/postgres; `CCM_BENCH_SHAPES` a
//! comma-separated subset of the shapes; `CCM_BENCH_DATABASES=postgres` for
//! one database; `CCM_BENCH_ROUNDS=0` to compare answers and count
//! statements only). Numbers go to BENCHMARKS.md.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use ccm_committee::auth::Role;
use ccm_committee::committee::service::{
    MandateColumns, MandateParent, StateQuery, StateSort, list_states, mandate_pages,
};
use ccm_committee::config::DatabaseConfig;
use ccm_committee::db::Db;
use ccm_committee::meetings::service::{agendas, committee_numbers, meeting_by_code};
use ccm_committee::nominations::consultation::{Consulted, consultations};
use ccm_committee::nominations::read::{NominationQuery, list};
use ccm_committee::paging::{PageArgs, Window};
use chrono::Utc;
use entity::{action_point, decision, invitation, position, state, workflow_instance};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

/// The server binary's allocator, for both the server and the floors.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const POSITIONS: &str = "{ positions { code name mandates(first: 20) { edges { node { startsOn state { name regionalGroup } } } } } }";
const MEETING: &str = "query($m: ID!) { meeting(code: \"BENCH\") { code status agenda { order title kind } } \
    nominations(first: 50, filter: { meetingId: $m }) { edges { node { state version nominee { name regionalGroup } position { code } \
    consultation { responseCount byStance { key count } byRegionalGroup { key count } policyMet unmet } } } } }";
const STATES: &str = "{ states(first: 100) { edges { node { code name mandates(first: 5) { edges { node { startsOn position { code } } } } } } } }";

const RECORD: &str = "{ meeting(code: \"BENCHCC\") { code number invitations { capacity attendance delegates label } \
    agenda { order title kind decisions { kind text } actionPoints { text dueOn status } } } }";

const TOPICS: &str = "{ topics(first: 20) { edges { node { title state version documents { symbol } \
    placements { purpose outcome meeting { code } } history { event to } } } } }";

const REPORT: &str = "query($m: ID!) { progressReport(meetingId: $m) { periodStartsOn areas { position { code } \
    counts { rating count } objectives { objective { text actions { number } } rating { rating } } } } }";

const CLIENTS: usize = 32;
const ROUND: Duration = Duration::from_secs(4);
/// Interleaved rounds per side (`CCM_BENCH_ROUNDS`; 0 checks the answers
/// and counts the statements only).
fn rounds() -> usize {
    std::env::var("CCM_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}
const MANDATES: usize = 5_000;

/// The States that nominate and respond (States Parties in the reference data).
const PARTIES: [&str; 36] = [
    "NOR", "SWE", "IRL", "AUT", "CHE", "MEX", "CHL", "ZMB", "GHA", "PHL", "LAO", "HRV", "DEU",
    "FRA", "ESP", "ITA", "NZL", "JPN", "GBR", "BEL", "NLD", "PRT", "ECU", "PER", "SEN", "MOZ",
    "MWI", "BFA", "AFG", "IRQ", "LBN", "CRI", "GTM", "HND", "SLV", "PAN",
];

/// What the floors read from.
#[derive(Clone)]
struct Floor {
    db: Db,
}

/// `positions`: the positions, the first 20 mandates of each through the
/// index (`committee::service::mandate_pages`), their States.
async fn positions_floor(State(floor): State<Floor>) -> axum::Json<Value> {
    let db = &floor.db;
    let positions = position::Entity::find()
        .order_by_asc(position::Column::SortOrder)
        .order_by_asc(position::Column::Id)
        .all(&db.conn)
        .await
        .expect("positions");
    let parents: Vec<MandateParent> = positions
        .iter()
        .map(|p| MandateParent::Position(p.id))
        .collect();
    let pages = mandate_pages(
        db,
        &parents,
        Window {
            offset: 0,
            limit: 20,
        },
        MandateColumns::ALWAYS,
    )
    .await
    .expect("pages");
    let states = states_by_code(db, pages.values().flatten().map(|m| m.state_iso3.clone())).await;
    let out: Vec<Value> = positions
        .iter()
        .map(|p| {
            let edges: Vec<Value> = pages
                .get(&MandateParent::Position(p.id))
                .into_iter()
                .flatten()
                .map(|m| {
                    let s = &states[&m.state_iso3];
                    json!({ "node": { "startsOn": m.starts_on, "state": {
                        "name": s.name, "regionalGroup": s.un_regional_group } } })
                })
                .collect();
            json!({ "code": p.code, "name": p.name, "mandates": { "edges": edges } })
        })
        .collect();
    axum::Json(json!({ "data": { "positions": out } }))
}

async fn states_by_code(
    db: &Db,
    codes: impl Iterator<Item = String>,
) -> HashMap<String, state::Model> {
    state::Entity::find()
        .filter(state::Column::Iso3.is_in(codes.collect::<Vec<_>>()))
        .all(&db.conn)
        .await
        .expect("states")
        .into_iter()
        .map(|s| (s.iso3.clone(), s))
        .collect()
}

async fn positions_by_id(db: &Db, ids: impl Iterator<Item = i32>) -> HashMap<i32, position::Model> {
    position::Entity::find()
        .filter(position::Column::Id.is_in(ids.collect::<Vec<_>>()))
        .all(&db.conn)
        .await
        .expect("positions")
        .into_iter()
        .map(|p| (p.id, p))
        .collect()
}

/// `meeting`: the meeting by code, its agenda, a page of its nominations
/// (`nominations::read::list`: a count and the page), their workflow
/// instances, nominees and positions, and their consultations
/// (`nominations::consultation::consultations`).
async fn meeting_floor(State(floor): State<Floor>) -> axum::Json<Value> {
    let db = &floor.db;
    let meeting = meeting_by_code(db, "BENCH")
        .await
        .expect("meeting")
        .expect("BENCH");
    let agenda = agendas(db, &[meeting.id]).await.expect("agenda");
    let query = NominationQuery {
        states: Vec::new(),
        position_code: None,
        state_code: None,
        meeting_id: Some(meeting.id),
    };
    let (_, _, nominations) = list(db, &query, &PageArgs::new(Some(50), None, None, None))
        .await
        .expect("nominations");
    let instances: HashMap<i64, workflow_instance::Model> = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::Id.is_in(nominations.iter().map(|n| n.id)))
        .all(&db.conn)
        .await
        .expect("instances")
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let states = states_by_code(db, nominations.iter().map(|n| n.state_iso3.clone())).await;
    let positions = positions_by_id(db, nominations.iter().map(|n| n.position_id)).await;
    let consulted: Vec<Consulted> = nominations.iter().map(Consulted::from).collect();
    let tallies = consultations(&db.conn, &consulted, Utc::now().date_naive())
        .await
        .expect("consultations");
    let counts = |map: &std::collections::BTreeMap<String, usize>| -> Vec<Value> {
        map.iter()
            .map(|(k, c)| json!({ "key": k, "count": c }))
            .collect()
    };
    let edges: Vec<Value> = nominations
        .iter()
        .map(|n| {
            let (instance, nominee) = (&instances[&n.id], &states[&n.state_iso3]);
            let tally = &tallies[&n.id].1;
            json!({ "node": {
                "state": instance.state, "version": instance.version,
                "nominee": { "name": nominee.name, "regionalGroup": nominee.un_regional_group },
                "position": { "code": positions[&n.position_id].code },
                "consultation": {
                    "responseCount": tally.responses,
                    "byStance": counts(&tally.by_stance),
                    "byRegionalGroup": counts(&tally.by_regional_group),
                    "policyMet": tally.policy_met(),
                    "unmet": tally.unmet,
                } } })
        })
        .collect();
    let agenda: Vec<Value> = agenda
        .iter()
        .map(|a| json!({ "order": a.item_order, "title": a.title, "kind": a.kind }))
        .collect();
    axum::Json(json!({ "data": {
        "meeting": { "code": meeting.code, "status": meeting.status, "agenda": agenda },
        "nominations": { "edges": edges } } }))
}

/// `states`: a page of 100 States by name (`committee::service::list_states`:
/// a count and the page), the first 5 mandates of each through the index,
/// their positions.
async fn states_floor(State(floor): State<Floor>) -> axum::Json<Value> {
    let db = &floor.db;
    let query = StateQuery {
        regional_group: None,
        has_regional_group: None,
        relation: None,
        search: None,
    };
    let (_, _, states) = list_states(
        db,
        &query,
        StateSort::Name,
        sea_orm::Order::Asc,
        &PageArgs::new(Some(100), None, None, None),
    )
    .await
    .expect("states");
    let parents: Vec<MandateParent> = states
        .iter()
        .map(|s| MandateParent::State(s.iso3.clone()))
        .collect();
    let pages = mandate_pages(
        db,
        &parents,
        Window {
            offset: 0,
            limit: 5,
        },
        MandateColumns::ALWAYS,
    )
    .await
    .expect("pages");
    let positions = positions_by_id(db, pages.values().flatten().map(|m| m.position_id)).await;
    let edges: Vec<Value> = states
        .iter()
        .map(|s| {
            let mandates: Vec<Value> = pages
                .get(&MandateParent::State(s.iso3.clone()))
                .into_iter()
                .flatten()
                .map(|m| {
                    json!({ "node": { "startsOn": m.starts_on,
                    "position": { "code": positions[&m.position_id].code } } })
                })
                .collect();
            json!({ "node": { "code": s.iso3, "name": s.name, "mandates": { "edges": mandates } } })
        })
        .collect();
    axum::Json(json!({ "data": { "states": { "edges": edges } } }))
}

/// 32 clients for one round: requests per second and p99 latency.
async fn round(client: &reqwest::Client, url: &str, body: &Arc<Value>) -> (f64, Duration) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (client, url, body) = (client.clone(), url.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < ROUND {
                let sent = Instant::now();
                let response = client.post(&url).json(&*body).send().await.expect("post");
                assert!(response.status().is_success());
                let _ = response.bytes().await.expect("body");
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("client"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let p99 = all[((all.len() as f64 - 1.0) * 0.99) as usize];
    (all.len() as f64 / elapsed, p99)
}

async fn post_json(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> Value {
    let mut request = client.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json")
}

/// Through the API: the meeting BENCH, 32 nominations before it in
/// consultation (16 States, two positions), 20 responses to each. Returns
/// the meeting's ID.
async fn nominations_in_consultation(client: &reqwest::Client, url: &str) -> Value {
    let mint = common::dev_token;
    let presidency = mint("bench-isu", Role::Presidency, None);
    let call = async |token: &str, query: &str, vars: Value| -> Value {
        let body = post_json(
            client,
            url,
            Some(token),
            &json!({ "query": query, "variables": vars }),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    };
    let meeting = call(&presidency,
        "mutation { scheduleMeeting(input: { code: \"BENCH\", kind: MSP, startsOn: \"2030-09-10\", endsOn: \"2030-09-13\" }) { id } }",
        json!({})).await["scheduleMeeting"]["id"].clone();
    let stances = ["SUPPORT", "NO_OBJECTION", "OBJECTION", "ABSTAIN"];
    for code in &PARTIES[..16] {
        let delegate = mint(&format!("bench-{code}"), Role::Delegate, Some(code));
        for position in ["UNIVERSALIZATION", "CLEARANCE"] {
            let n = call(&delegate,
                "mutation($i: ProposeNominationInput!) { proposeNomination(input: $i) { id version } }",
                json!({ "i": { "position": position, "state": code, "meetingId": meeting } })).await["proposeNomination"].clone();
            let n = call(
                &delegate,
                "mutation($i: TransitionInput!) { submitNomination(input: $i) { id version } }",
                json!({ "i": { "nominationId": n["id"], "expectedVersion": n["version"] } }),
            )
            .await["submitNomination"]
                .clone();
            let n = call(&presidency,
                "mutation($i: OpenConsultationInput!) { openConsultation(input: $i) { id version } }",
                json!({ "i": { "nominationId": n["id"], "expectedVersion": n["version"] } })).await["openConsultation"].clone();
            for (i, responder) in PARTIES[16..].iter().enumerate() {
                let token = mint(
                    &format!("bench-{responder}"),
                    Role::Delegate,
                    Some(responder),
                );
                call(&token,
                    "mutation($i: ConsultationResponseInput!) { recordConsultationResponse(input: $i) { id } }",
                    json!({ "i": { "nominationId": n["id"], "stance": stances[(i + code.len()) % 4] } })).await;
            }
        }
    }
    meeting
}

/// `record`: the statements the server runs for a meeting's record, through
/// the same service functions and the same `IN (...)` reads as its loaders.
async fn record_floor(State(floor): State<Floor>) -> axum::Json<Value> {
    let db = &floor.db;
    let meeting = meeting_by_code(db, "BENCHCC")
        .await
        .expect("meeting")
        .expect("BENCHCC");
    let numbers = committee_numbers(db, &[meeting.id]).await.expect("number");
    let mut invitations = ccm_committee::meetings::invitations::of_meetings(db, &[meeting.id])
        .await
        .expect("invitations");
    let rank = |c: &str| match c {
        "MEMBER" => 0,
        "OBSERVER" => 1,
        "SECRETARIAT" => 2,
        _ => 3,
    };
    invitations.sort_by_key(|i| (rank(&i.capacity), i.party.clone()));
    let states = states_by_code(db, invitations.iter().filter_map(|i| i.state_iso3.clone())).await;
    let agenda = agendas(db, &[meeting.id]).await.expect("agenda");
    let ids: Vec<i32> = agenda.iter().map(|a| a.id).collect();
    let decisions = decision::Entity::find()
        .filter(decision::Column::AgendaItemId.is_in(ids.clone()))
        .order_by_asc(decision::Column::Id)
        .all(&db.conn)
        .await
        .expect("decisions");
    let points = action_point::Entity::find()
        .filter(action_point::Column::AgendaItemId.is_in(ids))
        .order_by_asc(action_point::Column::Id)
        .all(&db.conn)
        .await
        .expect("points");
    let follow_up = ccm_committee::action_points::service::follow_up(db, &[meeting.id])
        .await
        .expect("follow-up");
    let label = |i: &invitation::Model| -> String {
        match (&i.state_iso3, &i.organization_code) {
            (Some(code), _) => states.get(code).map_or(code.clone(), |s| s.name.clone()),
            (None, Some(code)) => code.clone(),
            (None, None) => match (&i.guest_name, &i.guest_affiliation) {
                (Some(n), Some(a)) => format!("{n} ({a})"),
                (Some(n), None) => n.clone(),
                _ => String::new(),
            },
        }
    };
    let point =
        |p: &action_point::Model| json!({ "text": p.text, "dueOn": p.due_on, "status": p.status });
    let items: Vec<Value> = agenda
        .iter()
        .map(|a| {
            let listed: Vec<Value> = if a.kind == "ACTION_POINTS_FOLLOW_UP" {
                follow_up[&meeting.id].iter().map(point).collect()
            } else {
                points
                    .iter()
                    .filter(|p| p.agenda_item_id == a.id)
                    .map(point)
                    .collect()
            };
            json!({ "order": a.item_order, "title": a.title, "kind": a.kind,
                "decisions": decisions.iter().filter(|d| d.agenda_item_id == a.id)
                    .map(|d| json!({ "kind": d.kind, "text": d.text })).collect::<Vec<_>>(),
                "actionPoints": listed })
        })
        .collect();
    let invited: Vec<Value> = invitations
        .iter()
        .map(|i| {
            json!({ "capacity": i.capacity, "attendance": i.attendance, "delegates": i.delegates,
                "label": label(i) })
        })
        .collect();
    axum::Json(json!({ "data": { "meeting": { "code": meeting.code,
        "number": numbers.get(&meeting.id), "invitations": invited, "agenda": items } } }))
}

/// `topics`: the page of topics (`topics::service::list`: a count and the
/// page), their instances, documents, placements with their meetings, and
/// histories: one `IN (...)` read each.
async fn topics_floor(State(floor): State<Floor>) -> axum::Json<Value> {
    use entity::{meeting, topic_document, topic_placement, workflow_history};
    let db = &floor.db;
    let query = ccm_committee::topics::service::TopicQuery::default();
    let (_, _, topics) = ccm_committee::topics::service::list(
        db,
        &query,
        &PageArgs::new(Some(20), None, None, None),
    )
    .await
    .expect("topics");
    let ids: Vec<i64> = topics.iter().map(|t| t.id).collect();
    let instances: HashMap<i64, workflow_instance::Model> = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::Id.is_in(ids.clone()))
        .all(&db.conn)
        .await
        .expect("instances")
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let documents = topic_document::Entity::find()
        .filter(topic_document::Column::TopicId.is_in(ids.clone()))
        .order_by_asc(topic_document::Column::Id)
        .all(&db.conn)
        .await
        .expect("documents");
    let placements = topic_placement::Entity::find()
        .filter(topic_placement::Column::TopicId.is_in(ids.clone()))
        .order_by_asc(topic_placement::Column::Id)
        .all(&db.conn)
        .await
        .expect("placements");
    let meetings: HashMap<i32, meeting::Model> = meeting::Entity::find()
        .filter(meeting::Column::Id.is_in(placements.iter().map(|p| p.meeting_id)))
        .all(&db.conn)
        .await
        .expect("meetings")
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let history = workflow_history::Entity::find()
        .filter(workflow_history::Column::InstanceId.is_in(ids))
        .order_by_asc(workflow_history::Column::InstanceId)
        .order_by_asc(workflow_history::Column::Seq)
        .all(&db.conn)
        .await
        .expect("history");
    let edges: Vec<Value> = topics
        .iter()
        .map(|t| {
            let instance = &instances[&t.id];
            json!({ "node": { "title": t.title, "state": instance.state, "version": instance.version,
                "documents": documents.iter().filter(|d| d.topic_id == t.id)
                    .map(|d| json!({ "symbol": d.symbol })).collect::<Vec<_>>(),
                "placements": placements.iter().filter(|p| p.topic_id == t.id)
                    .map(|p| json!({ "purpose": p.purpose, "outcome": p.outcome,
                        "meeting": { "code": meetings[&p.meeting_id].code } })).collect::<Vec<_>>(),
                "history": history.iter().filter(|h| h.instance_id == t.id)
                    .map(|h| json!({ "event": h.event, "to": h.to_state })).collect::<Vec<_>>() } })
        })
        .collect();
    axum::Json(json!({ "data": { "topics": { "edges": edges } } }))
}

/// `report`: the report the server compiles (`work_plans::read::report`,
/// the same function), the actions of its objectives, and the JSON.
async fn report_floor(State(floor): State<Floor>, body: axum::Json<Value>) -> axum::Json<Value> {
    use entity::{action_plan_action, objective_action};
    let db = &floor.db;
    let id = ccm_committee::graphql::ids::GlobalId::meeting(
        body["variables"]["m"].as_str().expect("the meeting"),
    )
    .expect("an ID");
    let report = ccm_committee::work_plans::read::report(&db.conn, id)
        .await
        .expect("report")
        .expect("a meeting");
    let objectives: Vec<i32> = report
        .areas
        .iter()
        .flat_map(|a| a.objectives.iter().map(|o| o.objective.id))
        .collect();
    let links = objective_action::Entity::find()
        .filter(objective_action::Column::ObjectiveId.is_in(objectives))
        .all(&db.conn)
        .await
        .expect("links");
    let actions: HashMap<i32, action_plan_action::Model> = action_plan_action::Entity::find()
        .filter(action_plan_action::Column::Id.is_in(links.iter().map(|l| l.action_id)))
        .all(&db.conn)
        .await
        .expect("actions")
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let areas: Vec<Value> = report
        .areas
        .iter()
        .map(|a| {
            let counts: Vec<Value> = a
                .counts()
                .into_iter()
                .map(|(r, n)| json!({ "rating": r.map(|r| r.as_str()), "count": n }))
                .collect();
            let objectives: Vec<Value> = a
                .objectives
                .iter()
                .map(|o| {
                    let mut numbers: Vec<i32> = links
                        .iter()
                        .filter(|l| l.objective_id == o.objective.id)
                        .map(|l| actions[&l.action_id].number)
                        .collect();
                    numbers.sort_unstable();
                    json!({ "objective": { "text": o.objective.text,
                        "actions": numbers.iter().map(|n| json!({ "number": n })).collect::<Vec<_>>() },
                        "rating": o.rating.as_ref().map(|r| json!({ "rating": r.rating })) })
                })
                .collect();
            json!({ "position": { "code": a.position.code }, "counts": counts, "objectives": objectives })
        })
        .collect();
    axum::Json(json!({ "data": { "progressReport": {
        "periodStartsOn": report.starts_on, "areas": areas } } }))
}

/// Through the API: 20 topics with a document each placed before a
/// committee meeting, and 8 published work plans over 4 areas (3 objectives
/// each, rated) reported to the meeting BENCHMSP. Returns its ID.
async fn topics_and_plans(client: &reqwest::Client, url: &str) -> Value {
    let presidency = common::dev_token("bench-isu", Role::Presidency, None);
    let call = async |query: &str, vars: Value| -> Value {
        let body = post_json(
            client,
            url,
            Some(&presidency),
            &json!({ "query": query, "variables": vars }),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    };
    let cc = call(
        "mutation { scheduleMeeting(input: { code: \"BENCHTOPICS\", kind: COORDINATION_COMMITTEE, startsOn: \"2030-01-10\", endsOn: \"2030-01-10\" }) { id } }",
        json!({}),
    )
    .await["scheduleMeeting"]["id"]
        .clone();
    let msp = call(
        "mutation { scheduleMeeting(input: { code: \"BENCHMSP\", kind: MSP, startsOn: \"2026-09-14\", endsOn: \"2026-09-17\" }) { id } }",
        json!({}),
    )
    .await["scheduleMeeting"]["id"]
        .clone();
    let areas = [
        "UNIVERSALIZATION",
        "CLEARANCE",
        "VICTIM_ASSISTANCE",
        "STOCKPILE_DESTRUCTION",
    ];
    for n in 0..20 {
        let t = call(
            "mutation($i: ProposeTopicInput!) { proposeTopic(input: $i) { id version } }",
            json!({ "i": { "title": format!("Topic {n}"), "description": "A topic for discussion by all.",
                "area": areas[n % 4], "documents": [{ "title": "Concept note", "kind": "CONCEPT_NOTE",
                "symbol": format!("CCM/CC/2030/CRP.{n}"), "language": "en", "url": "https://www.clusterconvention.org/" }] } }),
        )
        .await["proposeTopic"]
            .clone();
        call(
            "mutation($i: PlaceTopicInput!) { placeTopicForConsideration(input: $i) { id } }",
            json!({ "i": { "topicId": t["id"], "expectedVersion": t["version"], "meetingId": cc } }),
        )
        .await;
    }
    for n in 0..8 {
        let objectives: Vec<Value> = (0..3)
            .map(|k| json!({ "text": format!("Objective {k}"), "actions": [10 + k, 20 + n] }))
            .collect();
        let plan = call(
            "mutation($i: CreateWorkPlanInput!) { createWorkPlan(input: $i) { id version objectives { id } } }",
            json!({ "i": { "position": areas[n as usize % 4], "startsOn": format!("2025-10-{:02}", n + 1),
                "endsOn": "2026-09-30", "title": format!("Plan {n}"), "objectives": objectives } }),
        )
        .await["createWorkPlan"]
            .clone();
        let mut version = call(
            "mutation($i: PublishWorkPlanInput!) { publishWorkPlan(input: $i) { version } }",
            json!({ "i": { "workPlanId": plan["id"], "expectedVersion": plan["version"] } }),
        )
        .await["publishWorkPlan"]["version"]
            .clone();
        for (k, o) in plan["objectives"]
            .as_array()
            .expect("objectives")
            .iter()
            .enumerate()
        {
            let rating = ["ON_TRACK", "DELAYED", "ACHIEVED"][k % 3];
            version = call(
                "mutation($i: RateObjectiveInput!) { rateObjective(input: $i) { version } }",
                json!({ "i": { "objectiveId": o["id"], "expectedVersion": version, "rating": rating,
                    "note": "As planned", "ratedOn": "2026-06-01" } }),
            )
            .await["rateObjective"]["version"]
                .clone();
        }
    }
    msp
}

/// Through the API: the committee meeting BENCHCC, today, in session, its
/// agenda adopted, 20 decisions and 20 action points, 10 guests invited,
/// attendance recorded.
async fn committee_record(client: &reqwest::Client, url: &str) {
    let presidency = common::dev_token("bench-isu", Role::Presidency, None);
    let call = async |query: &str, vars: Value| -> Value {
        let body = post_json(
            client,
            url,
            Some(&presidency),
            &json!({ "query": query, "variables": vars }),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    };
    let today = Utc::now().date_naive().to_string();
    let m = call(
        "mutation($d: Date) { scheduleMeeting(input: { code: \"BENCHCC\", kind: COORDINATION_COMMITTEE, startsOn: $d, endsOn: $d, startTime: \"15:00\", timeZone: \"Europe/Zurich\" }) { id version } }",
        json!({ "d": today }),
    )
    .await["scheduleMeeting"]
        .clone();
    let id = m["id"].clone();
    for n in 0..10 {
        call(
            "mutation($m: ID!, $g: String!) { inviteToMeeting(input: { meetingId: $m, guestName: $g, guestAffiliation: \"GICHD\" }) { id } }",
            json!({ "m": id, "g": format!("Guest {n}") }),
        )
        .await;
    }
    let version = call(
        "mutation($m: ID!, $v: Int!) { openMeeting(input: { meetingId: $m, expectedVersion: $v }) { version } }",
        json!({ "m": id, "v": m["version"] }),
    )
    .await["openMeeting"]["version"]
        .clone();
    let adopted = call(
        "mutation($m: ID!, $v: Int!) { adoptAgenda(input: { meetingId: $m, expectedVersion: $v, additionalItems: [\"Preparation of the next meeting\"] }) { version agenda { id } } }",
        json!({ "m": id, "v": version }),
    )
    .await["adoptAgenda"]
        .clone();
    let items = adopted["agenda"].as_array().expect("agenda").clone();
    let mut version = adopted["version"].clone();
    for n in 0..20 {
        let item = &items[n % items.len()]["id"];
        call(
            "mutation($i: ID!, $v: Int!, $t: String!) { recordDecision(input: { agendaItemId: $i, expectedVersion: $v, kind: TOOK_NOTE, text: $t }) { id } }",
            json!({ "i": item, "v": version, "t": format!("The committee took note of report {n}.") }),
        )
        .await;
        version = json!(version.as_i64().expect("version") + 1);
        call(
            "mutation($i: ID!, $t: String!, $d: Date!) { addActionPoint(input: { agendaItemId: $i, text: $t, owner: { isu: true }, dueOn: $d }) { id } }",
            json!({ "i": item, "t": format!("Follow up on report {n}"), "d": today }),
        )
        .await;
    }
    call(
        "mutation($m: ID!, $v: Int!) { recordAttendance(input: { meetingId: $m, expectedVersion: $v, entries: [] }) { version } }",
        json!({ "m": id, "v": version }),
    )
    .await;
}

async fn compare(label: &str, url: String, shapes: &[&str]) {
    let db = Db::connect(&DatabaseConfig::new(url.clone()))
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    ccm_committee::reference::load(&db, Utc::now())
        .await
        .expect("seed");
    common::add_mandates(&db, MANDATES, 3000).await;

    let (addr, counted) = common::serve_here(url.clone()).await;
    let server = format!("http://{addr}/graphql");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let meeting = nominations_in_consultation(&client, &server).await;
    if shapes.contains(&"record") {
        committee_record(&client, &server).await;
    }
    let report_meeting = if shapes.iter().any(|s| ["topics", "report"].contains(s)) {
        topics_and_plans(&client, &server).await
    } else {
        Value::Null
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let floor_addr = listener.local_addr().expect("addr");
    let router = axum::Router::new()
        .route("/positions", post(positions_floor))
        .route("/meeting", post(meeting_floor))
        .route("/states", post(states_floor))
        .route("/record", post(record_floor))
        .route("/topics", post(topics_floor))
        .route("/report", post(report_floor))
        .with_state(Floor { db: db.clone() });
    tokio::spawn(async move { axum::serve(listener, router).await });

    for shape in shapes {
        let query = match *shape {
            "positions" => json!({ "query": POSITIONS }),
            "meeting" => json!({ "query": MEETING, "variables": { "m": meeting } }),
            "states" => json!({ "query": STATES }),
            "record" => json!({ "query": RECORD }),
            "topics" => json!({ "query": TOPICS }),
            "report" => json!({ "query": REPORT, "variables": { "m": report_meeting } }),
            other => panic!("no shape `{other}`"),
        };
        let body = Arc::new(query);
        let floor_url = format!("http://{floor_addr}/{shape}");
        // The same answer from both, and the statements each runs (once the
        // fan-out has read what the set-up logged).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = counted.statement_count();
        let ours = post_json(&client, &server, None, &body).await;
        let ours_statements = counted.statement_count() - before;
        let before = db.statement_count();
        let theirs = post_json(&client, &floor_url, None, &body).await;
        let floor_statements = db.statement_count() - before;
        assert_eq!(ours, theirs, "{shape}: the server and the floor disagree");

        if rounds() == 0 {
            println!(
                "{label} {shape}: statements per request {ours_statements} (the floor: {floor_statements})"
            );
            continue;
        }
        let (mut ours_rps, mut floor_rps, mut ours_p99, mut floor_p99) =
            (vec![], vec![], vec![], vec![]);
        for _ in 0..rounds() {
            let (rps, p99) = round(&client, &server, &body).await;
            ours_rps.push(rps);
            ours_p99.push(p99);
            let (rps, p99) = round(&client, &floor_url, &body).await;
            floor_rps.push(rps);
            floor_p99.push(p99);
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let median_d = |mut v: Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        let (o, f) = (median(ours_rps), median(floor_rps));
        println!(
            "{label} {shape}: ccm-committee {o:.0} req/s (p99 {:.0} ms), floor {f:.0} req/s (p99 {:.0} ms), ratio {:.2}x; statements per request {ours_statements} (the floor: {floor_statements})",
            median_d(ours_p99).as_secs_f64() * 1e3,
            median_d(floor_p99).as_secs_f64() * 1e3,
            o / f
        );
    }
}

/// Runs a command to its end; its standard output, or a panic saying what failed.
fn run(command: &mut std::process::Command) -> String {
    let out = command.output().expect("a command runs");
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `wrk -t2 -c32 -d5s --latency -s SCRIPT URL`: requests per second and p99 in ms.
fn wrk(script: &std::path::Path, url: &str) -> (f64, f64) {
    let out = run(std::process::Command::new("wrk")
        .args(["-t2", "-c32", "-d5s", "--latency", "-s"])
        .arg(script)
        .arg(url));
    let rps = out
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("wrk printed no rate:\n{out}"));
    let p99 = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| {
            let v = v.trim();
            let (n, unit) =
                v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
            let n: f64 = n.parse().unwrap_or(f64::NAN);
            match unit {
                "us" => n / 1e3,
                "s" => n * 1e3,
                _ => n,
            }
        })
        .unwrap_or(f64::NAN);
    (rps, p99)
}

/// Waits until `url` answers a GET.
async fn wait_for(url: &str) {
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if client.get(url).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} never answered");
}

/// The nested read and `{ __typename }` against `../shared/bench`'s floor.
async fn true_floor() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::env::var("CCM_FLOOR_SOURCE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| here.join("../shared/bench"));
    if std::env::var("CCM_BENCH_TRUE_FLOOR").as_deref() == Ok("off") {
        return;
    }
    if !source.join("floor-main.rs").exists() {
        println!("true floor: skipped, no {}", source.display());
        return;
    }
    if std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("true floor: skipped, `wrk` is not installed (apt-get install wrk)");
        return;
    }
    // The floor, built from its own folder with the project's lock file.
    let build = here.join("target/true-floor");
    std::fs::create_dir_all(build.join("src")).expect("folder");
    std::fs::copy(source.join("floor-main.rs"), build.join("src/main.rs")).expect("copy");
    // A crate of its own, outside this workspace.
    let manifest = std::fs::read_to_string(source.join("floor-Cargo.toml")).expect("manifest");
    std::fs::write(
        build.join("Cargo.toml"),
        format!("{manifest}\n[workspace]\n"),
    )
    .expect("manifest");
    std::fs::copy(here.join("Cargo.lock"), build.join("Cargo.lock")).expect("copy");
    // The toolchain's own rustc, beside its cargo: a rustup proxy would pick
    // the toolchain of whatever crate it compiles (one pins an old one) when
    // this benchmark runs outside `cargo bench`.
    let cargo = std::path::Path::new(env!("CARGO"));
    let rustc = cargo.with_file_name("rustc");
    let mut build_floor = std::process::Command::new(cargo);
    build_floor
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(build.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", build.join("target"));
    if rustc.exists() {
        build_floor.env("RUSTC", rustc);
    }
    run(&mut build_floor);
    let floor_binary = build.join("target/release/ccm-floor");

    // One database: the server's first start (schema and reference data), then the seed.
    let scratch = common::Scratch::postgres().await;
    let dir = tempfile::tempdir().expect("dir");
    let (server, port) = common::spawn_binary(
        env!("CARGO_BIN_EXE_ccm-committee"),
        dir.path(),
        &[("DATABASE_URL", &scratch.url)],
    )
    .await;
    // `CCM_BENCH_PREVIOUS`: a previous build of the server, measured in the
    // same rounds on the same database (the baseline of a change).
    let previous = match std::env::var("CCM_BENCH_PREVIOUS") {
        Ok(binary) if !binary.is_empty() => {
            let dir = tempfile::tempdir().expect("dir");
            let (child, port) =
                common::spawn_binary(&binary, dir.path(), &[("DATABASE_URL", &scratch.url)]).await;
            Some((child, port, dir))
        }
        _ => None,
    };
    let seed = std::fs::read_to_string(source.join("seed-pg.sql")).expect("seed");
    let db = Db::connect(&DatabaseConfig::new(scratch.url.clone()))
        .await
        .expect("connect");
    use sea_orm::ConnectionTrait;
    db.conn.execute_unprepared(&seed).await.expect("seed");
    let floor_port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut floor = tokio::process::Command::new(&floor_binary)
        .env("FLOOR_DB", &scratch.url)
        .env("FLOOR_ADDR", format!("127.0.0.1:{floor_port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the floor");
    wait_for(&format!("http://127.0.0.1:{floor_port}/graphql")).await;

    let ours = format!("http://127.0.0.1:{port}/graphql");
    let theirs = format!("http://127.0.0.1:{floor_port}/graphql");
    let client = reqwest::Client::new();
    let body = json!({ "query": POSITIONS });
    let a = post_json(&client, &ours, None, &body).await;
    let b = post_json(&client, &theirs, None, &body).await;
    assert_eq!(a, b, "the server and the true floor disagree");
    let mandates: usize = a["data"]["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|p| p["mandates"]["edges"].as_array().map_or(0, Vec::len))
        .sum();
    println!("true floor: same answer (12 positions, {mandates} mandates)");

    let scripts = tempfile::tempdir().expect("dir");
    let script = |name: &str, query: &str| {
        let path = scripts.path().join(name);
        std::fs::write(
            &path,
            format!(
                "wrk.method = \"POST\"\nwrk.body = '{}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
                json!({ "query": query })
            ),
        )
        .expect("script");
        path
    };
    let nested = script("nested.lua", POSITIONS);
    let typename = script("typename.lua", "{ __typename }");
    let hello = script("hello.lua", "{ hello }");
    let stock = format!("http://127.0.0.1:{floor_port}/stock");
    // Warm both up, then interleave.
    wrk(&nested, &ours);
    wrk(&nested, &theirs);
    let before = previous
        .as_ref()
        .map(|(_, port, _)| format!("http://127.0.0.1:{port}/graphql"));
    let (mut nested_ratios, mut fixed_ratios) = (vec![], vec![]);
    let (mut nested_gains, mut fixed_gains) = (vec![], vec![]);
    for round in 1..=rounds().max(1) {
        let (o, op) = wrk(&nested, &ours);
        let (f, fp) = wrk(&nested, &theirs);
        let (t, tp) = wrk(&typename, &ours);
        let (h, hp) = wrk(&hello, &stock);
        if let Some(before) = &before {
            let (po, _) = wrk(&nested, before);
            let (pt, _) = wrk(&typename, before);
            println!(
                "previous build round {round}: nested read {po:.0} req/s ({:.2}x of the floor), {{ __typename }} {pt:.0} req/s ({:.2}x of /stock); this build {:.2}x and {:.2}x of it",
                po / f,
                pt / h,
                o / po,
                t / pt
            );
            nested_gains.push(o / po);
            fixed_gains.push(t / pt);
        }
        println!(
            "true floor round {round}: nested read {o:.0} req/s (p99 {op:.1} ms) vs the floor {f:.0} (p99 {fp:.1} ms): {:.2}x; \
             {{ __typename }} {t:.0} req/s (p99 {tp:.1} ms) vs /stock {h:.0} (p99 {hp:.1} ms): {:.2}x",
            o / f,
            t / h
        );
        nested_ratios.push(o / f);
        fixed_ratios.push(t / h);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "true floor (PostgreSQL, wrk -t2 -c32): nested read {:.2}x of the hand-written floor; {{ __typename }} {:.2}x of /stock (medians of per-round ratios)",
        median(nested_ratios),
        median(fixed_ratios)
    );
    if !nested_gains.is_empty() {
        println!(
            "this build against the previous one: nested read {:.2}x, {{ __typename }} {:.2}x (medians)",
            median(nested_gains),
            median(fixed_gains)
        );
    }
    let _ = floor.kill().await;
    drop(previous);
    drop(server);
    scratch.drop_now().await;
}

#[tokio::main]
async fn main() {
    true_floor().await;
    if std::env::var("CCM_BENCH_TRACE").is_ok() {
        // CCM_LOG=ccm_committee::sql=trace shows every statement.
        ccm_committee::telemetry::init();
    }
    let chosen = std::env::var("CCM_BENCH_SHAPES")
        .unwrap_or_else(|_| "positions,meeting,states,record,topics,report".to_owned());
    let shapes: Vec<&str> = chosen.split(',').map(str::trim).collect();
    let databases =
        std::env::var("CCM_BENCH_DATABASES").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    for database in databases.split(',').map(str::trim) {
        match database {
            "" => {}
            "sqlite" => {
                let dir = tempfile::tempdir().expect("dir");
                let url = format!("sqlite://{}", dir.path().join("nested.db").display());
                compare("SQLite", url, &shapes).await;
            }
            "postgres" => {
                let scratch = common::Scratch::postgres().await;
                compare("PostgreSQL", scratch.url.clone(), &shapes).await;
                scratch.drop_now().await;
            }
            other => panic!("no database `{other}`"),
        }
    }
}
