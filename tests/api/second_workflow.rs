//! A second workflow, defined here in the tests and nowhere in the engine:
//! a ticket that is opened, closed by its holder, or expires on a timer. It
//! runs through the same engine as nominations, with history, optimistic
//! concurrency, idempotent retries and a durable timer, on both databases;
//! adding it touched no engine file.

use std::sync::Arc;

use ccm_committee::clock::{ManualClock, SharedClock};
use ccm_committee::config::DatabaseConfig;
use ccm_committee::db::{Db, WriteTxn};
use ccm_committee::error::ApiError;
use ccm_committee::workflow::idempotency::{self, Done, Keyed};
use ccm_committee::workflow::store::{self, Step};
use ccm_committee::workflow::timers::{self, Outcome, Stop, Target};
use ccm_committee::workflow::{
    Actor, Definition, Guard, GuardKind, Named, Spec, StateDef, Transition, WorkflowError,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use futures_util::future::{BoxFuture, join_all};
use sea_orm::DbErr;

use crate::helpers::{Backend, TestDatabase};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TicketEvent {
    Open,
    Close,
    Expire,
}

impl Named for TicketEvent {
    fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Close => "close",
            Self::Expire => "expire",
        }
    }
}

/// A ticket has no effect besides its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NoEffect {}

impl Named for NoEffect {
    fn name(self) -> &'static str {
        match self {}
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TicketTimer {
    /// Expire a week after it opens.
    ExpireInAWeek,
}

impl Named for TicketTimer {
    fn name(self) -> &'static str {
        "expireInAWeek"
    }
}

/// Who holds the ticket, and who acts.
struct TicketContext {
    holder: String,
}

struct Tickets;

impl Spec for Tickets {
    type Context = TicketContext;
    type Event = TicketEvent;
    type Input = ();
    type Effect = NoEffect;
    type Timer = TicketTimer;
}

const NAME: &str = "ticket";

fn holder_only(ctx: &TicketContext, actor: &Actor) -> Result<(), String> {
    if actor.role == "SYSTEM" || ctx.holder == actor.subject {
        Ok(())
    } else {
        Err(format!("only {} closes this ticket", ctx.holder))
    }
}

fn tickets() -> Definition<Tickets> {
    let state = |name, is_final| StateDef { name, is_final };
    Definition {
        name: NAME,
        version: 1,
        states: vec![
            state("OPEN", false),
            state("CLOSED", true),
            state("EXPIRED", true),
        ],
        transitions: vec![
            Transition {
                from: vec![],
                event: TicketEvent::Open,
                to: "OPEN",
                roles: vec!["USER"],
                guards: vec![],
                effects: vec![],
                timers: vec![TicketTimer::ExpireInAWeek],
            },
            Transition {
                from: vec!["OPEN"],
                event: TicketEvent::Close,
                to: "CLOSED",
                roles: vec!["USER"],
                guards: vec![Guard {
                    name: "holder",
                    kind: GuardKind::Authorization,
                    needs: vec![],
                    check: holder_only,
                }],
                effects: vec![],
                timers: vec![],
            },
            Transition {
                from: vec!["OPEN"],
                event: TicketEvent::Expire,
                to: "EXPIRED",
                roles: vec!["SYSTEM"],
                guards: vec![],
                effects: vec![],
                timers: vec![],
            },
        ],
    }
}

fn user(name: &str) -> Actor {
    Actor {
        subject: name.to_owned(),
        role: "USER".to_owned(),
    }
}

fn step(at: DateTime<Utc>) -> Step {
    Step {
        scope: None,
        note: None,
        payload: None,
        at,
    }
}

/// Opens a ticket for `holder` (with its timer), at most once per key.
async fn open(db: &Db, holder: &str, key: &str, now: DateTime<Utc>) -> Result<Done<i64>, ApiError> {
    let def = tickets();
    let actor = user(holder);
    let authorized = def
        .authorize(TicketEvent::Open, &actor)
        .map_err(WorkflowError::Refused)?;
    let request = Keyed {
        actor: holder,
        key: Some(key),
        input: serde_json::json!({ "op": "open" }),
    };
    idempotency::run(db, request, now, async |txn: &WriteTxn| {
        let ctx = TicketContext {
            holder: holder.to_owned(),
        };
        let fired = store::create(&**txn, &def, &authorized, &ctx, step(now)).await?;
        for timer in &fired.timers {
            match timer {
                TicketTimer::ExpireInAWeek => {
                    timers::schedule(
                        &**txn,
                        NAME,
                        fired.instance.id,
                        "expire",
                        now + Duration::days(7),
                        Some(fired.instance.version),
                        now,
                    )
                    .await?;
                }
            }
        }
        Ok(fired.instance.id)
    })
    .await
}

