//! What a second attack on the server found, each as a specification: a busy
//! embedded database is never INTERNAL, a request cancelled half-way leaves
//! no transaction open, a database that drops its connections is
//! UNAVAILABLE (503, Retry-After), and a unique index that decides a race
//! answers what it means.

use std::time::Duration;

use ccm_committee::auth::Role;
use futures_util::future::join_all;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app, token};

const SCHEDULE: &str =
    "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { id code city } }";

/// A Meeting of States Parties scheduled through the API, as the President's office would.
async fn schedule(app: &TestApp, code: &str) -> Value {
    let presidency = token("isu-officer", Role::Presidency, None);
    let input = json!({ "code": code, "kind": "MSP", "startsOn": "2027-09-13",
                        "endsOn": "2027-09-16", "city": "Geneva" });
    app.as_ok(&presidency, SCHEDULE, json!({ "input": input }))
        .await["scheduleMeeting"]["id"]
        .clone()
}

/// The code of each error in `body` (none for a success).
fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// One delegation's round: propose its State, submit, withdraw; half of the
/// rounds with idempotency keys. Returns every answer.
async fn rounds(app: &TestApp, state: &str, meeting: &Value, keyed: bool, n: usize) -> Vec<Value> {
    let who = token(&format!("{state}-delegate"), Role::Delegate, Some(state));
    let mut answers = Vec::new();
    for round in 0..n {
        let key = |step: &str| keyed.then(|| format!("{state}-{round}-{step}"));
        let (_, body) = app
            .post_as(
                &who,
                "mutation($input: ProposeNominationInput!) { proposeNomination(input: $input) { id version } }",
                json!({ "input": { "position": "UNIVERSALIZATION", "state": state,
                                   "meetingId": meeting, "idempotencyKey": key("propose") } }),
            )
            .await;
        let nomination = body["data"]["proposeNomination"].clone();
        answers.push(body);
        if nomination.is_null() {
            continue;
        }
        let mut version = nomination["version"].clone();
        for mutation in ["submitNomination", "withdrawNomination"] {
            let (_, body) = app
                .post_as(
                    &who,
                    &format!("mutation($input: TransitionInput!) {{ {mutation}(input: $input) {{ version }} }}"),
                    json!({ "input": { "nominationId": nomination["id"], "expectedVersion": version,
                                       "idempotencyKey": key(mutation) } }),
                )
                .await;
            version = body["data"][mutation]["version"].clone();
            answers.push(body);
        }
    }
    answers
}

/// Twelve delegations write at once, half with keys: the keyed answers are
/// kept through the same write path as every other write, so a busy
/// embedded database makes writers wait, never fail.
async fn keyed_and_unkeyed_writes_together_never_answer_internal(backend: Backend) {
    let app = spawn_app(backend).await;
    let meeting = schedule(&app, "14MSP").await;
    let states = [
        "NOR", "ZMB", "GHA", "SEN", "LAO", "AFG", "PHL", "HRV", "ALB", "MEX", "CRI", "IRL",
    ];
    let all = join_all(
        states
            .iter()
            .enumerate()
            .map(|(i, state)| rounds(&app, state, &meeting, i % 2 == 0, 6)),
    )
    .await;
    let answers: Vec<&Value> = all.iter().flatten().collect();
    assert!(answers.len() >= states.len() * 6, "{}", answers.len());
    let failed: Vec<&&Value> = answers
        .iter()
        .filter(|body| !error_codes(body).is_empty())
        .collect();
    assert!(failed.is_empty(), "writes refused: {failed:?}");
    app.stop().await;
}

