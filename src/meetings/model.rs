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
    /// An informal consultation open to all States Parties.
    InformalConsultation,
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
    /// A committee meeting's standing item: adoption of the agenda.
    AgendaAdoption,
    /// A committee meeting's standing item: approval of the minutes of the previous meeting.
    MinutesApproval,
    /// A committee meeting's standing item: follow-up of action points (lists
    /// every open action point of earlier meetings).
    ActionPointsFollowUp,
    /// A topic raised for the committee's consideration (the topic workflow places it).
    TopicConsideration,
    /// A topic placed for discussion by all (the topic workflow places it).
    DiscussionByAll,
}

impl AgendaItemKind {
    /// Items a workflow places and takes off: the agenda mutations leave them alone.
    pub fn is_workflow_placed(self) -> bool {
        matches!(self, Self::TopicConsideration | Self::DiscussionByAll)
    }
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
    InformalConsultation = "INFORMAL_CONSULTATION",
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
    AgendaAdoption = "AGENDA_ADOPTION",
    MinutesApproval = "MINUTES_APPROVAL",
    ActionPointsFollowUp = "ACTION_POINTS_FOLLOW_UP",
    TopicConsideration = "TOPIC_CONSIDERATION",
    DiscussionByAll = "DISCUSSION_BY_ALL",
});

/// In what capacity a party is invited to a committee meeting.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Capacity {
    /// A State holding a seat on the committee on the meeting's date.
    Member,
    /// The ICRC, the United Nations or the Cluster Munition Coalition.
    Observer,
    /// The Implementation Support Unit.
    Secretariat,
    /// A State, an organisation or a guest the committee called upon to assist.
    Invited,
}

crate::names!(Capacity {
    Member = "MEMBER",
    Observer = "OBSERVER",
    Secretariat = "SECRETARIAT",
    Invited = "INVITED",
});

/// Whether an invitee came.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Attendance {
    Present,
    ApologiesReceived,
    Absent,
}

crate::names!(Attendance {
    Present = "PRESENT",
    ApologiesReceived = "APOLOGIES_RECEIVED",
    Absent = "ABSENT",
});

/// What a meeting decided on an item.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    Agreed,
    TookNote,
    Requested,
    Deferred,
}

crate::names!(DecisionKind {
    Agreed = "AGREED",
    TookNote = "TOOK_NOTE",
    Requested = "REQUESTED",
    Deferred = "DEFERRED",
});

/// The standing items a committee meeting's provisional agenda starts with
/// (the President's office may move, rename or remove them).
pub const STANDING_ITEMS: [(&str, AgendaItemKind); 5] = [
    ("Adoption of the agenda", AgendaItemKind::AgendaAdoption),
    (
        "Approval of the minutes of the previous meeting",
        AgendaItemKind::MinutesApproval,
    ),
    (
        "Follow-up of action points",
        AgendaItemKind::ActionPointsFollowUp,
    ),
    (
        "Updates from the Presidency and the Coordinators",
        AgendaItemKind::General,
    ),
    ("Any other business", AgendaItemKind::General),
];

/// The longest decision, in characters.
pub const DECISION_MAX: usize = 4_000;

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
    /// Whether the meeting has started: in session or concluded.
    pub fn has_started(self) -> bool {
        matches!(self, Self::InSession | Self::Concluded)
    }

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

/// The one rule for "this meeting is sitting now": `Err` names the guard and says why not.
pub fn in_session(code: &str, status: MeetingStatus) -> Result<(), crate::error::ApiError> {
    if status == MeetingStatus::InSession {
        Ok(())
    } else {
        Err(crate::error::ApiError::GuardFailed {
            guard: "meetingInSession".to_owned(),
            reason: format!(
                "the {code} is {}: this is recorded while the meeting is in session",
                status.as_str()
            ),
        })
    }
}
