//! What the event log records, typed: every producer builds an [`Event`] and
//! names its [`Topic`]; every reader matches on the same enum. An entry is
//! stored as its kind (the variant's name) and its payload (the variant's
//! fields, camelCase JSON), so entries written by older versions still read.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What an entry is about: subscribers follow a topic (and, for a meeting,
/// the entries scoped to it as well).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topic {
    /// One workflow instance (`nomination:7`).
    Instance { definition: String, id: i64 },
    /// One meeting (`meeting:3`).
    Meeting(i32),
    /// The committee's composition.
    Committee,
}

impl Topic {
    /// The stored form.
    pub fn key(&self) -> String {
        match self {
            Self::Instance { definition, id } => format!("{definition}:{id}"),
            Self::Meeting(id) => format!("meeting:{id}"),
            Self::Committee => "committee".to_owned(),
        }
    }

    /// A nomination's topic.
    pub fn nomination(id: i64) -> Self {
        Self::Instance {
            definition: "nomination".to_owned(),
            id,
        }
    }

    /// The nomination a stored topic names, if any.
    pub fn nomination_id(key: &str) -> Option<i64> {
        key.strip_prefix("nomination:").and_then(|n| n.parse().ok())
    }

    /// A meeting's minutes' topic.
    pub fn minutes(id: i64) -> Self {
        Self::Instance {
            definition: "minutes".to_owned(),
            id,
        }
    }

    /// A workflow instance's topic.
    pub fn instance(definition: &str, id: i64) -> Self {
        Self::Instance {
            definition: definition.to_owned(),
            id,
        }
    }

    /// The instance of `definition` a stored topic names, if any.
    pub fn instance_id(key: &str, definition: &str) -> Option<i64> {
        key.strip_prefix(definition)
            .and_then(|rest| rest.strip_prefix(':'))
            .and_then(|n| n.parse().ok())
    }

    /// Whether a stored topic is a meeting's minutes'.
    pub fn is_minutes(key: &str) -> bool {
        key.starts_with("minutes:")
    }

    /// The meeting a stored topic or scope names, if any.
    pub fn meeting_id(key: &str) -> Option<i32> {
        key.strip_prefix("meeting:").and_then(|n| n.parse().ok())
    }
}

/// A seat still without a nominee when a call's deadline nears.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UncoveredSeat {
    pub position: String,
    pub seat: i32,
    pub mandate_id: i32,
    pub holder: String,
}

/// The key the variant's name is serialized under (outside the stored payload).
const TAG: &str = "$kind";

