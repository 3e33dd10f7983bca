//! The event log: every change of state appends an entry, in the same
//! transaction as the change; subscribers read it by cursor.

pub mod log;
