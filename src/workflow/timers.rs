//! Durable timers. A timer fires one event on one subject at a time; it lives
//! in the database, survives restarts, and fires once even with several
//! replicas: a replica claims a due timer inside the transaction that fires it
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer), so two
//! replicas never fire the same timer, and a crash before commit leaves it due.
//! A timer whose event is no longer valid (its subject moved on) is dropped,
//! and the drop is recorded.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::timer;
use futures_util::future::BoxFuture;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::clock::SharedClock;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;

pub const PENDING: &str = "PENDING";
pub const FIRED: &str = "FIRED";
pub const DROPPED: &str = "DROPPED";
pub const CANCELLED: &str = "CANCELLED";

/// What firing a timer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Fired(String),
    /// The event no longer applies; why.
    Dropped(String),
}

/// Why a timer's work stopped short: what it fires on is gone or no longer
/// applies (the timer is dropped, saying why), or the database failed (the
/// timer stays due and is retried).
#[derive(Debug)]
pub enum Stop {
    Dropped(String),
    Failed(DbErr),
}

impl From<DbErr> for Stop {
    fn from(e: DbErr) -> Self {
        Self::Failed(e)
    }
}

impl From<ApiError> for Stop {
    /// A refusal (the subject is gone, moved on, or a rule says no) drops
    /// the timer; our own failure or an unavailable database is retried.
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::Internal | ApiError::Unavailable { .. } => Self::Failed(DbErr::Custom(
                format!("a timer's work failed: {}", err.code()),
            )),
            ApiError::GuardFailed { reason, .. } => Self::Dropped(reason),
            other => Self::Dropped(other.message().to_owned()),
        }
    }
}

/// A timer's subject, loaded; one that is gone drops the timer.
pub fn subject<T>(found: Option<T>, what: &str) -> Result<T, Stop> {
    found.ok_or_else(|| Stop::Dropped(format!("no such {what}")))
}

/// What a target's work comes to: a drop is an outcome, a failure is retried.
pub fn settle(done: Result<Outcome, Stop>) -> Result<Outcome, DbErr> {
    match done {
        Ok(outcome) => Ok(outcome),
        Err(Stop::Dropped(why)) => Ok(Outcome::Dropped(why)),
        Err(Stop::Failed(e)) => Err(e),
    }
}

/// Something timers can fire events on (a workflow definition, mandates...).
pub trait Target: Send + Sync {
    /// The `target` its timers carry.
    fn name(&self) -> &'static str;

    /// Fires `timer` inside `txn`.
    fn fire<'a>(
        &'a self,
        txn: &'a WriteTxn,
        timer: &'a timer::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Outcome, DbErr>>;
}

