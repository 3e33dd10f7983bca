//! Reading meetings.

use chrono::NaiveDate;
use entity::{agenda_item, decision, meeting, meeting_session};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder};

use super::model::{MeetingKind, MeetingStatus};
use crate::db::Db;
use crate::error::ApiError;
use crate::paging::{PageArgs, Window, fetch, like_pattern};

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

/// The number of each of `ids` that is a committee meeting with dates: its
/// order among the committee meetings of its year not cancelled, by date,
/// hour and id. Two statements whatever the number of meetings.
pub async fn committee_numbers(
    db: &Db,
    ids: &[i32],
) -> Result<std::collections::HashMap<i32, i32>, ApiError> {
    let kind = MeetingKind::CoordinationCommittee.as_str();
    let asked = meeting::Entity::find()
        .filter(meeting::Column::Id.is_in(ids.iter().copied()))
        .filter(meeting::Column::Kind.eq(kind))
        .all(&db.conn)
        .await?;
    let years: std::collections::BTreeSet<i32> = asked
        .iter()
        .filter_map(|m| m.starts_on.map(|d| chrono::Datelike::year(&d)))
        .collect();
    let mut out = std::collections::HashMap::new();
    if years.is_empty() {
        return Ok(out);
    }
    let first = years.iter().min().copied().unwrap_or_default();
    let last = years.iter().max().copied().unwrap_or_default();
    let (Some(from), Some(to)) = (
        chrono::NaiveDate::from_ymd_opt(first, 1, 1),
        chrono::NaiveDate::from_ymd_opt(last, 12, 31),
    ) else {
        return Ok(out);
    };
    let mut all = meeting::Entity::find()
        .filter(meeting::Column::Kind.eq(kind))
        .filter(meeting::Column::Status.ne(MeetingStatus::Cancelled.as_str()))
        .filter(meeting::Column::StartsOn.gte(from))
        .filter(meeting::Column::StartsOn.lte(to))
        .all(&db.conn)
        .await?;
    all.sort_by(|a, b| (a.starts_on, &a.start_time, a.id).cmp(&(b.starts_on, &b.start_time, b.id)));
    let mut counts: std::collections::HashMap<i32, i32> = std::collections::HashMap::new();
    for m in all {
        let Some(year) = m.starts_on.map(|d| chrono::Datelike::year(&d)) else {
            continue;
        };
        let n = counts.entry(year).or_default();
        *n += 1;
        if ids.contains(&m.id) {
            out.insert(m.id, *n);
        }
    }
    Ok(out)
}

/// Which decisions to list (the decision register).
#[derive(Clone, Debug, Default)]
pub struct DecisionQuery {
    pub meeting_kinds: Vec<MeetingKind>,
    pub meeting_id: Option<i32>,
    /// Recorded on or after this day.
    pub from: Option<NaiveDate>,
    /// Recorded on or before this day.
    pub to: Option<NaiveDate>,
    pub search: Option<String>,
}

/// One page of the decision register (latest first) and how many match in all.
pub async fn list_decisions(
    db: &Db,
    query: &DecisionQuery,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<decision::Model>), ApiError> {
    let mut cond = Condition::all();
    if !query.meeting_kinds.is_empty() {
        let kinds: Vec<&str> = query.meeting_kinds.iter().map(|k| k.as_str()).collect();
        cond = cond.add(
            decision::Column::MeetingId.in_subquery(
                Query::select()
                    .column(meeting::Column::Id)
                    .from(meeting::Entity)
                    .and_where(meeting::Column::Kind.is_in(kinds))
                    .to_owned(),
            ),
        );
    }
    if let Some(id) = query.meeting_id {
        cond = cond.add(decision::Column::MeetingId.eq(id));
    }
    if let Some(from) = query.from {
        cond =
            cond.add(decision::Column::RecordedAt.gte(crate::committee::mandates::midnight(from)));
    }
    if let Some(to) = query.to.and_then(|d| d.succ_opt()) {
        cond = cond.add(decision::Column::RecordedAt.lt(crate::committee::mandates::midnight(to)));
    }
    if let Some(search) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        cond = cond.add(
            Expr::expr(Func::lower(Expr::col(decision::Column::Text)))
                .like(LikeExpr::new(like_pattern(search)).escape('\\')),
        );
    }
    let select = decision::Entity::find()
        .filter(cond)
        .order_by_desc(decision::Column::RecordedAt)
        .order_by_desc(decision::Column::Id);
    fetch(&db.conn, select, args).await
}

/// Every meeting of `kinds` (all kinds when empty), for the calendar feed, in date order.
pub async fn calendar(db: &Db, kinds: &[MeetingKind]) -> Result<Vec<meeting::Model>, ApiError> {
    let mut select = meeting::Entity::find();
    if !kinds.is_empty() {
        select = select.filter(meeting::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())));
    }
    Ok(select
        .order_by_asc(meeting::Column::StartsOn)
        .order_by_asc(meeting::Column::Id)
        .all(&db.conn)
        .await?)
}
