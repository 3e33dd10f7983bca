//! The event log against the real databases: entries become visible in id
//! order however many writers append at once; on PostgreSQL an append is one
//! statement that waits for no other transaction, and an entry's id follows
//! the order in which transactions commit.

use std::time::Duration;

use ccm_committee::config::DatabaseConfig;
use ccm_committee::db::Db;
use ccm_committee::events::{self, Event, Topic, log};
use futures_util::future::join_all;

use crate::helpers::{Backend, TestApp, spawn_app};

async fn own_db(app: &TestApp) -> Db {
    Db::connect(&DatabaseConfig::new(app.database_url()))
        .await
        .expect("connect")
}

/// Which writer an entry came from (its actor).
fn writer(entry: &entity::event_log::Model) -> String {
    entry.payload["actor"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Writer `i` appends its entry, holds its transaction open for `hold`, and
/// commits.
async fn append_and_commit(db: Db, i: i64, hold: Duration) {
    let txn = db.begin_write().await.expect("begin");
    events::append(
        &*txn,
        &Topic::Committee,
        None,
        &entry(i),
        chrono::Utc::now(),
    )
    .await
    .expect("append");
    tokio::time::sleep(hold).await;
    txn.commit().await.expect("commit");
}

/// Follows the log from `start` by cursor, as the dispatcher does, until it
/// has seen `count` entries: their writers, in the order read.
async fn follow(db: &Db, start: i64, count: usize) -> Vec<String> {
    let (mut last, mut seen) = (start, Vec::new());
    while seen.len() < count {
        for e in log::after(&db.conn, None, last, 500).await.expect("read") {
            assert!(e.id > last, "ids only grow along the log");
            last = e.id;
            seen.push(writer(&e));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    seen
}

fn entry(i: i64) -> Event {
    Event::Transition {
        instance_id: i,
        definition: "nomination".to_owned(),
        from: Some("PROPOSED".to_owned()),
        event: "submit".to_owned(),
        to: "SUBMITTED".to_owned(),
        version: 2,
        actor: format!("writer-{i}"),
        role: "DELEGATE".to_owned(),
        note: None,
        at: chrono::Utc::now().to_rfc3339(),
    }
}

/// Fifty writers append at once, each holding its transaction open a
/// different while after appending; a reader follows the log by cursor, as
/// the dispatcher does. It must see every entry: none may commit under a
/// cursor the reader has already passed.
async fn fifty_appends_at_once_become_visible_in_id_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = own_db(&app).await;
    let start = log::latest(&db.conn).await.expect("latest");
    let writers =
        join_all((0..50i64).map(|i| {
            append_and_commit(db.clone(), i, Duration::from_millis(((i * 7) % 11) as u64))
        }));
    let ((), mut seen) = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(
            async {
                writers.await;
            },
            follow(&db, start, 50)
        )
    })
    .await
    .expect("the reader saw fifty entries: one committed under its cursor was missed");
    seen.sort_unstable();
    let mut written: Vec<String> = (0..50).map(|i| format!("writer-{i}")).collect();
    written.sort_unstable();
    assert_eq!(seen, written, "the reader saw each writer's entry once");
    app.stop().await;
}

crate::on_both_databases!(fifty_appends_at_once_become_visible_in_id_order);

/// On PostgreSQL an append is one statement and takes no lock: the lock that
/// orders the entries' ids is taken as the transaction commits, so what
/// happens between an append and its commit holds up no other change. A
/// transaction that appended and is still open does not stop a second one
/// from appending and committing, and the entry committed first has the
/// lower id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_on_postgres_is_one_statement_and_waits_for_no_other() {
    let app = spawn_app(Backend::Postgres).await;
    let db = own_db(&app).await;
    let start = log::latest(&db.conn).await.expect("latest");
    let first = db.begin_write().await.expect("begin");
    let before = db.statement_count();
    let at = chrono::Utc::now();
    events::append(
        &*first,
        &Topic::Meeting(7),
        Some(&Topic::Committee),
        &entry(1),
        at,
    )
    .await
    .expect("append");
    assert_eq!(
        db.statement_count() - before,
        1,
        "statements for one append"
    );

    // A second transaction appends and commits while the first is open.
    tokio::time::timeout(Duration::from_secs(5), async {
        let second = db.begin_write().await.expect("begin");
        events::append(&*second, &Topic::Committee, None, &entry(2), at)
            .await
            .expect("append");
        second.commit().await.expect("commit");
    })
    .await
    .expect("the second append waited for the first transaction to commit");
    first.commit().await.expect("commit");

    let stored = log::after(&db.conn, None, start, 10).await.expect("read");
    assert_eq!(
        stored.iter().map(writer).collect::<Vec<_>>(),
        ["writer-2", "writer-1"],
        "the entries in the order their transactions committed"
    );
    assert!(stored[0].id < stored[1].id);
    let written = &stored[1];
    assert_eq!(written.topic, Topic::Meeting(7).key());
    assert_eq!(written.scope, Some(Topic::Committee.key()));
    assert_eq!(written.kind, entry(1).to_stored().0);
    app.stop().await;
}

