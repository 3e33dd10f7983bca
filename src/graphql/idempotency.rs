//! Idempotent mutations, byte for byte. A mutation that ran with a key tells
//! [`settle`] so; once the response is rendered, [`finish`] keeps the
//! mutation's rendered field with the key. A retry with the same key renders
//! nothing new: [`finish`] puts the field kept from the first request in its
//! place. (The keys and the work live in `workflow::idempotency`.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::{Context, Name, Response, Value};

use crate::db::Db;
use crate::workflow::idempotency::{self, Done};

/// What to do with a mutation field once it is rendered.
enum After {
    /// Keep the rendered value with this key's row.
    Keep(i64),
    /// Answer with the value the first request rendered instead.
    Replay(serde_json::Value),
}

/// The mutations of one request that ran with a key, by response key. Put
/// into the request's data (as `Arc<Pending>`) before it executes.
#[derive(Default)]
pub struct Pending(Mutex<HashMap<String, After>>);

impl Pending {
    fn put(&self, field: String, after: After) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(field, after);
        }
    }

    fn drain(&self) -> Vec<(String, After)> {
        self.0
            .lock()
            .map(|mut map| map.drain().collect())
            .unwrap_or_default()
    }
}

/// Records what a keyed mutation did, for [`finish`]; returns its value.
pub fn settle<T>(ctx: &Context<'_>, done: Done<T>) -> T {
    let field = ctx.item.node.response_key().node.to_string();
    let pending = ctx.data_opt::<Arc<Pending>>();
    match done {
        Done::Fresh { value, receipt } => {
            if let (Some(pending), Some(receipt)) = (pending, receipt) {
                pending.put(field, After::Keep(receipt));
            }
            value
        }
        Done::Replayed { value, rendered } => {
            if let (Some(pending), Some(rendered)) = (pending, rendered) {
                pending.put(field, After::Replay(rendered));
            }
            value
        }
    }
}

/// Keeps the rendered answers of fresh keyed mutations, and puts the first
/// answers in place of replayed ones.
pub async fn finish(pending: &Pending, response: &mut Response, db: &Db) {
    let entries = pending.drain();
    if entries.is_empty() {
        return;
    }
    let Value::Object(fields) = &mut response.data else {
        return;
    };
    for (field, after) in entries {
        let name = Name::new(&field);
        match after {
            After::Replay(first) => match Value::from_json(first) {
                Ok(value) => {
                    fields.insert(name, value);
                }
                Err(e) => tracing::error!(error = %e, "a kept answer does not parse"),
            },
            After::Keep(receipt) => {
                let Some(json) = fields
                    .get(&name)
                    .and_then(|value| value.clone().into_json().ok())
                else {
                    continue;
                };
                if let Err(e) = idempotency::keep_rendered(db, receipt, json).await {
                    tracing::warn!(error = %e, "could not keep an idempotent answer");
                }
            }
        }
    }
}