/// One entry of the event log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "$kind",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// A workflow instance moved (written by the engine).
    Transition {
        instance_id: i64,
        definition: String,
        from: Option<String>,
        event: String,
        to: String,
        version: i32,
        actor: String,
        role: String,
        note: Option<String>,
        at: String,
    },
    ConsultationResponse {
        state: Option<String>,
        organization: Option<String>,
        stance: Option<String>,
        note: Option<String>,
        #[serde(default)]
        by: Option<String>,
    },
    ConsultationResponseWithdrawn {
        state: Option<String>,
        #[serde(default)]
        organization: Option<String>,
        by: String,
    },
    /// The dates of an open nomination's term moved with its deciding meeting.
    TermChanged {
        term_starts_on: NaiveDate,
        term_ends_on: NaiveDate,
        /// The deciding meeting's code.
        meeting: String,
    },
    MandateDesignated {
        mandate_id: i32,
        position: String,
        state: String,
        seat: i32,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
        meeting: String,
        nomination_id: Option<i64>,
    },
    MandateStarted {
        mandate_id: i32,
        position: String,
        state: String,
        seat: i32,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
    },
    MandateEnded {
        mandate_id: i32,
        position: String,
        state: String,
        seat: i32,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
    },
    DecisionRecorded {
        agenda_item_id: i32,
        /// The nomination decided, for the nomination workflow's decisions.
        #[serde(default)]
        nomination_id: Option<i64>,
        decision: String,
        #[serde(default)]
        version: Option<i32>,
        /// The register's entry (entries written before the register have none).
        #[serde(default)]
        decision_id: Option<i32>,
        #[serde(default)]
        kind: Option<String>,
    },
    /// A committee meeting's invitations changed: scheduled, moved (members
    /// follow the composition on its date), invited or withdrawn.
    InvitationsChanged {
        /// `scheduled`, `moved`, `invited` or `withdrawn`.
        reason: String,
        added: Vec<String>,
        removed: Vec<String>,
    },
    ApologiesSent {
        invitation_id: i32,
        party: String,
        by: String,
    },
    AttendanceRecorded {
        present: usize,
        apologies_received: usize,
        absent: usize,
        version: i32,
    },
    AgendaAdopted {
        additional: Vec<String>,
        agenda: Vec<String>,
        version: i32,
        status: String,
    },
    ActionPointAdded {
        action_point_id: i32,
        text: String,
        owner: String,
        due_on: NaiveDate,
    },
    /// An open action point reached its due date.
    ActionPointDue {
        action_point_id: i32,
        text: String,
        owner: String,
        due_on: NaiveDate,
    },
    ActionPointClosed {
        action_point_id: i32,
        /// `DONE` or `DROPPED`.
        status: String,
        note: Option<String>,
        /// The meeting where it was closed, if any.
        meeting: Option<String>,
    },
    /// A text of the minutes was saved (a new revision).
    MinutesRevised {
        minutes_id: i64,
        agenda_item_id: i32,
        revision: i32,
        author: String,
    },
    /// The comments deadline of circulated minutes passed.
    MinutesCommentsClosed { minutes_id: i64 },
    /// A background document was added to a topic.
    TopicDocumentAdded {
        topic_id: i64,
        title: String,
        kind: String,
        symbol: Option<String>,
    },
    /// A work plan's content changed (objectives, activities, ratings).
    WorkPlanChanged {
        work_plan_id: i64,
        /// What changed: `objectiveAdded`, `activityAdded`, `activity`, `rated`.
        change: String,
        version: i32,
    },
    MeetingScheduled {
        code: String,
        kind: String,
        starts_on: Option<NaiveDate>,
        ends_on: Option<NaiveDate>,
        city: Option<String>,
        version: i32,
        status: String,
    },
    MeetingUpdated {
        starts_on: Option<NaiveDate>,
        ends_on: Option<NaiveDate>,
        city: Option<String>,
        version: i32,
        status: String,
    },
    MeetingStatusChanged {
        from: String,
        to: String,
        version: i32,
        status: String,
    },
    AgendaChanged {
        change: String,
        agenda_item_id: i32,
        title: String,
        agenda: Vec<String>,
        version: i32,
        status: String,
    },
    CallOpened {
        call_id: i32,
        meeting: String,
        deadline: String,
        vacancies: usize,
    },
    CallDeadlineWarning {
        call_id: i32,
        meeting: String,
        deadline: String,
        uncovered: Vec<UncoveredSeat>,
    },
    /// A start reconciled the reference data with a database that held an
    /// earlier release's: a row was added, corrected or retired.
    ReferenceCorrected {
        /// `ADDED`, `CORRECTED` or `RETIRED`.
        change: String,
        /// `state`, `organization`, `meeting`, `position`, `mandate`,
        /// `actionPlan` or `action`.
        table: String,
        /// Which row: a code, or a mandate's State, position and start.
        key: String,
        /// The fields corrected.
        fields: Vec<String>,
    },
}

impl Event {
    /// The mandate it is about, if any.
    pub fn mandate_id(&self) -> Option<i32> {
        match self {
            Self::MandateDesignated { mandate_id, .. }
            | Self::MandateStarted { mandate_id, .. }
            | Self::MandateEnded { mandate_id, .. } => Some(*mandate_id),
            _ => None,
        }
    }

    /// The stored kind and payload.
    pub fn to_stored(&self) -> (String, serde_json::Value) {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        let kind = value
            .as_object_mut()
            .and_then(|o| o.remove(TAG))
            .and_then(|k| k.as_str().map(str::to_owned))
            .unwrap_or_default();
        (kind, value)
    }

    /// Reads a stored entry back.
    pub fn from_stored(kind: &str, payload: &serde_json::Value) -> Result<Self, serde_json::Error> {
        let mut value = payload.clone();
        if let Some(object) = value.as_object_mut() {
            object.insert(TAG.to_owned(), serde_json::Value::from(kind));
        }
        serde_json::from_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_round_trips_through_its_stored_form() {
        let event = Event::MeetingStatusChanged {
            from: "PLANNED".into(),
            to: "IN_SESSION".into(),
            version: 2,
            status: "IN_SESSION".into(),
        };
        let (kind, payload) = event.to_stored();
        assert_eq!(kind, "MEETING_STATUS_CHANGED");
        assert_eq!(payload["version"], 2);
        assert!(payload.get(TAG).is_none());
        assert_eq!(Event::from_stored(&kind, &payload).expect("reads"), event);
    }

    #[test]
    fn topics_have_their_stored_keys() {
        assert_eq!(Topic::nomination(7).key(), "nomination:7");
        assert_eq!(Topic::Meeting(3).key(), "meeting:3");
        assert_eq!(Topic::nomination_id("nomination:7"), Some(7));
        assert_eq!(Topic::meeting_id("meeting:3"), Some(3));
    }
}