/// On PostgreSQL an entry's id is drawn as its transaction commits, and the
/// commit of another entry waits until that transaction is visible: an entry
/// whose commit is slow is not overtaken by one drawn after it. A second
/// deferred trigger (firing after the log's own) makes one commit take 300
/// ms; another transaction commits meanwhile; a reader following the log by
/// cursor must see both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_commit_is_not_overtaken_on_postgres() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(Backend::Postgres).await;
    let db = own_db(&app).await;
    db.conn
        .execute_unprepared(
            "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF NEW.payload->>'actor' = 'writer-1' THEN PERFORM pg_sleep(0.3); END IF;
                 RETURN NULL;
             END $$;
             CREATE CONSTRAINT TRIGGER zz_slow_commit AFTER INSERT ON event_log
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();",
        )
        .await
        .expect("the slow trigger");
    let start = log::latest(&db.conn).await.expect("latest");
    let slow = tokio::spawn(append_and_commit(db.clone(), 1, Duration::ZERO));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let quick = tokio::spawn(append_and_commit(db.clone(), 2, Duration::ZERO));
    let seen = tokio::time::timeout(Duration::from_secs(5), follow(&db, start, 2))
        .await
        .expect("the reader saw both entries: the slow one was committed under its cursor");
    assert_eq!(
        seen,
        ["writer-1", "writer-2"],
        "in the order they committed"
    );
    slow.await.expect("slow");
    quick.await.expect("quick");
    app.stop().await;
}

/// A commit wakes its own process's dispatcher directly, and PostgreSQL's
/// notification of the same entry reaches the same process moments later:
/// the dispatcher reads the log once for it, not twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_costs_one_read_of_the_log_on_postgres() {
    use ccm_committee::events::dispatcher::Dispatcher;
    let app = spawn_app(Backend::Postgres).await;
    let db = own_db(&app).await;
    // No timed reads during the test.
    let dispatcher = Dispatcher::start(db.clone(), 64, Duration::from_secs(3600))
        .await
        .expect("dispatcher");
    let mut fanned = dispatcher.subscribe();
    // Let the listener start listening.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = db.statement_count();
    const COMMITS: u64 = 10;
    for i in 0..COMMITS {
        let txn = db.begin_write().await.expect("begin");
        events::append(
            &*txn,
            &Topic::Committee,
            None,
            &entry(i as i64),
            chrono::Utc::now(),
        )
        .await
        .expect("append");
        txn.commit().await.expect("commit");
        let out = tokio::time::timeout(Duration::from_secs(5), fanned.recv())
            .await
            .expect("fanned out in time")
            .expect("an entry");
        assert_eq!(writer(&out), format!("writer-{i}"));
        // Let the notification arrive before the next commit.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reads = db.statement_count() - before - COMMITS;
    assert_eq!(reads, COMMITS, "reads of the log for {COMMITS} commits");
    app.stop().await;
}
