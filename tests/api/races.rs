//! Parallel requests that race for the same rule: on PostgreSQL every
//! check-then-act must hold under a lock or a unique index; every loser gets a
//! typed refusal, never INTERNAL.

use ccm_committee::auth::Role;
use entity::consultation_response;
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestDatabase, add_meeting, set_policy, spawn_app, token};
use crate::nominations::{cast, propose, step, to_agenda};

/// Sends `n` copies of one request at once; returns every response body.
async fn at_once(app: &TestApp, n: usize, who: &str, query: &str, variables: Value) -> Vec<Value> {
    join_all((0..n).map(|_| app.post_as(who, query, variables.clone())))
        .await
        .into_iter()
        .map(|(_, body)| body)
        .collect()
}

/// The error codes of the bodies (`OK` for a success).
fn codes(bodies: &[Value]) -> Vec<String> {
    bodies
        .iter()
        .map(|b| match b["errors"][0]["extensions"]["code"].as_str() {
            Some(code) => code.to_owned(),
            None => "OK".to_owned(),
        })
        .collect()
}

fn count(codes: &[String], code: &str) -> usize {
    codes.iter().filter(|c| *c == code).count()
}

async fn twenty_responses_from_one_delegation_leave_one_standing(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let n = propose(&app, &cast.nor, "UNIVERSALIZATION", "NOR", &meeting).await;
    let n = step(&app, &cast.nor, "submitNomination", &n).await;
    let n = step(&app, &cast.presidency, "openConsultation", &n).await;
    let deu = token("deu-delegate", Role::Delegate, Some("DEU"));
    let q = "mutation($input: ConsultationResponseInput!) { recordConsultationResponse(input: $input) { id } }";
    let bodies = at_once(
        &app,
        20,
        &deu,
        q,
        json!({ "input": { "nominationId": n["id"], "stance": "SUPPORT" } }),
    )
    .await;
    let codes = codes(&bodies);
    assert!(
        codes.iter().all(|c| c == "OK" || c == "CONFLICT"),
        "{codes:?}"
    );
    assert!(count(&codes, "OK") >= 1);
    let standing = consultation_response::Entity::find()
        .filter(consultation_response::Column::StateIso3.eq("DEU"))
        .filter(consultation_response::Column::WithdrawnAt.is_null())
        .count(&app.db().conn)
        .await
        .expect("count");
    assert_eq!(standing, 1, "one standing response per State");
    let tally = app
        .query(
            "query($id: ID!) { nomination(id: $id) { consultation { responseCount } } }",
            json!({ "id": n["id"] }),
        )
        .await;
    assert_eq!(tally["nomination"]["consultation"]["responseCount"], 1);
    app.stop().await;
}

async fn thirty_identical_proposals_open_one_nomination(backend: Backend) {
    let app = spawn_app(backend).await;
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    // A new account: its first writes arrive together too.
    let bel = token("bel-delegate-new", Role::Delegate, Some("BEL"));
    let q = "mutation($input: ProposeNominationInput!) { proposeNomination(input: $input) { id } }";
    let input = json!({ "input": { "position": "UNIVERSALIZATION", "state": "BEL", "meetingId": meeting } });
    let codes = codes(&at_once(&app, 30, &bel, q, input).await);
    assert_eq!(count(&codes, "OK"), 1, "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| c == "OK" || c == "GUARD_FAILED" || c == "CONFLICT"),
        "{codes:?}"
    );
    let total = app.query("{ nominations { totalCount } }", json!({})).await;
    assert_eq!(total["nominations"]["totalCount"], 1);
    app.stop().await;
}

async fn twenty_retries_with_one_key_replay_one_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let bel = token("bel-delegate", Role::Delegate, Some("BEL"));
    let q = "mutation($input: ProposeNominationInput!) { proposeNomination(input: $input) { id version } }";
    let input = json!({ "input": { "position": "UNIVERSALIZATION", "state": "BEL",
                                   "meetingId": meeting, "idempotencyKey": "bel-1" } });
    let bodies = at_once(&app, 20, &bel, q, input).await;
    let codes = codes(&bodies);
    assert_eq!(
        count(&codes, "OK"),
        20,
        "every retry gets the answer: {codes:?}"
    );
    let first = &bodies[0]["data"];
    assert!(bodies.iter().all(|b| b["data"] == *first));
    let total = app.query("{ nominations { totalCount } }", json!({})).await;
    assert_eq!(total["nominations"]["totalCount"], 1);
    app.stop().await;
}

