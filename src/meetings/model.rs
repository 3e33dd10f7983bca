//! The meetings' vocabulary.

use async_graphql::Enum;

#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum MeetingKind {
    /// A Meeting of States Parties (1MSP, 2MSP, ...).
    #[default]
    Msp,
    /// A Review Conference (1RC, 2RC, ...).
    ReviewConference,
    /// A monthly meeting of the Coordination Committee.
    CoordinationCommittee,
    /// An intersessional meeting.
    Intersessional,
}

#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum MeetingStatus {
    #[default]
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

crate::names!(MeetingKind {
    Msp = "MSP",
    ReviewConference = "REVIEW_CONFERENCE",
    CoordinationCommittee = "COORDINATION_COMMITTEE",
    Intersessional = "INTERSESSIONAL",
});

crate::names!(MeetingStatus {
    Planned = "PLANNED",
    InSession = "IN_SESSION",
    Concluded = "CONCLUDED",
    Cancelled = "CANCELLED",
});

crate::names!(AgendaItemKind {
    General = "GENERAL",
    Nominations = "NOMINATIONS",
    Decision = "DECISION",
});

crate::names!(SessionFormat {
    InPerson = "IN_PERSON",
    Hybrid = "HYBRID",
    Virtual = "VIRTUAL",
});

impl MeetingKind {
    /// Meetings of States Parties and Review Conferences decide nominations.
    pub fn decides_nominations(self) -> bool {
        matches!(self, Self::Msp | Self::ReviewConference)
    }
}

impl MeetingStatus {
    /// A concluded or cancelled meeting is history: nothing about it changes.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Concluded | Self::Cancelled)
    }

    /// The statuses a meeting may move to from this one.
    pub fn next(self) -> &'static [MeetingStatus] {
        match self {
            Self::Planned => &[Self::InSession, Self::Cancelled],
            Self::InSession => &[Self::Concluded],
            Self::Concluded | Self::Cancelled => &[],
        }
    }
}

/// The one rule for "this meeting takes nominations": a Meeting of States
/// Parties or a Review Conference, planned or in session. `Err` says why not.
pub fn takes_nominations(kind: MeetingKind, status: MeetingStatus) -> Result<(), String> {
    if kind.decides_nominations() && !status.is_closed() {
        Ok(())
    } else {
        Err(format!(
            "cannot take nominations: it must be a Meeting of States Parties or a Review Conference, planned or in session (it is {} and {})",
            kind.as_str(),
            status.as_str()
        ))
    }
}

/// The `source` of a meeting the President's office scheduled (reference
/// meetings cite where their facts come from).
pub const SCHEDULED_THROUGH_THE_API: &str = "scheduled through the API";
