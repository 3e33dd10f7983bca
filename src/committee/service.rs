//! Reading the committee's data, for the GraphQL types, the CLI and the tests
//! (paging arguments come from `graphql::pagination`).

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{mandate, organization, position, state};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, Order, QueryFilter,
    QueryOrder, QuerySelect, Statement, Value,
};

use super::model::{PositionKind, RegionalGroup, StateRelation};
use crate::db::{Columns, Db, Projected, Projection};
use crate::error::ApiError;
use crate::paging::{PageArgs, Window, fetch, like_pattern};

/// Which States to list.
#[derive(Clone, Debug, Default)]
pub struct StateQuery {
    pub regional_group: Option<RegionalGroup>,
    /// Some(false): only States in no regional group (the Holy See, the Cook Islands, Niue).
    pub has_regional_group: Option<bool>,
    pub relation: Option<(StateRelation, NaiveDate)>,
    pub search: Option<String>,
}

/// How to order States.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateSort {
    Name,
    Code,
    DepositedOn,
    EntryIntoForceOn,
}

fn on_or_before(column: state::Column, date: NaiveDate) -> Condition {
    Condition::all()
        .add(column.is_not_null())
        .add(column.lte(date))
}

fn not_by(column: state::Column, date: NaiveDate) -> Condition {
    Condition::any().add(column.is_null()).add(column.gt(date))
}