/// Twenty requests schedule one code at once: one meeting, and every other
/// request hears that the code is taken (not a CONFLICT with a version).
async fn twenty_schedulings_of_one_code_make_one_meeting(backend: Backend) {
    let app = spawn_app(backend).await;
    let presidency = token("isu-officer", Role::Presidency, None);
    let input = json!({ "input": { "code": "15MSP", "kind": "MSP", "startsOn": "2028-09-11",
                                   "endsOn": "2028-09-14" } });
    let bodies = join_all((0..20).map(|_| app.post_as(&presidency, SCHEDULE, input.clone()))).await;
    let mut codes: Vec<String> = bodies
        .iter()
        .map(|(_, body)| {
            error_codes(body)
                .first()
                .cloned()
                .unwrap_or("OK".to_owned())
        })
        .collect();
    codes.sort();
    let ok = codes.iter().filter(|c| *c == "OK").count();
    assert_eq!(ok, 1, "{codes:?}");
    assert!(
        codes.iter().all(|c| c == "OK" || c == "BAD_USER_INPUT"),
        "{codes:?}"
    );
    let found = app
        .query(
            "{ meetings(filter: { yearFrom: 2028 }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(found["meetings"]["totalCount"], 1);
    app.stop().await;
}

/// A city is bounded the same when a meeting is scheduled as when it changes.
async fn a_city_has_one_bound(backend: Backend) {
    let app = spawn_app(backend).await;
    let presidency = token("isu-officer", Role::Presidency, None);
    let long = "G".repeat(201);
    let refused = app
        .as_err(
            &presidency,
            SCHEDULE,
            json!({ "input": { "code": "16MSP", "kind": "MSP", "year": 2029, "city": long } }),
        )
        .await;
    assert_eq!(refused["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
    let none = app
        .query("{ meeting(code: \"16MSP\") { id } }", json!({}))
        .await;
    assert!(none["meeting"].is_null(), "nothing stored: {none}");
    let year = app
        .as_err(
            &presidency,
            SCHEDULE,
            json!({ "input": { "code": "16MSP", "kind": "MSP", "year": 2201 } }),
        )
        .await;
    assert_eq!(year["extensions"]["code"], "BAD_USER_INPUT", "{year}");
    let at_bound = "G".repeat(200);
    let scheduled = app
        .as_ok(
            &presidency,
            SCHEDULE,
            json!({ "input": { "code": "16MSP", "kind": "MSP", "year": 2029, "city": at_bound } }),
        )
        .await;
    assert_eq!(
        scheduled["scheduleMeeting"]["city"].as_str().map(str::len),
        Some(200)
    );
    app.stop().await;
}

crate::on_both_databases!(
    keyed_and_unkeyed_writes_together_never_answer_internal,
    twenty_schedulings_of_one_code_make_one_meeting,
    a_city_has_one_bound,
);

/// Sessions of `app`'s database, by state (`active`, `idle in transaction`...).
async fn sessions_in_transaction(admin: &sea_orm::DatabaseConnection) -> i64 {
    let row = admin
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'",
        ))
        .await
        .expect("pg_stat_activity")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("count")
}

/// Clients that hang up in the middle of their proposals: every transaction
/// they started ends (committed or rolled back) before its connection is
/// used again, so no connection sits in a transaction and the writes after
/// them all succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_cancelled_half_way_leave_no_transaction_open() {
    let app = spawn_app(Backend::Postgres).await;
    let meeting = schedule(&app, "14MSP").await;
    let admin = sea_orm::Database::connect(app.database_url())
        .await
        .expect("connect");
    let q = "mutation($input: ProposeNominationInput!) { proposeNomination(input: $input) { id } }";
    let states = [
        "NOR", "ZMB", "GHA", "SEN", "LAO", "AFG", "PHL", "HRV", "ALB", "MEX",
    ];
    let positions = [
        "GENERAL_STATUS",
        "UNIVERSALIZATION",
        "STOCKPILE_DESTRUCTION",
        "CLEARANCE",
        "VICTIM_ASSISTANCE",
        "COOPERATION_ASSISTANCE",
    ];
    for (wave, position) in positions.iter().enumerate() {
        let wave = wave as u64;
        let cut_off = join_all(states.iter().enumerate().map(|(i, state)| {
            let who = token(&format!("{state}-delegate"), Role::Delegate, Some(state));
            let body = json!({ "query": q, "variables": { "input": {
                "position": position, "state": state, "meetingId": meeting,
                "idempotencyKey": format!("{state}-{wave}") } } });
            let request = app
                .client
                .post(app.url("/graphql"))
                .bearer_auth(who)
                .json(&body)
                // Hang up after 1 to 40 ms: mid-transaction for many of them.
                .timeout(Duration::from_millis(1 + (i as u64 * 7 + wave * 3) % 40))
                .send();
            async move { request.await.is_err() }
        }))
        .await;
        let _ = cut_off;
    }
    // The work of the cancelled requests finishes by itself.
    let mut open = i64::MAX;
    for _ in 0..50 {
        open = sessions_in_transaction(&admin).await;
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(open, 0, "connections left inside a transaction");
    // Everything the cancelled requests proposed is withdrawn, through the API.
    let open = app
        .query("{ nominations(filter: { states: [DRAFT] }, first: 100) { edges { node { id version nominee { code } } } } }", json!({}))
        .await;
    for edge in open["nominations"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let node = &edge["node"];
        let state = node["nominee"]["code"].as_str().expect("code");
        let who = token(&format!("{state}-delegate"), Role::Delegate, Some(state));
        app.as_ok(
            &who,
            "mutation($input: TransitionInput!) { withdrawNomination(input: $input) { id } }",
            json!({ "input": { "nominationId": node["id"], "expectedVersion": node["version"] } }),
        )
        .await;
    }
    // And every connection of the pool serves the next writes cleanly.
    let answers = join_all(
        states
            .iter()
            .map(|state| rounds(&app, state, &meeting, true, 2)),
    )
    .await;
    for body in answers.iter().flatten() {
        assert!(error_codes(body).is_empty(), "{body}");
    }
    admin.close().await.ok();
    app.stop().await;
}

/// PostgreSQL cutting every connection (as a restart does) while requests
/// wait on it: they answer UNAVAILABLE with HTTP 503 and Retry-After, never
/// INTERNAL, and the server serves the next requests by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_cuts_its_connections_is_unavailable_not_internal() {
    let app = spawn_app(Backend::Postgres).await;
    let meeting = schedule(&app, "14MSP").await;
    let admin = sea_orm::Database::connect(app.database_url())
        .await
        .expect("connect");
    // Hold the meetings table, so that the requests below wait inside the database.
    let holder = sea_orm::TransactionTrait::begin(&admin)
        .await
        .expect("begin");
    holder
        .execute_unprepared("LOCK TABLE meetings IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let presidency = token("isu-officer", Role::Presidency, None);
    let waiting = join_all((0..6).map(|i| {
        let q = if i % 2 == 0 {
            "{ meetings { totalCount } }".to_owned()
        } else {
            "mutation($input: AddAgendaItemInput!) { addAgendaItem(input: $input) { version } }"
                .to_owned()
        };
        let variables = json!({ "input": { "meetingId": meeting, "expectedVersion": 1,
                                           "title": format!("Item {i}") } });
        let request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&presidency)
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": q, "variables": variables }))
            .send();
        async move {
            let response = request.await.expect("an answer");
            let status = response.status().as_u16();
            let retry = response.headers().get("retry-after").cloned();
            let body: Value = response.json().await.expect("JSON");
            (status, retry, body)
        }
    }));
    let cut = async {
        // Let the requests reach the lock, then end every session of the
        // server's database but this one, as a restart would.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let other = sea_orm::Database::connect(crate::helpers::postgres_admin_url())
            .await
            .expect("admin");
        other
            .execute_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' \
                     AND pid <> (SELECT pid FROM pg_locks WHERE locktype = 'relation' \
                     AND mode = 'AccessExclusiveLock' AND granted LIMIT 1)",
                    app.database_url().rsplit('/').next().expect("name")
                ),
            ))
            .await
            .expect("terminate");
        other.close().await.ok();
    };
    let (answers, ()) = tokio::join!(waiting, cut);
    holder.rollback().await.ok();
    let mut unavailable = 0;
    for (status, retry, body) in &answers {
        let codes = error_codes(body);
        assert!(!codes.iter().any(|c| c == "INTERNAL"), "{body}");
        if codes.iter().any(|c| c == "UNAVAILABLE") {
            unavailable += 1;
            assert_eq!(*status, 503, "{body}");
            assert_eq!(retry.as_ref().map(|v| v.as_bytes()), Some(&b"1"[..]));
        }
    }
    assert!(
        unavailable >= 1,
        "the cut reached requests in flight: {answers:?}"
    );
    // The pool reconnects by itself.
    let after = app.query("{ meetings { totalCount } }", json!({})).await;
    assert!(
        after["meetings"]["totalCount"]
            .as_i64()
            .is_some_and(|n| n > 0)
    );
    admin.close().await.ok();
    app.stop().await;
}

