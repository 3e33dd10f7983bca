//! Topics "for discussion by all": a workflow on the same engine as
//! nominations and minutes. A member of the committee (or an observer)
//! raises a topic with its background documents; the committee considers it
//! at one of its meetings and accepts or declines it there (a decision of
//! that meeting); an accepted topic is scheduled on the agenda of a meeting
//! of the States Parties, discussed there with an outcome, and closed.
//! Meetings' changes move it back through the meeting hooks.

pub mod definition;
pub mod graphql;
pub mod hooks;
pub mod model;
pub mod moves;
pub mod service;
pub mod types;

pub use definition::NAME;
pub use graphql::{TopicsMutation, TopicsQuery};
