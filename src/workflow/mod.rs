//! The workflow engine: definitions as data, persisted instances with
//! history, optimistic concurrency, idempotent retries and timers. It knows
//! nothing of GraphQL or of any one workflow; a domain declares a [`Spec`]
//! and plugs a [`Definition`] into it.

pub mod definition;
pub mod idempotency;
pub mod store;
pub mod timers;

pub use definition::{
    Actor, Authorized, Definition, Described, Guard, GuardKind, Named, Refusal, Spec, StateDef,
    Transition,
};
pub use store::{Fired, WorkflowError};
