//! Who reads which minutes, and what they read. Drafts and circulated or
//! approved minutes are for the meeting's invitees (members by State,
//! observers by organisation, invited guests by account, the ISU and the
//! President's office); published minutes are public. A reader who may not
//! see unpublished minutes is refused whether or not any exist, so their
//! existence does not leak. The public record of a closed meeting names no
//! State in the texts the ISU marked non-attributable.

use std::collections::BTreeMap;

use entity::{invitation, minutes, minutes_revision, state};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::definition::PUBLISHED;
use crate::auth::{Identity, Role};
use crate::error::ApiError;
use crate::meetings::invitations::is_invitee;

/// What a reader may see of a meeting's minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Every state of the minutes, with every name.
    Invitee,
    /// Published minutes only, as the public record.
    Public,
}

impl Access {
    /// Whether minutes in `state` may be shown.
    pub fn sees(self, state: &str) -> bool {
        self == Self::Invitee || state == PUBLISHED
    }

    /// Whether an event-log entry may be shown: anything but the minutes'
    /// steps before their publication, which are for invitees.
    pub fn shows(self, entry: &entity::event_log::Model) -> bool {
        if self == Self::Invitee || !crate::events::Topic::is_minutes(&entry.topic) {
            return true;
        }
        matches!(
            crate::events::Event::from_stored(&entry.kind, &entry.payload),
            Ok(crate::events::Event::Transition { to, .. }) if to == PUBLISHED
        )
    }
}

/// The reader's access to the minutes of `meeting_id`.
pub async fn access<C: ConnectionTrait>(
    conn: &C,
    who: Option<&Identity>,
    meeting_id: i32,
) -> Result<Access, ApiError> {
    let Some(who) = who else {
        return Ok(Access::Public);
    };
    if matches!(who.role, Role::Admin | Role::Presidency) {
        return Ok(Access::Invitee);
    }
    let invitations = invitation::Entity::find()
        .filter(invitation::Column::MeetingId.eq(meeting_id))
        .all(conn)
        .await?;
    Ok(if is_invitee(who, &invitations) {
        Access::Invitee
    } else {
        Access::Public
    })
}

/// The refusal for a reader who may not see unpublished minutes.
pub fn not_published() -> ApiError {
    ApiError::Forbidden(
        "the minutes of this meeting are not published: they are for its invitees".to_owned(),
    )
}

/// The latest revision of each item's text, by agenda item.
pub fn current(revisions: &[minutes_revision::Model]) -> BTreeMap<i32, &minutes_revision::Model> {
    let mut out: BTreeMap<i32, &minutes_revision::Model> = BTreeMap::new();
    for r in revisions {
        match out.get(&r.agenda_item_id) {
            Some(seen) if seen.revision >= r.revision => {}
            _ => {
                out.insert(r.agenda_item_id, r);
            }
        }
    }
    out
}

/// The revisions of each of `ids`' minutes, oldest first.
pub async fn revisions<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<Vec<minutes_revision::Model>, ApiError> {
    Ok(minutes_revision::Entity::find()
        .filter(minutes_revision::Column::MinutesId.is_in(ids.iter().copied()))
        .order_by_asc(minutes_revision::Column::Id)
        .all(conn)
        .await?)
}

/// The minutes of each of `meetings`.
pub async fn of_meetings<C: ConnectionTrait>(
    conn: &C,
    meetings: &[i32],
) -> Result<Vec<minutes::Model>, ApiError> {
    Ok(minutes::Entity::find()
        .filter(minutes::Column::MeetingId.is_in(meetings.iter().copied()))
        .all(conn)
        .await?)
}

/// `text` naming no State: every State's name and code replaced by "a delegation".
pub fn without_states(text: &str, states: &[state::Model]) -> String {
    let mut names: Vec<&str> = states
        .iter()
        .flat_map(|s| [s.name.as_str(), s.iso3.as_str()])
        .filter(|n| !n.is_empty())
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = text.to_owned();
    for name in names {
        out = replace_word(&out, name, "a delegation");
    }
    out
}

/// Replaces whole-word occurrences of `word` (an article "the" before it included).
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = &rest[..at];
        let after = &rest[at + word.len()..];
        let bounded_left = before
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let bounded_right = after.chars().next().is_none_or(|c| !c.is_alphanumeric());
        if bounded_left && bounded_right {
            let kept = before
                .strip_suffix("the ")
                .or_else(|| before.strip_suffix("The "))
                .unwrap_or(before);
            out.push_str(kept);
            out.push_str(with);
        } else {
            out.push_str(before);
            out.push_str(word);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(iso3: &str, name: &str) -> state::Model {
        state::Model {
            iso3: iso3.into(),
            name: name.into(),
            un_regional_group: None,
            signed_on: None,
            deposited_on: None,
            deposit_kind: None,
            entry_into_force_on: None,
            withdrawal_effective_on: None,
            source: String::new(),
        }
    }

    #[test]
    fn a_non_attributable_text_names_no_state() {
        let states = [state("PHL", "Philippines"), state("NLD", "Netherlands")];
        let text = "The Philippines proposed a working paper; the Netherlands (NLD) agreed. Phillipsburg stays.";
        assert_eq!(
            without_states(text, &states),
            "a delegation proposed a working paper; a delegation (a delegation) agreed. Phillipsburg stays."
        );
    }
}
