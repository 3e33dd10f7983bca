//! Meetings of States Parties, Review Conferences and the committee's own
//! meetings: their sessions and agendas, queries and loaders.

pub mod agenda;
pub mod changes;
pub mod hooks;
pub mod invitations;
pub mod loaders;
pub mod model;
pub mod mutation;
pub mod query;
pub mod rows;
pub mod service;
pub mod types;

pub use mutation::MeetingsMutation;
pub use query::MeetingsQuery;
