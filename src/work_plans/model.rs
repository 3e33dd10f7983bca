//! The work plans' vocabulary.

use async_graphql::Enum;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum WorkPlanState {
    Draft,
    Published,
}

crate::names!(WorkPlanState {
    Draft = "DRAFT",
    Published = "PUBLISHED",
});

/// Where an activity stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ActivityStatus {
    Planned,
    Done,
    Dropped,
}

crate::names!(ActivityStatus {
    Planned = "PLANNED",
    Done = "DONE",
    Dropped = "DROPPED",
});

/// How far an objective got.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rating {
    NotStarted,
    OnTrack,
    Delayed,
    Achieved,
}

crate::names!(Rating {
    NotStarted = "NOT_STARTED",
    OnTrack = "ON_TRACK",
    Delayed = "DELAYED",
    Achieved = "ACHIEVED",
});

/// The longest title of a plan or text of an objective or activity.
pub const TEXT_MAX: usize = 2_000;
/// The most objectives, and activities per objective, one request adds.
pub const PARTS_MAX: usize = 30;
/// The most actions one objective links to.
pub const ACTIONS_MAX: usize = 20;
/// The longest period of a work plan, in days (about three years).
pub const PERIOD_MAX_DAYS: i64 = 3 * 366;
