//! Property test of the workflow engine against a real SQLite database:
//! random event sequences fired by random actors in random contexts.

use ccm_committee::committee::model::StateRelation;
use ccm_committee::config::DatabaseConfig;
use ccm_committee::db::Db;
use ccm_committee::meetings::model::{MeetingKind, MeetingStatus};
use ccm_committee::nominations::definition::{NominationContext, NominationEvent, definition};
use ccm_committee::workflow::store::{self, Step};
use ccm_committee::workflow::{Actor, Named, WorkflowError};
use chrono::Utc;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sea_orm::TransactionTrait;

const ROLES: [&str; 6] = [
    "ADMIN",
    "PRESIDENCY",
    "COORDINATOR",
    "DELEGATE",
    "OBSERVER",
    "SYSTEM",
];
const STATUSES: [MeetingStatus; 3] = [
    MeetingStatus::Planned,
    MeetingStatus::InSession,
    MeetingStatus::Concluded,
];

fn context(flags: [bool; 6], status: usize) -> NominationContext {
    NominationContext {
        nominee: "NOR".into(),
        actor_state: Some(if flags[0] { "NOR" } else { "SWE" }.into()),
        nominee_relation: Some(if flags[1] {
            StateRelation::StateParty
        } else {
            StateRelation::Signatory
        }),
        meeting_kind: MeetingKind::Msp,
        meeting_status: STATUSES[status],
        meeting_code: "14MSP".into(),
        open_duplicates: usize::from(!flags[2]),
        consultation_unmet: (!flags[3]).then(|| "not broad-based".to_owned()),
        seat_free: flags[4],
        renewal_refused: None,
    }
}

type Firing = (usize, usize, [bool; 6], usize, bool);

fn firing() -> impl Strategy<Value = Firing> {
    (
        0usize..16,
        0usize..6,
        any::<[bool; 6]>(),
        0usize..3,
        prop::bool::weighted(0.1),
    )
}

/// 256 cases, or `PROPTEST_CASES` to run more locally.
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A fixed seed, so that CI's verdict never depends on the dice;
/// `CCM_PROPTEST_SEED=<number>` explores other sequences locally.
fn seeded_rng() -> TestRng {
    let seed: u64 = std::env::var("CCM_PROPTEST_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x0CC0_2008);
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(seed.wrapping_add(i as u64)).to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

#[test]
fn random_event_sequences_keep_the_engine_invariants() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let db = runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("engine.db").display());
        let db = Db::connect(&DatabaseConfig::new(url))
            .await
            .expect("connect");
        db.migrate().await.expect("migrate");
        db
    });
    let def = definition();
    let events: Vec<NominationEvent> = def.transitions.iter().map(|t| t.event).collect();
    let moved = std::cell::Cell::new(0usize);
    let mut runner = TestRunner::new_with_rng(config(), seeded_rng());
    runner
        .run(&prop::collection::vec(firing(), 1..30), |firings| {
            runtime.block_on(async {
                let creator = Actor {
                    subject: "nor-delegate".into(),
                    role: "DELEGATE".into(),
                };
                let ok = context([true; 6], 0);
                let txn = db.conn.begin().await.expect("begin");
                let propose = def
                    .authorize(NominationEvent::Propose, &creator)
                    .expect("a delegation proposes");
                let created = store::create(
                    &txn,
                    &def,
                    &propose,
                    &ok,
                    Step {
                        scope: None,
                        note: None,
                        payload: None,
                        at: Utc::now(),
                    },
                )
                .await
                .expect("create");
                txn.commit().await.expect("commit");
                let id = created.instance.id;
                let mut transitions = 1;
                let mut was_final = false;
                for (event, role, flags, status, stale) in firings {
                    let event = events[event % events.len()];
                    let actor = Actor {
                        subject: format!("actor-{role}"),
                        role: ROLES[role].into(),
                    };
                    let txn = db.conn.begin().await.expect("begin");
                    let before = store::load(&txn, id)
                        .await
                        .expect("load")
                        .expect("instance");
                    let expected = if stale {
                        before.version - 1
                    } else {
                        before.version
                    };
                    let step = Step {
                        scope: None,
                        note: None,
                        payload: None,
                        at: Utc::now(),
                    };
                    let result = match def.authorize(event, &actor) {
                        Ok(authorized) => {
                            store::fire(
                                &txn,
                                &def,
                                &authorized,
                                &before,
                                expected,
                                &context(flags, status),
                                step,
                            )
                            .await
                        }
                        Err(refused) => Err(WorkflowError::Refused(refused)),
                    };
                    match result {
                        Ok(fired) => {
                            txn.commit().await.expect("commit");
                            prop_assert!(!was_final, "a final state was left");
                            prop_assert!(!stale, "a stale version was accepted");
                            prop_assert_eq!(fired.instance.version, before.version + 1);
                            transitions += 1;
                            moved.set(moved.get() + 1);
                            was_final = def.is_final(&fired.to);
                        }
                        Err(WorkflowError::Db(e)) => panic!("database error: {e}"),
                        Err(_) => txn.rollback().await.expect("rollback"),
                    }
                }
                let instance = store::load(&db.conn, id)
                    .await
                    .expect("load")
                    .expect("instance");
                let history = store::history(&db.conn, id).await.expect("history");
                prop_assert_eq!(
                    instance.version as usize,
                    transitions,
                    "version = number of transitions"
                );
                prop_assert_eq!(history.len(), transitions);
                let replayed = store::replay(&def, &history);
                prop_assert_eq!(
                    replayed,
                    Ok(instance.state.clone()),
                    "history replays to the state"
                );
                Ok(())
            })
        })
        .expect("invariants hold");
    // Not a lucky count: the sequences are fixed by the seed, so this only
    // proves that the generator reaches the engine's successful path at all.
    assert!(moved.get() > 0, "no random firing ever moved an instance");
}

#[test]
fn a_new_definition_version_leaves_running_instances_on_theirs() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    runtime.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("versions.db").display());
        let db = Db::connect(&DatabaseConfig::new(url))
            .await
            .expect("connect");
        db.migrate().await.expect("migrate");
        let v1 = definition();
        let actor = Actor {
            subject: "nor-delegate".into(),
            role: "DELEGATE".into(),
        };
        let ok = context([true; 6], 0);
        let step = || Step {
            scope: None,
            note: None,
            payload: None,
            at: Utc::now(),
        };
        let propose = v1
            .authorize(NominationEvent::Propose, &actor)
            .expect("authorised");
        let created = store::create(&db.conn, &v1, &propose, &ok, step())
            .await
            .expect("create");
        assert_eq!(created.instance.definition_version, 1);

        let mut v2 = definition();
        v2.version = 2;
        v2.transitions.retain(|t| t.event.name() != "withdraw");
        let submit = NominationEvent::Submit;
        let by_v2 = v2.authorize(submit, &actor).expect("authorised");
        let refused = store::fire(&db.conn, &v2, &by_v2, &created.instance, 1, &ok, step()).await;
        assert!(
            matches!(refused, Err(WorkflowError::Db(_))),
            "a v1 instance is not run by v2"
        );
        let by_v1 = v1.authorize(submit, &actor).expect("authorised");
        let fired = store::fire(&db.conn, &v1, &by_v1, &created.instance, 1, &ok, step())
            .await
            .expect("v1 still runs it");
        assert_eq!(fired.to, "SUBMITTED");
    });
}