/// Closes a ticket the caller saw at `version`.
async fn close(
    db: &Db,
    holder: &str,
    id: i64,
    version: i32,
    now: DateTime<Utc>,
) -> Result<(), WorkflowError> {
    let def = tickets();
    let authorized = def.authorize(TicketEvent::Close, &user(holder))?;
    let txn = db.begin_write().await?;
    let instance = store::load(&*txn, id).await?.expect("the ticket");
    let ctx = TicketContext {
        holder: "ana".to_owned(),
    };
    store::fire(
        &*txn,
        &def,
        &authorized,
        &instance,
        version,
        &ctx,
        step(now),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Fires tickets' timers: a ticket still open expires.
struct TicketTimers;

impl Target for TicketTimers {
    fn name(&self) -> &'static str {
        NAME
    }

    fn fire<'a>(
        &'a self,
        txn: &'a WriteTxn,
        timer: &'a entity::timer::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Outcome, DbErr>> {
        Box::pin(async move {
            let done = async {
                let instance =
                    timers::subject(store::load(&**txn, timer.subject_id).await?, "ticket")?;
                let def = tickets();
                let system = Actor {
                    subject: "system".to_owned(),
                    role: "SYSTEM".to_owned(),
                };
                let authorized = def
                    .authorize(TicketEvent::Expire, &system)
                    .map_err(|r| Stop::Dropped(format!("{r:?}")))?;
                let ctx = TicketContext {
                    holder: String::new(),
                };
                let version = timer.expected_version.unwrap_or(instance.version);
                match store::fire(
                    &**txn,
                    &def,
                    &authorized,
                    &instance,
                    version,
                    &ctx,
                    step(now),
                )
                .await
                {
                    Ok(fired) => Ok(Outcome::Fired(fired.to)),
                    Err(WorkflowError::Db(e)) => Err(Stop::Failed(e)),
                    Err(other) => Err(Stop::Dropped(format!("{other:?}"))),
                }
            };
            timers::settle(done.await)
        })
    }
}

async fn a_second_workflow_runs_on_the_same_engine(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let db = Db::connect(&DatabaseConfig::new(database.url.clone()))
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    assert_eq!(tickets().validate(), Ok(()));
    let now = Utc
        .with_ymd_and_hms(2026, 12, 3, 9, 0, 0)
        .single()
        .expect("date");

    // Idempotent: the same key opens one ticket, and a retry gets its id back.
    let first = open(&db, "ana", "ticket-1", now).await.expect("opened");
    let Done::Fresh { value: id, .. } = first else {
        panic!("the first request runs the work");
    };
    let retry = open(&db, "ana", "ticket-1", now).await.expect("replayed");
    assert!(matches!(retry, Done::Replayed { value, .. } if value == id));

    // Authorised once, with an authorization guard: another user may not close it.
    let refused = close(&db, "ben", id, 1, now).await;
    assert!(
        matches!(refused, Err(WorkflowError::Refused(_))),
        "{refused:?}"
    );

    // Optimistic concurrency: ten closings at version 1, one wins.
    let second = match open(&db, "ana", "ticket-2", now).await.expect("opened") {
        Done::Fresh { value, .. } | Done::Replayed { value, .. } => value,
    };
    let results = join_all((0..10).map(|_| close(&db, "ana", second, 1, now))).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| r.is_ok() || matches!(r, Err(WorkflowError::Conflict { .. }))),
        "{results:?}"
    );

    // The timer: a week later the first ticket, still open, expires; the
    // closed one's timer finds it moved on and is dropped.
    let clock: SharedClock = Arc::new(ManualClock::new(now + Duration::days(8)));
    let targets: Vec<Arc<dyn Target>> = vec![Arc::new(TicketTimers)];
    let fired = timers::fire_due(&db, &clock, &targets, "test")
        .await
        .expect("timers");
    assert_eq!(fired, 2);
    let expired = store::load(&db.conn, id)
        .await
        .expect("load")
        .expect("ticket");
    assert_eq!((expired.state.as_str(), expired.version), ("EXPIRED", 2));

    // History: one entry per version, replaying to the state.
    for (ticket, state) in [(id, "EXPIRED"), (second, "CLOSED")] {
        let history = store::history(&db.conn, ticket).await.expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(store::replay(&tickets(), &history), Ok(state.to_owned()));
    }
    let statuses: Vec<String> = timers::list(&db.conn, &[], 10)
        .await
        .expect("timers")
        .into_iter()
        .map(|t| t.status)
        .collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, ["DROPPED", "FIRED"], "{statuses:?}");
}

crate::on_both_databases!(a_second_workflow_runs_on_the_same_engine);
