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
