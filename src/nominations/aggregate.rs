//! A nomination as one unit: its row, its workflow instance, its position,
//! its deciding meeting and its nominee State, loaded together (and, for a move, locked), and the
//! rule that dates its term.

use chrono::{Months, NaiveDate};
use entity::{meeting, nomination, position, state, workflow_instance};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockType, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, IdenStatic, Iterable,
};

use crate::error::ApiError;

/// A nomination with what its moves look at.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub nomination: nomination::Model,
    pub instance: workflow_instance::Model,
    pub position: position::Model,
    pub meeting: meeting::Model,
    /// The nominated State, whose dates the `stateParty` guard reads.
    pub nominee: state::Model,
}

/// Adds every column of `E` to `select`, named `{prefix}{column}`.
fn columns<E: EntityTrait + Default>(select: &mut SelectStatement, prefix: &str) {
    for column in E::Column::iter() {
        select.expr_as(
            Expr::col((E::default(), column)),
            Alias::new(format!("{prefix}{}", column.as_str())),
        );
    }
}

/// Loads a nomination, its instance, position, deciding meeting and
/// nominee State in one statement; with `lock`, its workflow instance (only) is locked for the
/// rest of the transaction (PostgreSQL), so that every check made on it
/// holds until the move commits.
pub async fn load<C: ConnectionTrait>(conn: &C, id: i64, lock: bool) -> Result<Loaded, ApiError> {
    let mut select = Query::select();
    columns::<workflow_instance::Entity>(&mut select, "i_");
    columns::<nomination::Entity>(&mut select, "n_");
    columns::<position::Entity>(&mut select, "p_");
    columns::<meeting::Entity>(&mut select, "m_");
    columns::<state::Entity>(&mut select, "s_");
    select
        .from(workflow_instance::Entity)
        .inner_join(
            nomination::Entity,
            Expr::col((nomination::Entity, nomination::Column::Id))
                .equals((workflow_instance::Entity, workflow_instance::Column::Id)),
        )
        .inner_join(
            position::Entity,
            Expr::col((position::Entity, position::Column::Id))
                .equals((nomination::Entity, nomination::Column::PositionId)),
        )
        .inner_join(
            meeting::Entity,
            Expr::col((meeting::Entity, meeting::Column::Id))
                .equals((nomination::Entity, nomination::Column::DecidingMeetingId)),
        )
        .inner_join(
            state::Entity,
            Expr::col((state::Entity, state::Column::Iso3))
                .equals((nomination::Entity, nomination::Column::StateIso3)),
        )
        .and_where(Expr::col((workflow_instance::Entity, workflow_instance::Column::Id)).eq(id));
    let backend = conn.get_database_backend();
    if lock && backend == DatabaseBackend::Postgres {
        select.lock_with_tables(LockType::Update, [workflow_instance::Entity]);
    }
    let row = conn
        .query_one_raw(backend.build(&select))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no nomination {id}")))?;
    Ok(Loaded {
        instance: workflow_instance::Model::from_query_result(&row, "i_")?,
        nomination: nomination::Model::from_query_result(&row, "n_")?,
        position: position::Model::from_query_result(&row, "p_")?,
        meeting: meeting::Model::from_query_result(&row, "m_")?,
        nominee: state::Model::from_query_result(&row, "s_")?,
    })
}

/// `date` plus whole years (the same day, or the last of the month).
pub fn add_years(date: NaiveDate, years: i32) -> NaiveDate {
    date.checked_add_months(Months::new(12 * Ord::max(years, 0) as u32))
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
