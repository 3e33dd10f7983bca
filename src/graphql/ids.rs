//! Opaque global IDs for `node(id)`: base64 of `Type:key`.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// What a global ID points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GlobalId {
    State(String),
    Organization(String),
    Position(i32),
    Mandate(i32),
    Meeting(i32),
    AgendaItem(i32),
    Nomination(i64),
    Invitation(i32),
    Decision(i32),
    ActionPoint(i32),
    Minutes(i64),
    Topic(i64),
    TopicDocument(i32),
    WorkPlan(i64),
    Objective(i32),
    Activity(i32),
}

/// A decoder for IDs of one type: BAD_USER_INPUT for any other.
macro_rules! typed {
    ($(#[$doc:meta])* $name:ident, $variant:ident, $key:ty, $what:literal) => {
        $(#[$doc])*
        pub fn $name(id: &str) -> Result<$key, ApiError> {
            match Self::decode(id)? {
                Self::$variant(n) => Ok(n),
                _ => Err(ApiError::bad_input(format!(
                    concat!("`{}` is not ", $what, " ID"),
                    id
                ))),
            }
        }
    };
}

impl GlobalId {
    pub fn encode(&self) -> ID {
        let raw = match self {
            Self::State(code) => format!("State:{code}"),
            Self::Organization(code) => format!("Organization:{code}"),
            Self::Position(id) => format!("Position:{id}"),
            Self::Mandate(id) => format!("Mandate:{id}"),
            Self::Meeting(id) => format!("Meeting:{id}"),
            Self::AgendaItem(id) => format!("AgendaItem:{id}"),
            Self::Nomination(id) => format!("Nomination:{id}"),
            Self::Invitation(id) => format!("Invitation:{id}"),
            Self::Decision(id) => format!("Decision:{id}"),
            Self::ActionPoint(id) => format!("ActionPoint:{id}"),
            Self::Minutes(id) => format!("Minutes:{id}"),
            Self::Topic(id) => format!("Topic:{id}"),
            Self::TopicDocument(id) => format!("TopicDocument:{id}"),
            Self::WorkPlan(id) => format!("WorkPlan:{id}"),
            Self::Objective(id) => format!("Objective:{id}"),
            Self::Activity(id) => format!("Activity:{id}"),
        };
        ID(URL_SAFE_NO_PAD.encode(raw))
    }

    pub fn decode(id: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::bad_input(format!("`{id}` is not a valid ID"));
        let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
        let raw = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (kind, key) = raw.split_once(':').ok_or_else(invalid)?;
        let number = || key.parse::<i32>().map_err(|_| invalid());
        Ok(match kind {
            "State" => Self::State(key.to_owned()),
            "Organization" => Self::Organization(key.to_owned()),
            "Position" => Self::Position(number()?),
            "Mandate" => Self::Mandate(number()?),
            "Meeting" => Self::Meeting(number()?),
            "AgendaItem" => Self::AgendaItem(number()?),
            "Nomination" => Self::Nomination(key.parse().map_err(|_| invalid())?),
            "Invitation" => Self::Invitation(number()?),
            "Decision" => Self::Decision(number()?),
            "ActionPoint" => Self::ActionPoint(number()?),
            "Minutes" => Self::Minutes(key.parse().map_err(|_| invalid())?),
            "Topic" => Self::Topic(key.parse().map_err(|_| invalid())?),
            "TopicDocument" => Self::TopicDocument(number()?),
            "WorkPlan" => Self::WorkPlan(key.parse().map_err(|_| invalid())?),
            "Objective" => Self::Objective(number()?),
            "Activity" => Self::Activity(number()?),
            _ => return Err(invalid()),
        })
    }

    typed!(
        /// Decodes an ID that must point at a nomination.
        nomination, Nomination, i64, "a nomination"
    );
    typed!(
        /// Decodes an ID that must point at an invitation.
        invitation, Invitation, i32, "an invitation"
    );
    typed!(
        /// Decodes an ID that must point at an action point.
        action_point, ActionPoint, i32, "an action point"
    );
    typed!(
        /// Decodes an ID that must point at minutes.
        minutes, Minutes, i64, "a minutes"
    );
    typed!(
        /// Decodes an ID that must point at an agenda item.
        agenda_item, AgendaItem, i32, "an agenda item"
    );
    typed!(
        /// Decodes an ID that must point at a mandate.
        mandate, Mandate, i32, "a mandate"
    );
    typed!(
        /// Decodes an ID that must point at a meeting.
        meeting, Meeting, i32, "a meeting"
    );
    typed!(
        /// Decodes an ID that must point at a topic.
        topic, Topic, i64, "a topic"
    );
    typed!(
        /// Decodes an ID that must point at a work plan.
        work_plan, WorkPlan, i64, "a work plan"
    );
    typed!(
        /// Decodes an ID that must point at a work plan's objective.
        objective, Objective, i32, "an objective"
    );
    typed!(
        /// Decodes an ID that must point at a work plan's activity.
        activity, Activity, i32, "an activity"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for id in [
            GlobalId::State("NOR".into()),
            GlobalId::Meeting(12),
            GlobalId::Mandate(7),
        ] {
            assert_eq!(GlobalId::decode(&id.encode()).expect("decodes"), id);
        }
    }

    #[test]
    fn garbage_is_bad_user_input() {
        for bad in ["", "!!", "U3RhdGU", "TWVldGluZzp4"] {
            assert!(matches!(
                GlobalId::decode(bad),
                Err(ApiError::BadUserInput(_))
            ));
        }
    }
}