/// The sessions a server holds idle in its pool are ended (a database
/// restart, an administrator): the next requests, a moment later, are
/// answered as if nothing happened. The pool does not ping a connection it
/// lent out moments ago, only one that sat idle, so this holds as long as
/// the requests come after a pause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_ended_while_idle_are_replaced_unnoticed() {
    let app = spawn_app(Backend::Postgres).await;
    // Fill the pool with several sessions, all idle once answered.
    let warm = join_all((0..6).map(|_| app.query("{ meetings { totalCount } }", json!({})))).await;
    assert!(
        warm.iter()
            .all(|d| d["meetings"]["totalCount"].as_i64() > Some(0))
    );
    let admin = sea_orm::Database::connect(crate::helpers::postgres_admin_url())
        .await
        .expect("admin");
    let name = app
        .database_url()
        .rsplit('/')
        .next()
        .expect("name")
        .to_owned();
    let ended = admin
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!(
                "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
                 WHERE datname = '{name}'"
            ),
        ))
        .await
        .expect("terminate")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("n");
    assert!(ended >= 2, "the pool held {ended} sessions");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let after = join_all((0..6).map(|_| app.query("{ meetings { totalCount } }", json!({})))).await;
    for data in &after {
        assert!(data["meetings"]["totalCount"].as_i64() > Some(0), "{data}");
    }
    admin.close().await.ok();
    app.stop().await;
}

