//! Appending to and reading the event log.

use chrono::{DateTime, Utc};
use entity::event_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

/// Appends an entry; its id is the next cursor. Call inside the transaction
/// that makes the change it reports.
pub async fn append<C: ConnectionTrait>(
    conn: &C,
    topic: &str,
    kind: &str,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<event_log::Model, DbErr> {
    event_log::ActiveModel {
        topic: Set(topic.to_owned()),
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        created_at: Set(at.fixed_offset()),
        ..Default::default()
    }
    .insert(conn)
    .await
}
