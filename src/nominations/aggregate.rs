//! A nomination as one unit: its row, its workflow instance, its position and
//! its deciding meeting, loaded together (and, for a move, locked), and the
//! rule that dates its term.

use chrono::{Months, NaiveDate};
use entity::{meeting, nomination, position, workflow_instance};
use sea_orm::sea_query::LockType;
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, QuerySelect};

use crate::error::ApiError;

/// A nomination with what its moves look at.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub nomination: nomination::Model,
    pub instance: workflow_instance::Model,
    pub position: position::Model,
    pub meeting: meeting::Model,
}

fn missing(what: &str, id: i64) -> ApiError {
    tracing::error!(nomination = id, "nomination {id} has no {what}");
    ApiError::Internal
}

/// Loads a nomination; with `lock`, its workflow instance is locked for the
/// rest of the transaction (PostgreSQL), so that every check made on it holds
/// until the move commits.
pub async fn load<C: ConnectionTrait>(conn: &C, id: i64, lock: bool) -> Result<Loaded, ApiError> {
    let mut instance = workflow_instance::Entity::find_by_id(id);
    if lock && conn.get_database_backend() == DatabaseBackend::Postgres {
        instance = instance.lock(LockType::Update);
    }
    let instance = instance
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no nomination {id}")))?;
    let nomination = nomination::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no nomination {id}")))?;
    let position = position::Entity::find_by_id(nomination.position_id)
        .one(conn)
        .await?
        .ok_or_else(|| missing("position", id))?;
    let meeting = meeting::Entity::find_by_id(nomination.deciding_meeting_id)
        .one(conn)
        .await?
        .ok_or_else(|| missing("deciding meeting", id))?;
    Ok(Loaded {
        nomination,
        instance,
        position,
        meeting,
    })
}

/// `date` plus whole years (the same day, or the last of the month).
pub fn add_years(date: NaiveDate, years: i32) -> NaiveDate {
    date.checked_add_months(Months::new(12 * years.max(0) as u32))
        .unwrap_or(date)
}

/// The term a new nomination is for: from the end of the deciding meeting,
/// for the position's term.
pub fn term(
    meeting: &meeting::Model,
    position: &position::Model,
) -> Option<(NaiveDate, NaiveDate)> {
    let start = meeting.ends_on.or(meeting.starts_on)?;
    Some((start, add_years(start, position.term_years)))
}

/// The date the deciding meeting is held on ("a State Party on the meeting's date").
pub fn meeting_date(meeting: &meeting::Model, fallback: NaiveDate) -> NaiveDate {
    meeting.starts_on.or(meeting.ends_on).unwrap_or(fallback)
}

/// The key that keeps one open nomination per position, State and deciding meeting.
pub fn open_seat(position_id: i32, state: &str, meeting_id: i32) -> String {
    format!("{position_id}:{state}:{meeting_id}")
}
