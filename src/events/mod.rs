//! The event log: every change of state appends an entry, in the same
//! transaction as the change; the dispatcher fans new entries out to this
//! process's subscribers; each subscription replays what it missed, then
//! goes live.

pub mod dispatcher;
pub mod event;
pub mod log;
pub mod stream;

pub use event::{Event, Topic};
pub use log::append;
