//! Idempotent retries: the first result of a request made with a key is
//! kept; the same key again (same actor, same input) gets that result and
//! changes nothing; the same key with other input is refused.

use chrono::{DateTime, Utc};
use entity::idempotency_key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};

/// A digest of a request's input (its canonical JSON: object keys sorted).
pub fn request_hash(input: &serde_json::Value) -> String {
    let digest = Sha256::digest(input.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a key already stands for.
#[derive(Debug, PartialEq)]
pub enum Seen {
    /// Never used by this actor.
    New,
    /// Used with this very input: here is the first result.
    Replay(serde_json::Value),
    /// Used with other input.
    Mismatch,
}

pub async fn lookup<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    key: &str,
    hash: &str,
) -> Result<Seen, DbErr> {
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Actor.eq(actor))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(conn)
        .await?;
    Ok(match found {
        None => Seen::New,
        Some(row) if row.request_hash == hash => Seen::Replay(row.response),
        Some(_) => Seen::Mismatch,
    })
}

/// Keeps the first result of `key`, in the transaction that produced it.
pub async fn remember<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    key: &str,
    hash: &str,
    response: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    idempotency_key::ActiveModel {
        actor: Set(actor.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(hash.to_owned()),
        response: Set(response),
        created_at: Set(at.fixed_offset()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
