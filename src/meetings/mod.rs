//! Meetings of States Parties, Review Conferences and the committee's own
//! meetings: their sessions and agendas, queries and loaders.

pub mod loaders;
pub mod model;
pub mod query;
pub mod service;
pub mod types;

pub use query::MeetingsQuery;