/// Sets a timer.
pub async fn schedule<C: ConnectionTrait>(
    conn: &C,
    target: &str,
    subject_id: i64,
    event: &str,
    due_at: DateTime<Utc>,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> Result<timer::Model, DbErr> {
    timer::ActiveModel {
        target: Set(target.to_owned()),
        subject_id: Set(subject_id),
        event: Set(event.to_owned()),
        due_at: Set(due_at.fixed_offset()),
        expected_version: Set(expected_version),
        status: Set(PENDING.to_owned()),
        outcome: Set(None),
        fired_by: Set(None),
        fired_at: Set(None),
        created_at: Set(now.fixed_offset()),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// Cancels the pending timers of `event` on the subjects.
pub async fn cancel<C: ConnectionTrait>(
    conn: &C,
    target: &str,
    subject_ids: &[i64],
    event: &str,
    why: &str,
) -> Result<u64, DbErr> {
    let result = timer::Entity::update_many()
        .col_expr(timer::Column::Status, CANCELLED.into())
        .col_expr(timer::Column::Outcome, why.into())
        .filter(timer::Column::Target.eq(target))
        .filter(timer::Column::SubjectId.is_in(subject_ids.iter().copied()))
        .filter(timer::Column::Event.eq(event))
        .filter(timer::Column::Status.eq(PENDING))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Brings the pending timers of `event` on the subjects forward to `at`.
pub async fn bring_forward<C: ConnectionTrait>(
    conn: &C,
    target: &str,
    subject_ids: &[i64],
    event: &str,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = timer::Entity::update_many()
        .col_expr(timer::Column::DueAt, at.fixed_offset().into())
        .filter(timer::Column::Target.eq(target))
        .filter(timer::Column::SubjectId.is_in(subject_ids.iter().copied()))
        .filter(timer::Column::Event.eq(event))
        .filter(timer::Column::Status.eq(PENDING))
        .filter(timer::Column::DueAt.gt(at.fixed_offset()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Moves the pending timers of `event` on one subject (those set at
/// `expected_version`, when given) to `due_at`; how many.
pub async fn reschedule<C: ConnectionTrait>(
    conn: &C,
    target: &str,
    subject_id: i64,
    event: &str,
    expected_version: Option<i32>,
    due_at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut update = timer::Entity::update_many()
        .col_expr(timer::Column::DueAt, due_at.fixed_offset().into())
        .filter(timer::Column::Target.eq(target))
        .filter(timer::Column::SubjectId.eq(subject_id))
        .filter(timer::Column::Event.eq(event))
        .filter(timer::Column::Status.eq(PENDING));
    if let Some(version) = expected_version {
        update = update.filter(timer::Column::ExpectedVersion.eq(version));
    }
    Ok(update.exec(conn).await?.rows_affected)
}

/// Claims the next due timer for this transaction.
async fn claim(txn: &WriteTxn, now: DateTime<Utc>) -> Result<Option<timer::Model>, DbErr> {
    let mut query = timer::Entity::find()
        .filter(timer::Column::Status.eq(PENDING))
        .filter(timer::Column::DueAt.lte(now.fixed_offset()))
        .order_by_asc(timer::Column::DueAt)
        .order_by_asc(timer::Column::Id)
        .limit(1);
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    query.one(&**txn).await
}

/// Fires every due timer, each in its own transaction; returns how many.
pub async fn fire_due(
    db: &Db,
    clock: &SharedClock,
    targets: &[Arc<dyn Target>],
    replica: &str,
) -> Result<usize, DbErr> {
    let mut count = 0;
    loop {
        let now = clock.now();
        let txn = db.begin_write().await?;
        let Some(due) = claim(&txn, now).await? else {
            return Ok(count);
        };
        let outcome = match targets.iter().find(|t| t.name() == due.target) {
            Some(target) => target.fire(&txn, &due, now).await?,
            None => Outcome::Dropped(format!("nothing handles `{}` timers", due.target)),
        };
        let (status, text) = match &outcome {
            Outcome::Fired(text) => (FIRED, text.clone()),
            Outcome::Dropped(why) => (DROPPED, why.clone()),
        };
        let due_at: chrono::DateTime<Utc> = due.due_at.into();
        crate::telemetry_metrics::timer(
            if status == FIRED { "fired" } else { "dropped" },
            (now - due_at).to_std().unwrap_or_default(),
        );
        if status == DROPPED {
            tracing::info!(timer = due.id, reason = %text, "dropped a timer");
        }
        let mut done: timer::ActiveModel = due.into();
        done.status = Set(status.to_owned());
        done.outcome = Set(Some(text));
        done.fired_by = Set(Some(replica.to_owned()));
        done.fired_at = Set(Some(now.fixed_offset()));
        done.update(&*txn).await?;
        txn.commit().await?;
        count += 1;
    }
}

/// Fires due timers every `every`, for as long as the process runs.
pub fn spawn_runner(
    db: Db,
    clock: SharedClock,
    targets: Vec<Arc<dyn Target>>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    let replica = format!("replica-{}", uuid::Uuid::new_v4().simple());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = fire_due(&db, &clock, &targets, &replica).await {
                tracing::warn!(error = %err, "firing timers failed; retrying");
            }
        }
    })
}

/// Timers, soonest first: pending ones, or those fired or dropped.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    statuses: &[String],
    limit: u64,
) -> Result<Vec<timer::Model>, DbErr> {
    let mut query = timer::Entity::find();
    if !statuses.is_empty() {
        query = query.filter(timer::Column::Status.is_in(statuses.iter().cloned()));
    }
    query
        .order_by_desc(timer::Column::DueAt)
        .order_by_desc(timer::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}
