//! What every GraphQL operation runs with, over HTTP and WebSocket alike:
//! one builder of a request's data, the operation a document runs, and
//! running a mutation to its end whatever happens to the client.

use std::future::Future;
use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
};

use super::AppState;
use crate::auth::Caller;
use crate::graphql::batch::Scope;
use crate::graphql::loaders::Loaders;

/// Adds a request's own data to it: the caller, the batching scope and the
/// request's loaders (`graphql::loaders::Loaders`: a fresh set per request
/// or WebSocket operation, each made on first use). What every request
/// shares (the database, the clock, ...) the schema holds
/// (`server::schema::Shared`).
pub fn prepare(
    app: &AppState,
    request: async_graphql::Request,
    caller: Caller,
    scope: &Arc<Scope>,
) -> async_graphql::Request {
    let request = request.data(caller).data(scope.clone());
    request.data(Loaders::new(app.db.clone(), scope.clone()))
}

/// The operation a document runs, if it names one it has.
pub fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

/// The type of the operation a document runs (`none` when it has none to
/// run) and its first root field, the name its metrics are filed under.
pub fn label(
    document: Option<&ExecutableDocument>,
    name: Option<&str>,
) -> (&'static str, Option<String>) {
    let Some(operation) = document.and_then(|d| operation(d, name)) else {
        return ("none", None);
    };
    let kind = match operation.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    let field = operation
        .selection_set
        .node
        .items
        .iter()
        .find_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        });
    (kind, field)
}

/// Whether a document runs a mutation.
pub fn is_mutation(document: Option<&ExecutableDocument>, name: Option<&str>) -> bool {
    document
        .and_then(|d| operation(d, name))
        .is_some_and(|op| op.ty == OperationType::Mutation)
}

/// Runs a mutation's execution on a task of its own and waits for it. A
/// client that hangs up (or a request that runs out of time) stops the
/// waiting, never the work: each transaction the mutation opened commits or
/// rolls back before its connection goes back to the pool, and a retry with
/// the same idempotency key gets the answer the work gave.
/// `None` when the runtime shut down under it; a panic is passed on.
pub async fn to_the_end<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> Option<T> {
    match tokio::spawn(work).await {
        Ok(done) => Some(done),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => None,
    }
}

/// Runs a query the server itself asks on a caller's behalf (a page built
/// from the API, such as a meeting's record), with the same data, loaders
/// and batching as a request over HTTP, within the request time limit.
pub async fn run_query(
    app: &AppState,
    request: async_graphql::Request,
    caller: Caller,
) -> Option<async_graphql::Response> {
    let pending = Arc::new(crate::graphql::idempotency::Pending::default());
    let scope = Scope::new();
    let request = prepare(app, request.data(pending), caller, &scope);
    let schema = app.schema.clone();
    let execution = crate::graphql::batch::run(scope, async move { schema.execute(request).await });
    let deadline = std::time::Duration::from_secs(app.config.request_timeout_secs.max(1));
    tokio::time::timeout(deadline, execution).await.ok()
}
