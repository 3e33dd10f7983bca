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
//! Each floor is a plain axum handler that runs the statements the server
//! runs, through the same service functions (so the same SQL), and writes
//! the same JSON. Both serve from this process on the same database (the
//! reference data, 5,000 mandates over the 12 positions and 125 States, and
//! 32 nominations in consultation before one meeting with 20 responses each),
//! loaded by 32 concurrent clients, in interleaved rounds; the ratio of
//! throughputs is the figure that survives a noisy machine. Before timing,
//! each shape's answer from the server must equal the floor's.
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
    MandateParent, StateQuery, StateSort, list_states, mandate_pages,
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

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let floor_addr = listener.local_addr().expect("addr");
    let router = axum::Router::new()
        .route("/positions", post(positions_floor))
        .route("/meeting", post(meeting_floor))
        .route("/states", post(states_floor))
        .route("/record", post(record_floor))
        .with_state(Floor { db: db.clone() });
    tokio::spawn(async move { axum::serve(listener, router).await });

    for shape in shapes {
        let query = match *shape {
            "positions" => json!({ "query": POSITIONS }),
            "meeting" => json!({ "query": MEETING, "variables": { "m": meeting } }),
            "states" => json!({ "query": STATES }),
            "record" => json!({ "query": RECORD }),
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

#[tokio::main]
async fn main() {
    if std::env::var("CCM_BENCH_TRACE").is_ok() {
        // CCM_LOG=ccm_committee::sql=trace shows every statement.
        ccm_committee::telemetry::init();
    }
    let chosen = std::env::var("CCM_BENCH_SHAPES")
        .unwrap_or_else(|_| "positions,meeting,states,record".to_owned());
    let shapes: Vec<&str> = chosen.split(',').map(str::trim).collect();
    let databases =
        std::env::var("CCM_BENCH_DATABASES").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    for database in databases.split(',').map(str::trim) {
        match database {
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
