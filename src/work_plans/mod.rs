//! The working groups' work plans: a workflow on the same engine (drafted,
//! published) for a thematic position and a period, whose objectives are
//! linked to numbered actions of the action plan in force, with activities
//! and dated progress ratings; and the progress report to a meeting.

pub mod chart;
pub mod definition;
pub mod graphql;
pub mod model;
pub mod read;
pub mod service;
pub mod types;

pub use definition::NAME;
pub use graphql::{WorkPlansMutation, WorkPlansQuery};