/// The SQL form of [`StateRelation::of`].
fn relation_condition(relation: StateRelation, on: NaiveDate) -> Condition {
    use state::Column as C;
    let withdrawn = on_or_before(C::WithdrawalEffectiveOn, on);
    let not_withdrawn = not_by(C::WithdrawalEffectiveOn, on);
    match relation {
        StateRelation::Withdrawn => withdrawn,
        StateRelation::StateParty => Condition::all()
            .add(not_withdrawn)
            .add(on_or_before(C::EntryIntoForceOn, on)),
        StateRelation::AwaitingEntryIntoForce => Condition::all()
            .add(not_withdrawn)
            .add(not_by(C::EntryIntoForceOn, on))
            .add(on_or_before(C::DepositedOn, on)),
        StateRelation::Signatory => Condition::all()
            .add(not_by(C::DepositedOn, on))
            .add(on_or_before(C::SignedOn, on)),
        StateRelation::None => Condition::all()
            .add(not_by(C::DepositedOn, on))
            .add(not_by(C::SignedOn, on)),
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `\` as the escape.
fn state_condition(query: &StateQuery) -> Condition {
    let mut cond = Condition::all();
    if let Some(group) = query.regional_group {
        cond = cond.add(state::Column::UnRegionalGroup.eq(group.as_str()));
    }
    match query.has_regional_group {
        Some(true) => cond = cond.add(state::Column::UnRegionalGroup.is_not_null()),
        Some(false) => cond = cond.add(state::Column::UnRegionalGroup.is_null()),
        None => {}
    }
    if let Some((relation, on)) = query.relation {
        cond = cond.add(relation_condition(relation, on));
    }
    if let Some(search) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = like_pattern(search);
        cond = cond.add(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(state::Column::Name)))
                        .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\')),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col(state::Column::Iso3)))
                        .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
                ),
        );
    }
    cond
}

/// One page of States and how many match in all.
#[tracing::instrument(skip(db))]
pub async fn list_states(
    db: &Db,
    query: &StateQuery,
    sort: StateSort,
    direction: Order,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<state::Model>), ApiError> {
    let column = match sort {
        StateSort::Name => state::Column::Name,
        StateSort::Code => state::Column::Iso3,
        StateSort::DepositedOn => state::Column::DepositedOn,
        StateSort::EntryIntoForceOn => state::Column::EntryIntoForceOn,
    };
    // NULL dates sort last in either direction, on both databases.
    let select = state::Entity::find()
        .filter(state_condition(query))
        .order_by(Expr::col(column).is_null(), Order::Asc)
        .order_by(column, direction.clone())
        .order_by(state::Column::Iso3, direction);
    fetch(&db.conn, select, args).await
}

/// Normalises and checks an ISO 3166 alpha-3 code.
pub fn parse_iso3(code: &str) -> Result<String, ApiError> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(ApiError::bad_input(format!(
            "`{code}` is not an ISO 3166 alpha-3 code"
        )))
    }
}

pub async fn state_by_code(db: &Db, code: &str) -> Result<Option<state::Model>, ApiError> {
    let code = parse_iso3(code)?;
    Ok(state::Entity::find_by_id(code).one(&db.conn).await?)
}

/// Every position, in the committee's order.
pub async fn positions(db: &Db) -> Result<Vec<position::Model>, ApiError> {
    Ok(position::Entity::find()
        .order_by_asc(position::Column::SortOrder)
        .order_by_asc(position::Column::Id)
        .all(&db.conn)
        .await?)
}

pub async fn position_by_code(db: &Db, code: &str) -> Result<Option<position::Model>, ApiError> {
    Ok(position::Entity::find()
        .filter(position::Column::Code.eq(code.trim().to_ascii_uppercase()))
        .one(&db.conn)
        .await?)
}

/// Every organization, observers first.
pub async fn organizations(db: &Db) -> Result<Vec<organization::Model>, ApiError> {
    Ok(organization::Entity::find()
        .order_by_asc(organization::Column::Kind)
        .order_by_asc(organization::Column::Code)
        .all(&db.conn)
        .await?)
}

/// Mandates active on a date: started on or before it, not yet ended.
pub fn active_on(date: NaiveDate) -> Condition {
    Condition::all()
        .add(mandate::Column::StartsOn.lte(date))
        .add(
            Condition::any()
                .add(mandate::Column::EndsOn.is_null())
                .add(mandate::Column::EndsOn.gt(date)),
        )
}

/// The positions whose seats a State holds on a date (one statement).
pub async fn seats_held<C: ConnectionTrait>(
    conn: &C,
    state_iso3: &str,
    date: NaiveDate,
) -> Result<Vec<i32>, ApiError> {
    Ok(mandate::Entity::find()
        .filter(mandate::Column::StateIso3.eq(state_iso3))
        .filter(active_on(date))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.position_id)
        .collect())
}

/// Which mandates to list.
#[derive(Clone, Debug, Default)]
pub struct MandateQuery {
    pub position_code: Option<String>,
    pub state_code: Option<String>,
    pub active_on: Option<NaiveDate>,
}

/// One page of mandates (latest first) and how many match in all.
#[tracing::instrument(skip(db))]
pub async fn list_mandates(
    db: &Db,
    query: &MandateQuery,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<mandate::Model>), ApiError> {
    args.validate()?;
    let mut cond = Condition::all();
    if let Some(code) = &query.position_code {
        let position = position_by_code(db, code)
            .await?
            .ok_or_else(|| ApiError::bad_input(format!("unknown position `{code}`")))?;
        cond = cond.add(mandate::Column::PositionId.eq(position.id));
    }
    if let Some(code) = &query.state_code {
        cond = cond.add(mandate::Column::StateIso3.eq(parse_iso3(code)?));
    }
    if let Some(date) = query.active_on {
        cond = cond.add(active_on(date));
    }
    let select = mandate::Entity::find()
        .filter(cond)
        .order_by_desc(mandate::Column::StartsOn)
        .order_by_desc(mandate::Column::Id);
    fetch(&db.conn, select, args).await
}

/// The parent of a per-parent list of mandates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MandateParent {
    Position(i32),
    State(String),
}

/// Mandates active on `date` for each of `positions`. The Outgoing
/// President's seat is derived from the presidencies: the previous President,
/// from the handover to the current one until the next handover.
pub async fn holders(
    db: &Db,
    positions: &[i32],
    date: NaiveDate,
) -> Result<Vec<mandate::Model>, ApiError> {
    holders_in(&db.conn, positions, date).await
}

/// [`holders`], on any connection (a write transaction included).
pub async fn holders_in<C: ConnectionTrait>(
    conn: &C,
    positions: &[i32],
    date: NaiveDate,
) -> Result<Vec<mandate::Model>, ApiError> {
    let mut rows = mandate::Entity::find()
        .filter(mandate::Column::PositionId.is_in(positions.iter().copied()))
        .filter(active_on(date))
        .order_by_asc(mandate::Column::Seat)
        .order_by_asc(mandate::Column::StartsOn)
        .all(conn)
        .await?;
    let presidencies = position::Entity::find()
        .filter(position::Column::Kind.is_in([
            PositionKind::President.as_str(),
            PositionKind::OutgoingPresident.as_str(),
        ]))
        .all(conn)
        .await?;
    let of = |kind: PositionKind| presidencies.iter().find(|p| p.kind == kind.as_str());
    if let (Some(president), Some(outgoing)) = (
        of(PositionKind::President),
        of(PositionKind::OutgoingPresident),
    ) && positions.contains(&outgoing.id)
    {
        rows.extend(outgoing_presidents(conn, president.id, outgoing.id, date).await?);
    }
    Ok(rows)
}

/// The previous President, shown in the Outgoing President's seat while the
/// current President serves.
async fn outgoing_presidents<C: ConnectionTrait>(
    conn: &C,
    president: i32,
    outgoing: i32,
    date: NaiveDate,
) -> Result<Vec<mandate::Model>, ApiError> {
    let current = mandate::Entity::find()
        .filter(mandate::Column::PositionId.eq(president))
        .filter(active_on(date))
        .all(conn)
        .await?;
    let Some(current) = current.into_iter().next() else {
        return Ok(Vec::new());
    };
    let previous = mandate::Entity::find()
        .filter(mandate::Column::PositionId.eq(president))
        .filter(mandate::Column::EndsOn.eq(current.starts_on))
        .all(conn)
        .await?;
    Ok(previous
        .into_iter()
        .map(|prev| mandate::Model {
            position_id: outgoing,
            seat: 1,
            starts_on: current.starts_on,
            ends_on: current.ends_on,
            source: format!(
                "derived: the previous President, from the handover to the {} until the next; {}",
                current.state_iso3, prev.source
            ),
            ..prev
        })
        .collect())
}

/// How many mandates each parent has.
pub async fn mandate_counts(
    db: &Db,
    parents: &[MandateParent],
) -> Result<HashMap<MandateParent, u64>, ApiError> {
    let mut counts: HashMap<MandateParent, u64> = parents.iter().map(|p| (p.clone(), 0)).collect();
    let positions: Vec<i32> = parents
        .iter()
        .filter_map(|p| match p {
            MandateParent::Position(id) => Some(*id),
            MandateParent::State(_) => None,
        })
        .collect();
    let states: Vec<String> = parents
        .iter()
        .filter_map(|p| match p {
            MandateParent::State(code) => Some(code.clone()),
            MandateParent::Position(_) => None,
        })
        .collect();
    if !positions.is_empty() {
        let rows: Vec<(i32, i64)> = mandate::Entity::find()
            .select_only()
            .column(mandate::Column::PositionId)
            .column_as(mandate::Column::Id.count(), "n")
            .filter(mandate::Column::PositionId.is_in(positions))
            .group_by(mandate::Column::PositionId)
            .into_tuple()
            .all(&db.conn)
            .await?;
        for (id, n) in rows {
            counts.insert(MandateParent::Position(id), n as u64);
        }
    }
    if !states.is_empty() {
        let rows: Vec<(String, i64)> = mandate::Entity::find()
            .select_only()
            .column(mandate::Column::StateIso3)
            .column_as(mandate::Column::Id.count(), "n")
            .filter(mandate::Column::StateIso3.is_in(states))
            .group_by(mandate::Column::StateIso3)
            .into_tuple()
            .all(&db.conn)
            .await?;
        for (code, n) in rows {
            counts.insert(MandateParent::State(code), n as u64);
        }
    }
    Ok(counts)
}

/// The same window of mandates (latest first) for each parent, in one
/// statement that reads each parent's rows through its index rather than
/// ranking every child row: a `LATERAL` join on PostgreSQL, a correlated
/// `IN (... LIMIT)` on SQLite. Only `columns` are read; the others hold
/// their defaults (see `db::Projection`).
pub async fn mandate_pages(
    db: &Db,
    parents: &[MandateParent],
    window: Window,
    columns: MandateColumns,
) -> Result<HashMap<MandateParent, Vec<mandate::Model>>, ApiError> {
    let mut pages: HashMap<MandateParent, Vec<mandate::Model>> =
        parents.iter().map(|p| (p.clone(), Vec::new())).collect();
    let by_position: Vec<Value> = parents
        .iter()
        .filter_map(|p| match p {
            MandateParent::Position(id) => Some(Value::from(*id)),
            MandateParent::State(_) => None,
        })
        .collect();
    let by_state: Vec<Value> = parents
        .iter()
        .filter_map(|p| match p {
            MandateParent::State(code) => Some(Value::from(code.clone())),
            MandateParent::Position(_) => None,
        })
        .collect();
    for (keys, column, pg_type) in [
        (by_position, "position_id", "int4"),
        (by_state, "state_iso3", "bpchar"),
    ] {
        if keys.is_empty() || window.limit == 0 {
            continue;
        }
        let stmt = per_parent_statement(db.backend(), column, pg_type, keys, window, columns);
        for row in db.conn.query_all_raw(stmt).await? {
            let row = page_row(&row, columns)?;
            let parent = if column == "position_id" {
                MandateParent::Position(row.position_id)
            } else {
                MandateParent::State(row.state_iso3.clone())
            };
            pages.entry(parent).or_default().push(row);
        }
    }
    for rows in pages.values_mut() {
        rows.sort_by(|a, b| b.starts_on.cmp(&a.starts_on).then(b.id.cmp(&a.id)));
    }
    Ok(pages)
}

/// The columns a page of mandates may select, in the order it selects and
/// reads them (by position, see `db::Columns`): up to hundreds of rows. The
/// first four are always read: the key, the parent and the order. A nested
/// read that shows a mandate's start and State needs no other.
impl Projected for mandate::Entity {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "position_id",
        "state_iso3",
        "starts_on",
        "seat",
        "ends_on",
        "designated_at_meeting_id",
        "ends_at_meeting_id",
        "renews_mandate_id",
        "nomination_id",
        "attested_on",
        "source",
        "created_at",
    ];
    const ALWAYS: usize = 4;
}

/// Which columns a page of mandates reads.
pub type MandateColumns = Projection<mandate::Entity>;

/// A row of a page that selected `columns`.
fn page_row(
    row: &sea_orm::QueryResult,
    columns: MandateColumns,
) -> Result<mandate::Model, sea_orm::DbErr> {
    let mut c = Columns::selected(row, columns);
    Ok(mandate::Model {
        id: c.get("id")?,
        position_id: c.get("position_id")?,
        state_iso3: c.get("state_iso3")?,
        starts_on: c.get("starts_on")?,
        seat: c.get("seat")?,
        ends_on: c.nullable("ends_on")?,
        designated_at_meeting_id: c.nullable("designated_at_meeting_id")?,
        ends_at_meeting_id: c.nullable("ends_at_meeting_id")?,
        renews_mandate_id: c.nullable("renews_mandate_id")?,
        nomination_id: c.nullable("nomination_id")?,
        attested_on: c.nullable("attested_on")?,
        source: c.get("source")?,
        created_at: c.get("created_at")?,
    })
}

fn per_parent_statement(
    backend: DatabaseBackend,
    column: &str,
    pg_type: &str,
    keys: Vec<Value>,
    window: Window,
    columns: MandateColumns,
) -> Statement {
    let n = keys.len();
    let mut values = keys;
    values.push(Value::from(window.limit as i64));
    values.push(Value::from(window.offset as i64));
    let columns = columns.select_list("m.");
    let sql = match backend {
        DatabaseBackend::Postgres => {
            let rows: Vec<String> = (1..=n).map(|i| format!("(${i}::{pg_type})")).collect();
            format!(
                "SELECT {columns} FROM (VALUES {}) AS p(k) CROSS JOIN LATERAL (\
                 SELECT x.* FROM mandates x WHERE x.{column} = p.k \
                 ORDER BY x.starts_on DESC, x.id DESC LIMIT ${} OFFSET ${}) m",
                rows.join(", "),
                n + 1,
                n + 2
            )
        }
        _ => {
            let rows = vec!["(?)"; n].join(", ");
            format!(
                "WITH p(k) AS (VALUES {rows}) SELECT {columns} FROM p JOIN mandates m ON m.id IN (\
                 SELECT x.id FROM mandates x WHERE x.{column} = p.k \
                 ORDER BY x.starts_on DESC, x.id DESC LIMIT ? OFFSET ?)"
            )
        }
    };
    Statement::from_sql_and_values(backend, sql, values)
}
