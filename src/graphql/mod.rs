//! The GraphQL layer: schema assembly, scalars, global IDs, pagination, the
//! error mapping and the GraphQL-over-HTTP handler. Domain modules own their
//! query roots and types; this module only puts them together.

pub mod batch;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod order;
pub mod pagination;
pub mod scalars;
pub mod schema;

pub use schema::{CcmSchema, build_schema};

/// What a field that runs its own SQL for each parent adds to a query's
/// complexity (a plain field adds 1; connections add their page size).
pub const SQL_PER_ITEM: usize = 50;
