//! Regional balance among the States holding or nominated for a position's
//! seats: an aim, never a rule, so it only warns. One assessment, one wording,
//! for a position and for a nomination.

use std::collections::{BTreeMap, BTreeSet};

use entity::{mandate, nomination, state};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::committee::mandates::overlapping;
use crate::error::ApiError;

/// The regional groups around a position's seats, and what looks unbalanced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// One regional group per State considered (States in no group are left out), sorted.
    pub regional_groups: Vec<String>,
    pub warnings: Vec<String>,
}

/// Assesses `members` (State, regional group). With `focus`, only the
/// imbalance that State is part of is reported.
pub fn assess(members: &[(String, Option<String>)], focus: Option<&str>) -> Balance {
    let mut by_group: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (code, group) in members {
        if let Some(group) = group {
            by_group.entry(group).or_default().insert(code);
        }
    }
    let warnings = by_group
        .iter()
        .filter(|(_, codes)| codes.len() > 1)
        .filter(|(_, codes)| focus.is_none_or(|f| codes.contains(f)))
        .map(|(group, codes)| {
            let codes: Vec<&str> = codes.iter().copied().collect();
            format!(
                "{} are all of the {group} group for this position's seats",
                codes.join(", ")
            )
        })
        .collect();
    let mut regional_groups: Vec<String> = by_group
        .iter()
        .flat_map(|(group, codes)| std::iter::repeat_n((*group).to_owned(), codes.len()))
        .collect();
    regional_groups.sort();
    Balance {
        regional_groups,
        warnings,
    }
}

/// The regional groups of `codes`.
pub async fn with_groups<C: ConnectionTrait>(
    conn: &C,
    codes: BTreeSet<String>,
) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let states = state::Entity::find()
        .filter(state::Column::Iso3.is_in(codes.iter().cloned()))
        .all(conn)
        .await?;
    Ok(codes
        .into_iter()
        .map(|code| {
            let group = states
                .iter()
                .find(|s| s.iso3 == code)
                .and_then(|s| s.un_regional_group.clone());
            (code, group)
        })
        .collect())
}

/// The balance around a nomination: the States holding the position's seats
/// during its term and those with open nominations at the same meeting.
pub async fn of_nomination<C: ConnectionTrait>(
    conn: &C,
    n: &nomination::Model,
) -> Result<Balance, ApiError> {
    let holders = mandate::Entity::find()
        .filter(mandate::Column::PositionId.eq(n.position_id))
        .filter(overlapping(n.term_starts_on, n.term_ends_on))
        .filter(
            sea_orm::Condition::any()
                .add(mandate::Column::NominationId.is_null())
                .add(mandate::Column::NominationId.ne(n.id)),
        )
        .all(conn)
        .await?;
    let others = nomination::Entity::find()
        .filter(nomination::Column::PositionId.eq(n.position_id))
        .filter(nomination::Column::DecidingMeetingId.eq(n.deciding_meeting_id))
        .filter(nomination::Column::Id.ne(n.id))
        .all(conn)
        .await?;
    let open = super::read::open_ids(conn, others.iter().map(|o| o.id)).await?;
    let mut codes: BTreeSet<String> = holders.into_iter().map(|m| m.state_iso3).collect();
    codes.extend(
        others
            .into_iter()
            .filter(|o| open.contains(&o.id))
            .map(|o| o.state_iso3),
    );
    codes.insert(n.state_iso3.clone());
    let members = with_groups(conn, codes).await?;
    Ok(assess(&members, Some(&n.state_iso3)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(code: &str, group: &str) -> (String, Option<String>) {
        (code.to_owned(), Some(group.to_owned()))
    }

    #[test]
    fn two_states_of_one_group_are_warned_about_never_blocked() {
        let members = [
            m("NOR", "WESTERN_EUROPEAN_OTHERS"),
            m("SWE", "WESTERN_EUROPEAN_OTHERS"),
            m("ZMB", "AFRICAN"),
        ];
        let all = assess(&members, None);
        assert_eq!(
            all.warnings,
            ["NOR, SWE are all of the WESTERN_EUROPEAN_OTHERS group for this position's seats"]
        );
        assert_eq!(all.regional_groups.len(), 3);
        assert!(assess(&members, Some("ZMB")).warnings.is_empty());
        assert_eq!(assess(&members, Some("SWE")).warnings.len(), 1);
    }
}
