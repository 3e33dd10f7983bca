//! Idempotent mutations, byte for byte. A mutation that ran with a key tells
//! [`settle`] so; once its field is rendered, this extension keeps the
//! rendered value with the key. A retry with the same key renders nothing
//! new: the extension answers with the value kept from the first request.
//! (The keys and the work live in `workflow::idempotency`.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextResolve, ResolveInfo,
};
use async_graphql::{Context, Request, ServerResult, Value};

use crate::db::Db;
use crate::workflow::idempotency::{self, Done};

/// What to do with a mutation field once it is rendered.
enum After {
    /// Keep the rendered value with this key's row.
    Keep(i64),
    /// Answer with the value the first request rendered instead.
    Replay(serde_json::Value),
}

/// The mutations of one request that ran with a key, by response key.
#[derive(Default)]
struct Pending(Mutex<HashMap<String, After>>);

impl Pending {
    fn put(&self, field: String, after: After) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(field, after);
        }
    }

    fn take(&self, field: &str) -> Option<After> {
        self.0.lock().ok().and_then(|mut map| map.remove(field))
    }
}

/// Records what a keyed mutation did, for the extension; returns its value.
pub fn settle<T>(ctx: &Context<'_>, done: Done<T>) -> T {
    let field = ctx.item.node.response_key().node.to_string();
    let pending = ctx.data_opt::<Pending>();
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

/// The extension that keeps and replays rendered mutation answers.
pub struct Idempotency;

impl ExtensionFactory for Idempotency {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(IdempotencyExtension)
    }
}

struct IdempotencyExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for IdempotencyExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(Pending::default())).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let root_mutation = info.path_node.parent.is_none() && info.parent_type == "Mutation";
        let field = info.alias.unwrap_or(info.name);
        let rendered = next.run(ctx, info).await?;
        if !root_mutation {
            return Ok(rendered);
        }
        let Some(after) = ctx.data_opt::<Pending>().and_then(|p| p.take(field)) else {
            return Ok(rendered);
        };
        match after {
            After::Replay(first) => match Value::from_json(first) {
                Ok(value) => Ok(Some(value)),
                Err(e) => {
                    tracing::error!(error = %e, "a kept answer does not parse; answering afresh");
                    Ok(rendered)
                }
            },
            After::Keep(receipt) => {
                if let (Some(db), Some(value)) = (ctx.data_opt::<Db>(), rendered.as_ref())
                    && let Ok(json) = value.clone().into_json()
                    && let Err(e) = idempotency::keep_rendered(&db.conn, receipt, json).await
                {
                    tracing::warn!(error = %e, "could not keep an idempotent answer");
                }
                Ok(rendered)
            }
        }
    }
}
