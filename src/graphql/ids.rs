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
            _ => return Err(invalid()),
        })
    }

    /// Decodes an ID that must point at a nomination.
    pub fn nomination(id: &str) -> Result<i64, ApiError> {
        match Self::decode(id)? {
            Self::Nomination(n) => Ok(n),
            _ => Err(ApiError::bad_input(format!(
                "`{id}` is not a nomination ID"
            ))),
        }
    }

    /// Decodes an ID that must point at an invitation.
    pub fn invitation(id: &str) -> Result<i32, ApiError> {
        match Self::decode(id)? {
            Self::Invitation(n) => Ok(n),
            _ => Err(ApiError::bad_input(format!(
                "`{id}` is not an invitation ID"
            ))),
        }
    }

    /// Decodes an ID that must point at an action point.
    pub fn action_point(id: &str) -> Result<i32, ApiError> {
        match Self::decode(id)? {
            Self::ActionPoint(n) => Ok(n),
            _ => Err(ApiError::bad_input(format!(
                "`{id}` is not an action point ID"
            ))),
        }
    }

    /// Decodes an ID that must point at minutes.
    pub fn minutes(id: &str) -> Result<i64, ApiError> {
        match Self::decode(id)? {
            Self::Minutes(n) => Ok(n),
            _ => Err(ApiError::bad_input(format!("`{id}` is not a minutes ID"))),
        }
    }

    /// Decodes an ID that must point at an agenda item.
    pub fn agenda_item(id: &str) -> Result<i32, ApiError> {
        match Self::decode(id)? {
            Self::AgendaItem(n) => Ok(n),
            _ => Err(ApiError::bad_input(format!(
                "`{id}` is not an agenda item ID"
            ))),
        }
    }

    /// Decodes an ID that must point at a mandate.
    pub fn mandate(id: &str) -> Result<i32, ApiError> {
        match Self::decode(id)? {
            Self::Mandate(n) => Ok(n),
            _ => Err(ApiError::bad_input(format!("`{id}` is not a mandate ID"))),
        }
    }

    /// Decodes an ID that must point at a meeting.
    pub fn meeting(id: &str) -> Result<i32, ApiError> {
        match Self::decode(id)? {
            Self::Meeting(n) => Ok(n),
            _ => Err(ApiError::bad_input(format!("`{id}` is not a meeting ID"))),
        }
    }
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
