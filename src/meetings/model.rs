//! The meetings' vocabulary.

use async_graphql::Enum;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MeetingKind {
    /// A Meeting of States Parties (1MSP, 2MSP, ...).
    Msp,
    /// A Review Conference (1RC, 2RC, ...).
    ReviewConference,
    /// A monthly meeting of the Coordination Committee.
    CoordinationCommittee,
    /// An intersessional meeting.
    Intersessional,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MeetingStatus {
    Planned,
    InSession,
    Concluded,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AgendaItemKind {
    /// Any item of business.
    General,
    /// Nominations put to the meeting (a slate).
    Nominations,
    /// A decision of the meeting.
    Decision,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SessionFormat {
    InPerson,
    Hybrid,
    Virtual,
}
