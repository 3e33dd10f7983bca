//! Appending to and reading the event log.
//!
//! The log's id is the subscribers' cursor, so entries must become visible in
//! id order. SQLite has one writer at a time. On PostgreSQL an entry's id is
//! drawn as its transaction commits, by a deferred trigger (migration
//! `m20261204_000008_event_log_commit_order`) that takes a
//! transaction-scoped advisory lock, gives the transaction's entries their
//! ids and queues a `NOTIFY` of each, which PostgreSQL delivers to every
//! replica when (and only if) the transaction commits. The lock is held
//! from there to the end of the commit, inside the database: an append
//! itself is a plain insert and waits for no other transaction, and no
//! round trip between the service and the database happens under the lock.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use entity::event_log;

use super::event::{Event, Topic};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

/// The PostgreSQL channel replicas listen on (the commit-order trigger
/// notifies it).
pub const CHANNEL: &str = "ccm_events";

/// The highest entry id appended by this process on SQLite (committed or
/// not): the dispatcher's wake-up after a local commit reads nothing when it
/// has fanned out that far already. On PostgreSQL an entry's id is known only
/// once its transaction commits, and the notification carries it.
static APPENDED: AtomicI64 = AtomicI64::new(0);

/// The highest entry id this process has appended on SQLite.
pub fn appended() -> i64 {
    APPENDED.load(Ordering::Acquire)
}

/// Appends an entry about `topic` (and, where given, also concerning the
/// wider `scope`); its id, drawn when the transaction commits on PostgreSQL,
/// is the next cursor. Call inside the transaction that makes the change it
/// reports. One statement on either database.
pub async fn append<C: ConnectionTrait>(
    conn: &C,
    topic: &Topic,
    scope: Option<&Topic>,
    event: &Event,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (kind, payload) = event.to_stored();
    let entry = event_log::ActiveModel {
        topic: Set(topic.key()),
        scope: Set(scope.map(Topic::key)),
        kind: Set(kind),
        payload: Set(payload),
        created_at: Set(at.fixed_offset()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if conn.get_database_backend() != DatabaseBackend::Postgres {
        APPENDED.fetch_max(entry.id, Ordering::AcqRel);
        crate::telemetry_metrics::event_appended(entry.id);
    }
    Ok(())
}

/// Which entries a subscriber wants, built from a [`Topic`] (its stored key
/// is computed once, here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    key: String,
    /// Also the entries in the topic's scope (`meeting:3`: the meeting's own
    /// changes and its nominations' moves).
    with_scope: bool,
}

impl Filter {
    /// Entries of one topic (a nomination, the committee).
    pub fn topic(topic: &Topic) -> Self {
        Self {
            key: topic.key(),
            with_scope: false,
        }
    }

    /// Entries of a topic, or in its scope.
    pub fn topic_or_scope(topic: &Topic) -> Self {
        Self {
            key: topic.key(),
            with_scope: true,
        }
    }

    pub fn matches(&self, entry: &event_log::Model) -> bool {
        entry.topic == self.key || (self.with_scope && entry.scope.as_deref() == Some(&self.key))
    }

    fn condition(&self) -> Condition {
        let topic = event_log::Column::Topic.eq(self.key.clone());
        if self.with_scope {
            Condition::any()
                .add(topic)
                .add(event_log::Column::Scope.eq(self.key.clone()))
        } else {
            Condition::all().add(topic)
        }
    }
}

/// Entries after `cursor`, oldest first, at most `limit`; all topics when `filter` is None.
pub async fn after<C: ConnectionTrait>(
    conn: &C,
    filter: Option<&Filter>,
    cursor: i64,
    limit: u64,
) -> Result<Vec<event_log::Model>, DbErr> {
    let mut query = event_log::Entity::find().filter(event_log::Column::Id.gt(cursor));
    if let Some(filter) = filter {
        query = query.filter(filter.condition());
    }
    query
        .order_by_asc(event_log::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// The newest cursor, 0 when the log is empty.
pub async fn latest<C: ConnectionTrait>(conn: &C) -> Result<i64, DbErr> {
    Ok(event_log::Entity::find()
        .order_by_desc(event_log::Column::Id)
        .one(conn)
        .await?
        .map_or(0, |e| e.id))
}
