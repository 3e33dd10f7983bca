//! Vacancies: a seat that becomes free at a meeting, because a mandate's term
//! ends there or its holder's withdrawal from the Convention takes effect by
//! then. Derived from mandates, never stored.

use chrono::Days;
use entity::{mandate, meeting, nomination, position, state};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::committee::mandates::ENDING_WINDOW_DAYS;
use crate::error::ApiError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    TermEnds,
    Withdrawal,
}

/// A seat that becomes free at a meeting.
#[derive(Clone, Debug)]
pub struct Vacancy {
    pub position: position::Model,
    pub seat: i32,
    pub mandate: mandate::Model,
    pub reason: Reason,
    /// Open nominations for the position at this meeting.
    pub nominees: Vec<nomination::Model>,
}

/// The vacancies of `m`, by position and seat.
pub async fn vacancies<C: ConnectionTrait>(
    conn: &C,
    m: &meeting::Model,
) -> Result<Vec<Vacancy>, ApiError> {
    let (Some(start), Some(end)) = (m.starts_on, m.ends_on) else {
        return Ok(Vec::new());
    };
    let window = Days::new(ENDING_WINDOW_DAYS);
    let (Some(from), Some(to)) = (start.checked_sub_days(window), end.checked_add_days(window))
    else {
        return Ok(Vec::new());
    };
    let ending = mandate::Entity::find()
        .filter(
            Condition::any()
                .add(mandate::Column::EndsAtMeetingId.eq(m.id))
                .add(
                    Condition::all()
                        .add(mandate::Column::EndsOn.gte(from))
                        .add(mandate::Column::EndsOn.lte(to)),
                ),
        )
        .all(conn)
        .await?;
    // Mandates that run past the meeting, whose holder may be withdrawing.
    let running = mandate::Entity::find()
        .filter(mandate::Column::StartsOn.lte(start))
        .filter(
            Condition::any()
                .add(mandate::Column::EndsOn.is_null())
                .add(mandate::Column::EndsOn.gt(to)),
        )
        .all(conn)
        .await?;
    let withdrawing: Vec<String> = state::Entity::find()
        .filter(state::Column::WithdrawalEffectiveOn.lte(end))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.iso3)
        .collect();
    let mut found: Vec<(mandate::Model, Reason)> =
        ending.into_iter().map(|m| (m, Reason::TermEnds)).collect();
    found.extend(
        running
            .into_iter()
            .filter(|m| withdrawing.contains(&m.state_iso3))
            .map(|m| (m, Reason::Withdrawal)),
    );
    // A mandate renewed from this one does not free the seat.
    let renewed: Vec<i32> = mandate::Entity::find()
        .filter(mandate::Column::RenewsMandateId.is_in(found.iter().map(|(m, _)| m.id)))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|m| m.renews_mandate_id)
        .collect();
    found.retain(|(m, _)| !renewed.contains(&m.id));
    let positions = position::Entity::find().all(conn).await?;
    let nominations = nomination::Entity::find()
        .filter(nomination::Column::DecidingMeetingId.eq(m.id))
        .order_by_asc(nomination::Column::Id)
        .all(conn)
        .await?;
    let open = crate::nominations::read::open_ids(conn, nominations.iter().map(|n| n.id)).await?;
    let mut out: Vec<Vacancy> = found
        .into_iter()
        .filter_map(|(mandate, reason)| {
            let position = positions
                .iter()
                .find(|p| p.id == mandate.position_id)?
                .clone();
            let nominees = nominations
                .iter()
                .filter(|n| n.position_id == position.id && open.contains(&n.id))
                .cloned()
                .collect();
            Some(Vacancy {
                seat: mandate.seat,
                position,
                mandate,
                reason,
                nominees,
            })
        })
        .collect();
    out.sort_by_key(|v| (v.position.sort_order, v.seat, v.mandate.id));
    Ok(out)
}

/// Vacancies whose position has fewer open nominations than free seats.
pub fn uncovered(vacancies: &[Vacancy]) -> Vec<&Vacancy> {
    vacancies
        .iter()
        .filter(|v| {
            let free = vacancies
                .iter()
                .filter(|w| w.position.id == v.position.id)
                .count();
            v.nominees.len() < free
        })
        .collect()
}