/// One generated write: a delegation's proposal, submission and withdrawal,
/// with or without keys, sent once or twice at the same moment.
type Write = (usize, bool, bool);

/// One write of the property below; returns every answer.
async fn generated(
    app: &TestApp,
    meeting: &Value,
    (state, keyed, twice): Write,
    i: usize,
) -> Vec<Value> {
    const STATES: [&str; 8] = ["NOR", "ZMB", "GHA", "SEN", "LAO", "AFG", "PHL", "HRV"];
    let state = STATES[state % STATES.len()];
    let who = token(&format!("{state}-delegate"), Role::Delegate, Some(state));
    let key = |step: &str| keyed.then(|| format!("{state}-{i}-{step}"));
    let copies = if twice { 2 } else { 1 };
    let propose = json!({ "input": { "position": "UNIVERSALIZATION", "state": state,
                                     "meetingId": meeting, "idempotencyKey": key("propose") } });
    let q = "mutation($input: ProposeNominationInput!) { proposeNomination(input: $input) { id version } }";
    let mut answers: Vec<Value> =
        join_all((0..copies).map(|_| app.post_as(&who, q, propose.clone())))
            .await
            .into_iter()
            .map(|(_, body)| body)
            .collect();
    let Some(nomination) = answers
        .iter()
        .map(|b| b["data"]["proposeNomination"].clone())
        .find(|n| !n.is_null())
    else {
        return answers;
    };
    let mut version = nomination["version"].clone();
    for mutation in ["submitNomination", "withdrawNomination"] {
        let q = format!(
            "mutation($input: TransitionInput!) {{ {mutation}(input: $input) {{ version }} }}"
        );
        let input = json!({ "input": { "nominationId": nomination["id"], "expectedVersion": version,
                                       "idempotencyKey": key(mutation) } });
        let bodies: Vec<Value> =
            join_all((0..copies).map(|_| app.post_as(&who, &q, input.clone())))
                .await
                .into_iter()
                .map(|(_, body)| body)
                .collect();
        if let Some(v) = bodies
            .iter()
            .map(|b| b["data"][mutation]["version"].clone())
            .find(|v| !v.is_null())
        {
            version = v;
        }
        answers.extend(bodies);
    }
    answers
}

/// Property: whatever mix of keyed, unkeyed and duplicated writes arrives at
/// once on the embedded database, none is answered INTERNAL or UNAVAILABLE
/// (writers wait for the one write lock); the refusals are the workflow's own.
#[test]
fn any_mix_of_concurrent_writes_on_the_embedded_database_is_never_internal() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let config = Config {
        cases: 8,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[0x15; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let writes =
        prop::collection::vec((0usize..8, any::<bool>(), prop::bool::weighted(0.3)), 6..16);
    runner
        .run(&writes, |writes| {
            runtime.block_on(async {
                let app = spawn_app(Backend::Sqlite).await;
                let meeting = schedule(&app, "14MSP").await;
                let all = join_all(
                    writes
                        .iter()
                        .enumerate()
                        .map(|(i, write)| generated(&app, &meeting, *write, i)),
                )
                .await;
                app.stop().await;
                for body in all.iter().flatten() {
                    let codes = error_codes(body);
                    prop_assert!(
                        codes.iter().all(|c| matches!(
                            c.as_str(),
                            "GUARD_FAILED" | "CONFLICT" | "INVALID_TRANSITION"
                        )),
                        "{body}"
                    );
                }
                Ok(())
            })
        })
        .expect("no write is INTERNAL");
}
