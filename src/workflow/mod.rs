//! The workflow engine: definitions as data, persisted instances with
//! history, optimistic concurrency and idempotent retries. It knows nothing
//! of GraphQL or of nominations; a domain plugs a [`Definition`] into it.

pub mod definition;
pub mod idempotency;
pub mod store;
pub mod timers;

pub use definition::{Actor, Definition, Guard, GuardKind, Refusal, StateDef, Transition};
pub use store::{Fired, WorkflowError};
