//! Who sits on the committee and for how long: States, organizations,
//! positions and mandates, with their queries and loaders.

pub mod loaders;
pub mod mandates;
pub mod model;
pub mod query;
pub mod service;
pub mod types;

pub use query::CommitteeQuery;