async fn two_selections_for_the_last_seat_one_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = cast();
    set_policy(
        &app,
        "REPORTING",
        json!({ "minResponses": 1, "minRegionalGroups": 1 }),
    )
    .await;
    let meeting = add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    let a = to_agenda(&app, &cast, "REPORTING", "NOR", &meeting).await;
    let b = to_agenda(&app, &cast, "REPORTING", "SWE", &meeting).await;
    app.set_meeting("14MSP", "IN_SESSION", "2027-09-13", "2027-09-16")
        .await;
    let q = "mutation($input: TransitionInput!) { selectNomination(input: $input) { state } }";
    let (ra, rb) = tokio::join!(
        app.post_as(
            &cast.presidency,
            q,
            json!({ "input": { "nominationId": a["id"], "expectedVersion": a["version"] } })
        ),
        app.post_as(
            &cast.presidency,
            q,
            json!({ "input": { "nominationId": b["id"], "expectedVersion": b["version"] } })
        ),
    );
    let mut codes = codes(&[ra.1, rb.1]);
    codes.sort();
    assert_eq!(codes, ["GUARD_FAILED", "OK"], "one seat, one winner");
    let mandates = app
        .query(
            r#"{ mandates(filter: { position: "REPORTING", activeAt: "2027-12-01" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(mandates["mandates"]["totalCount"], 1);
    app.stop().await;
}

async fn twenty_schedulings_of_one_code_make_one_meeting(backend: Backend) {
    let app = spawn_app(backend).await;
    let presidency = cast().presidency;
    let q = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { id } }";
    let input = json!({ "input": { "code": "15MSP", "kind": "MSP", "startsOn": "2028-09-11", "endsOn": "2028-09-14" } });
    let codes = codes(&at_once(&app, 20, &presidency, q, input).await);
    assert_eq!(count(&codes, "OK"), 1, "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| c == "OK" || c == "BAD_USER_INPUT" || c == "CONFLICT"),
        "{codes:?}"
    );
    app.stop().await;
}

crate::on_both_databases!(
    twenty_responses_from_one_delegation_leave_one_standing,
    thirty_identical_proposals_open_one_nomination,
    twenty_retries_with_one_key_replay_one_answer,
    two_selections_for_the_last_seat_one_wins,
    twenty_schedulings_of_one_code_make_one_meeting,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_started_together_on_a_fresh_database_all_start() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let url = database.url.clone();
    let starts = (0..4).map(|_| {
        let url = url.clone();
        async move {
            let config = ccm_committee::config::DatabaseConfig::new(url);
            let db = ccm_committee::db::Db::connect(&config)
                .await
                .expect("connect");
            ccm_committee::reference::prepare(
                &db,
                &config,
                ccm_committee::reference::Loading::Reconcile,
                chrono::Utc::now(),
            )
            .await
        }
    });
    let results = join_all(starts).await;
    assert!(
        results.iter().all(Result::is_ok),
        "every replica starts: {results:?}"
    );
    let loaded: usize = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.total())
        .filter(|n| *n > 0)
        .count();
    assert_eq!(loaded, 1, "one of them loads the reference data");
    drop(database);
}

/// On SQLite the holder of the write lock writes on a connection of its own:
/// it never waits for a pooled connection, even when readers hold every one
/// (before, it took one from the readers' pool while it held the lock, and
/// every writer queued behind it waited too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_writer_never_waits_for_a_readers_connection() {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let dir = tempfile::tempdir().expect("dir");
    let mut config = ccm_committee::config::DatabaseConfig::new(format!(
        "sqlite://{}",
        dir.path().join("writer.db").display()
    ));
    config.max_connections = 1;
    let db = ccm_committee::db::Db::connect(&config)
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let count = |sql: &str| Statement::from_string(db.backend(), sql.to_owned());
    // A reader holds the pool's only connection, inside a read transaction.
    let reader = db.conn.begin().await.expect("reader");
    reader
        .query_one_raw(count("SELECT COUNT(*) AS n FROM states"))
        .await
        .expect("read");
    let write = async {
        let txn = db.begin_write().await?;
        txn.execute_unprepared("CREATE TABLE writer_probe (x INTEGER)")
            .await?;
        txn.execute_unprepared("INSERT INTO writer_probe (x) VALUES (1)")
            .await?;
        txn.commit().await
    };
    // A deadline only to fail instead of hanging: the write needs no
    // connection the reader holds.
    tokio::time::timeout(std::time::Duration::from_secs(20), write)
        .await
        .expect("the writer waited for the reader's connection")
        .expect("the write");
    reader.rollback().await.expect("rollback");
    let written = db
        .conn
        .query_one_raw(count("SELECT COUNT(*) AS n FROM writer_probe"))
        .await
        .expect("read")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n");
    assert_eq!(written, 1);
}
