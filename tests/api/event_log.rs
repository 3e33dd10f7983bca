//! The event log against the real databases: entries become visible in id
//! order however many writers append at once, and on PostgreSQL an append
//! (lock, entry, notification) is one statement.

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
    let writers = join_all((0..50i64).map(|i| {
        let db = db.clone();
        async move {
            let txn = db.begin_write().await.expect("begin");
            let written = events::append(
                &*txn,
                &Topic::Committee,
                None,
                &entry(i),
                chrono::Utc::now(),
            )
            .await
            .expect("append");
            tokio::time::sleep(Duration::from_millis(((i * 7) % 11) as u64)).await;
            txn.commit().await.expect("commit");
            written.id
        }
    }));
    let follow = async {
        let (mut last, mut seen) = (start, Vec::new());
        while seen.len() < 50 {
            let page = log::after(&db.conn, None, last, 500).await.expect("read");
            for e in page {
                last = e.id;
                seen.push(e.id);
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        seen
    };
    let (mut written, seen) = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(writers, follow)
    })
    .await
    .expect("the reader saw fifty entries: one committed under its cursor was missed");
    written.sort_unstable();
    assert_eq!(
        seen, written,
        "the reader saw the entries in id order, each once"
    );
    app.stop().await;
}

crate::on_both_databases!(fifty_appends_at_once_become_visible_in_id_order);

/// On PostgreSQL every append holds the log's lock until its transaction
/// commits, so what an append costs while holding it bounds the rate of the
/// whole service's changes: the lock, the entry and the replicas'
/// notification are one statement, and the entry is the one stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_on_postgres_is_one_statement() {
    let app = spawn_app(Backend::Postgres).await;
    let db = own_db(&app).await;
    let txn = db.begin_write().await.expect("begin");
    let before = db.statement_count();
    let at = chrono::Utc::now();
    let written = events::append(
        &*txn,
        &Topic::Meeting(7),
        Some(&Topic::Committee),
        &entry(1),
        at,
    )
    .await
    .expect("append");
    let statements = db.statement_count() - before;
    txn.commit().await.expect("commit");
    assert_eq!(statements, 1, "statements for one append");
    let stored = log::after(&db.conn, None, written.id - 1, 1)
        .await
        .expect("read");
    assert_eq!(stored, vec![written.clone()]);
    assert_eq!(written.topic, Topic::Meeting(7).key());
    assert_eq!(written.scope, Some(Topic::Committee.key()));
    assert_eq!(written.kind, entry(1).to_stored().0);
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
        let written = events::append(
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
        assert_eq!(out.id, written.id);
        // Let the notification arrive before the next commit.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reads = db.statement_count() - before - COMMITS;
    assert_eq!(reads, COMMITS, "reads of the log for {COMMITS} commits");
    app.stop().await;
}
