//! The nomination workflow: its definition plugged into the engine, the
//! consultation policy, and its GraphQL surface.

pub mod calls;
pub mod definition;
pub mod graphql;
pub mod loaders;
pub mod policy;
pub mod service;
pub mod terms;
pub mod time_graphql;
pub mod types;

pub use graphql::{NominationsMutation, NominationsQuery};
