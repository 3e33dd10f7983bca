//! The GraphQL toolkit: batching and loaders, connections, global IDs,
//! reading the columns a selection needs, scalars, the error mapping, idempotent answers, document limits and
//! response order. It knows no domain and no transport: the domains build
//! their GraphQL surfaces with it, and `server` assembles them.

pub mod batch;
pub mod eager;
pub mod error;
pub mod idempotency;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod order;
pub mod pagination;
pub mod projection;
pub mod scalars;
pub mod workflow;

/// What a field that runs its own SQL for each parent adds to a query's
/// complexity (a plain field adds 1; connections add their page size).
pub const SQL_PER_ITEM: usize = 50;
