//! Action points: what a meeting asked someone to do by a date, with its
//! owner (a position, whose holders on the day answer for it; a State; an
//! organisation; or the ISU). `OPEN` → `DONE` or `DROPPED`; a durable timer
//! announces `ACTION_POINT_DUE`; the next committee meeting's follow-up item
//! lists the open ones (derived, never copied).

pub mod graphql;
pub mod service;
pub mod types;

pub use graphql::{ActionPointsMutation, ActionPointsQuery};
