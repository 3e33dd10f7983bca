//! Reading meetings.

use entity::{agenda_item, meeting, meeting_session};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder};

use super::model::{MeetingKind, MeetingStatus};
use crate::db::Db;
use crate::error::ApiError;
use crate::paging::{PageArgs, Window, fetch};

/// Which meetings to list.
#[derive(Clone, Debug, Default)]
pub struct MeetingQuery {
    pub kinds: Vec<MeetingKind>,
    pub statuses: Vec<MeetingStatus>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
}

/// One page of meetings in date order and how many match in all.
#[tracing::instrument(skip(db))]
pub async fn list_meetings(
    db: &Db,
    query: &MeetingQuery,
    direction: Order,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<meeting::Model>), ApiError> {
    args.validate()?;
    if let (Some(from), Some(to)) = (query.year_from, query.year_to)
        && from > to
    {
        return Err(ApiError::bad_input("`yearFrom` is after `yearTo`"));
    }
    let mut cond = Condition::all();
    if !query.kinds.is_empty() {
        cond = cond.add(meeting::Column::Kind.is_in(query.kinds.iter().map(|k| k.as_str())));
    }
    if !query.statuses.is_empty() {
        cond = cond.add(meeting::Column::Status.is_in(query.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(from) = query.year_from {
        cond = cond.add(meeting::Column::Year.gte(from));
    }
    if let Some(to) = query.year_to {
        cond = cond.add(meeting::Column::Year.lte(to));
    }
    // Undated meetings sort by year, after the dated ones of that year.
    let select = meeting::Entity::find()
        .filter(cond)
        .order_by(meeting::Column::Year, direction.clone())
        .order_by(
            Expr::col(meeting::Column::StartsOn).is_null(),
            direction.clone(),
        )
        .order_by(meeting::Column::StartsOn, direction.clone())
        .order_by(meeting::Column::Id, direction);
    fetch(&db.conn, select, args).await
}

pub async fn meeting_by_code(db: &Db, code: &str) -> Result<Option<meeting::Model>, ApiError> {
    Ok(meeting::Entity::find()
        .filter(meeting::Column::Code.eq(code.trim().to_ascii_uppercase()))
        .one(&db.conn)
        .await?)
}

pub async fn meeting_by_id(db: &Db, id: i32) -> Result<Option<meeting::Model>, ApiError> {
    Ok(meeting::Entity::find_by_id(id).one(&db.conn).await?)
}

/// The agenda items of each meeting, in order.
pub async fn agendas(db: &Db, meetings: &[i32]) -> Result<Vec<agenda_item::Model>, ApiError> {
    Ok(agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.is_in(meetings.iter().copied()))
        .order_by_asc(agenda_item::Column::MeetingId)
        .order_by_asc(agenda_item::Column::ItemOrder)
        .order_by_asc(agenda_item::Column::Id)
        .all(&db.conn)
        .await?)
}

/// The sessions of each meeting, in order.
pub async fn sessions(db: &Db, meetings: &[i32]) -> Result<Vec<meeting_session::Model>, ApiError> {
    Ok(meeting_session::Entity::find()
        .filter(meeting_session::Column::MeetingId.is_in(meetings.iter().copied()))
        .order_by_asc(meeting_session::Column::MeetingId)
        .order_by_asc(meeting_session::Column::Part)
        .all(&db.conn)
        .await?)
}
