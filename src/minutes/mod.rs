//! The minutes of a meeting: a workflow on the same engine as nominations.
//! The ISU drafts them, one text per agenda item (every save a revision);
//! circulates them to the meeting's invitees, with an optional comments
//! deadline; a later committee meeting in session approves them "as a
//! correct record" (a decision on its approval item); then they are
//! published. Drafts and circulated minutes are for the invitees only.

pub mod definition;
pub mod graphql;
pub mod moves;
pub mod read;
pub mod timers;
pub mod types;

pub use definition::NAME;
pub use graphql::{MinutesMutation, MinutesQuery};
