//! Idempotent retries. A request made with a key claims the key first, in the
//! transaction that does the work (`INSERT … ON CONFLICT DO NOTHING`: a
//! concurrent retry waits for that transaction and then finds its row), stores
//! what the work returned in the same transaction, and, once the caller has
//! rendered its answer, that answer too. A retry (same actor, key and input)
//! changes nothing and gets the stored answer back; the same key with other
//! input is refused.

use chrono::{DateTime, Utc};
use entity::idempotency_key;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::db::{Db, WriteTxn};
use crate::error::ApiError;

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 200;

/// A digest of a request's input (its canonical JSON: object keys sorted).
pub fn request_hash(input: &serde_json::Value) -> String {
    let digest = Sha256::digest(input.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A request that may carry an idempotency key.
pub struct Keyed<'a> {
    /// The account making it: keys are per account.
    pub actor: &'a str,
    pub key: Option<&'a str>,
    /// Everything that defines the request (an operation name and its input).
    pub input: serde_json::Value,
}

impl<'a> Keyed<'a> {
    /// A request of `actor` with an optional key.
    pub fn new(actor: &'a str, key: Option<&'a str>, input: serde_json::Value) -> Self {
        Self { actor, key, input }
    }
}

/// What running a keyed request did.
#[derive(Debug)]
pub enum Done<T> {
    /// The work ran now; `receipt` names the key's row, to keep the rendered answer in.
    Fresh { value: T, receipt: Option<i64> },
    /// A retry: the work ran before and returned `value`; `rendered` is the
    /// answer the first request gave, when it was kept.
    Replayed {
        value: T,
        rendered: Option<serde_json::Value>,
    },
}

enum Claim {
    Fresh(i64),
    Replay(idempotency_key::Model),
}

async fn claim(
    txn: &WriteTxn,
    actor: &str,
    key: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Claim, ApiError> {
    if key.is_empty() || key.chars().count() > MAX_KEY_LEN {
        return Err(ApiError::bad_input(format!(
            "an idempotency key has 1 to {MAX_KEY_LEN} characters"
        )));
    }
    let row = idempotency_key::ActiveModel {
        actor: Set(actor.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(hash.to_owned()),
        response: Set(serde_json::json!({})),
        rendered: Set(None),
        created_at: Set(now.fixed_offset()),
        ..Default::default()
    };
    let inserted = idempotency_key::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([idempotency_key::Column::Actor, idempotency_key::Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec(&**txn)
        .await;
    match inserted {
        Ok(done) => return Ok(Claim::Fresh(done.last_insert_id)),
        Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e.into()),
    }
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Actor.eq(actor))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(&**txn)
        .await?
        .ok_or_else(|| {
            tracing::error!(key, "an idempotency key conflicted but cannot be read");
            ApiError::Internal
        })?;
    if found.request_hash != hash {
        return Err(ApiError::bad_input(
            "this idempotency key was already used with different input",
        ));
    }
    Ok(Claim::Replay(found))
}

/// Runs `work` in one write transaction, at most once per key: the key is
/// claimed first and what the work returns is kept with it.
pub async fn run<T, F>(
    db: &Db,
    request: Keyed<'_>,
    now: DateTime<Utc>,
    work: F,
) -> Result<Done<T>, ApiError>
where
    T: Serialize + DeserializeOwned,
    F: AsyncFnOnce(&WriteTxn) -> Result<T, ApiError>,
{
    let txn = db.begin_write().await?;
    let receipt = match request.key {
        None => None,
        Some(key) => {
            let hash = request_hash(&request.input);
            match claim(&txn, request.actor, key, &hash, now).await? {
                Claim::Fresh(id) => Some(id),
                Claim::Replay(row) => {
                    let value = serde_json::from_value(row.response).map_err(|e| {
                        tracing::error!(error = %e, "a stored idempotent response does not parse");
                        ApiError::Internal
                    })?;
                    return Ok(Done::Replayed {
                        value,
                        rendered: row.rendered,
                    });
                }
            }
        }
    };
    let value = work(&txn).await?;
    if let Some(id) = receipt {
        let response = serde_json::to_value(&value).map_err(|e| {
            tracing::error!(error = %e, "an idempotent response does not serialize");
            ApiError::Internal
        })?;
        idempotency_key::Entity::update_many()
            .col_expr(idempotency_key::Column::Response, response.into())
            .filter(idempotency_key::Column::Id.eq(id))
            .exec(&*txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Done::Fresh { value, receipt })
}

/// Keeps the answer the first request rendered, for its retries. A write like
/// any other: it takes the one write path (on SQLite, the write lock).
pub async fn keep_rendered(
    db: &Db,
    receipt: i64,
    rendered: serde_json::Value,
) -> Result<(), DbErr> {
    let txn = db.begin_write().await?;
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Rendered, rendered.into())
        .filter(idempotency_key::Column::Id.eq(receipt))
        .filter(idempotency_key::Column::Rendered.is_null())
        .exec(&*txn)
        .await?;
    txn.commit().await
}
