//! Appending to and reading the event log.
//!
//! The log's id is the subscribers' cursor, so entries must become visible in
//! id order: on PostgreSQL, appending takes a transaction-scoped advisory
//! lock, so a later writer cannot commit its entry before an earlier one; and
//! it queues a `NOTIFY` that PostgreSQL delivers to every replica when (and
//! only if) the transaction commits. SQLite has one writer at a time anyway.
//!
//! Every append waits for that lock until the transaction before it has
//! committed, so the work done while holding it bounds how many changes a
//! second the whole service commits. On PostgreSQL the lock, the entry and
//! the notification are one statement, one round trip; what a transaction
//! does after its append, before its commit, should be little.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use entity::event_log;

use super::event::{Event, Topic};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};

/// The PostgreSQL channel replicas listen on.
pub const CHANNEL: &str = "ccm_events";

/// The advisory lock that orders appends (an arbitrary, fixed key).
const APPEND_LOCK: i64 = 0x0CC0_1065;

/// The highest entry id appended by this process (committed or not): the
/// dispatcher's wake-up after a local commit reads nothing when it has
/// fanned out that far already.
static APPENDED: AtomicI64 = AtomicI64::new(0);

/// The highest entry id this process has appended.
pub fn appended() -> i64 {
    APPENDED.load(Ordering::Acquire)
}

/// Appends an entry about `topic` (and, where given, also concerning the
/// wider `scope`); its id is the next cursor. Call inside the transaction that
/// makes the change it reports.
pub async fn append<C: ConnectionTrait>(
    conn: &C,
    topic: &Topic,
    scope: Option<&Topic>,
    event: &Event,
    at: DateTime<Utc>,
) -> Result<event_log::Model, DbErr> {
    let (kind, payload) = event.to_stored();
    let entry = if conn.get_database_backend() == DatabaseBackend::Postgres {
        // The entry's id is drawn as the row is inserted, after the lock is
        // held: the row comes from `locked`.
        let row = conn
            .query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                r#"WITH locked AS (SELECT pg_advisory_xact_lock($1)),
                entry AS (
                    INSERT INTO event_log (topic, scope, kind, payload, created_at)
                    SELECT $2, $3, $4, $5, $6 FROM locked
                    RETURNING id, topic, scope, kind, payload, created_at)
                SELECT entry.* FROM entry, LATERAL (SELECT pg_notify($7, entry.id::text)) AS notified"#,
                [
                    APPEND_LOCK.into(),
                    topic.key().into(),
                    scope.map(Topic::key).into(),
                    kind.into(),
                    payload.into(),
                    at.fixed_offset().into(),
                    CHANNEL.into(),
                ],
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotInserted)?;
        event_log::Model::from_query_result(&row, "")?
    } else {
        event_log::ActiveModel {
            topic: Set(topic.key()),
            scope: Set(scope.map(Topic::key)),
            kind: Set(kind),
            payload: Set(payload),
            created_at: Set(at.fixed_offset()),
            ..Default::default()
        }
        .insert(conn)
        .await?
    };
    APPENDED.fetch_max(entry.id, Ordering::AcqRel);
    crate::telemetry_metrics::event_appended(entry.id);
    Ok(entry)
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
