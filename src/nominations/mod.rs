//! The nomination workflow: its definition plugged into the engine, and
//! everything around it, one idea a file. Dependencies run one way:
//! `schedule` (timers) → `moves` → `effects` / `consultation` → `aggregate`.

pub mod aggregate;
pub mod commands;
pub mod consultation;
pub mod definition;
pub mod effects;
pub mod graphql;
pub mod inclusiveness;
pub mod loaders;
pub mod moves;
pub mod read;
pub mod schedule;
pub mod timers;
pub mod types;

pub use graphql::{NominationsMutation, NominationsQuery};
