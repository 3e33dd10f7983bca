//! Reading nominations: which are open, who is nominated for a position, and
//! the filtered list behind `nominations`.

use std::collections::BTreeSet;

use entity::{nomination, workflow_instance};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::definition::{self, NominationState, OPEN};
use crate::db::Db;
use crate::error::ApiError;
use crate::paging::{PageArgs, Window};

/// Which of the nominations `ids` are open (in no final state).
pub async fn open_ids<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<BTreeSet<i64>, ApiError> {
    Ok(workflow_instance::Entity::find()
        .filter(workflow_instance::Column::Id.is_in(ids))
        .filter(workflow_instance::Column::State.is_in(OPEN))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
}

/// The States with an open nomination for a position.
pub async fn open_nominees<C: ConnectionTrait>(
    conn: &C,
    position_id: i32,
) -> Result<Vec<String>, ApiError> {
    let nominations = nomination::Entity::find()
        .filter(nomination::Column::PositionId.eq(position_id))
        .all(conn)
        .await?;
    let open = open_ids(conn, nominations.iter().map(|n| n.id)).await?;
    Ok(nominations
        .into_iter()
        .filter(|n| open.contains(&n.id))
        .map(|n| n.state_iso3)
        .collect())
}

/// Which nominations to list.
#[derive(Clone, Debug, Default)]
pub struct NominationQuery {
    pub states: Vec<NominationState>,
    pub position_code: Option<String>,
    pub state_code: Option<String>,
    pub meeting_id: Option<i32>,
}

/// One page of nominations (latest first) and how many match in all.
pub async fn list(
    db: &Db,
    query: &NominationQuery,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<nomination::Model>), ApiError> {
    args.validate()?;
    let mut cond = Condition::all();
    if let Some(code) = &query.position_code {
        let position = crate::committee::service::position_by_code(db, code)
            .await?
            .ok_or_else(|| ApiError::bad_input(format!("unknown position `{code}`")))?;
        cond = cond.add(nomination::Column::PositionId.eq(position.id));
    }
    if let Some(code) = &query.state_code {
        cond = cond
            .add(nomination::Column::StateIso3.eq(crate::committee::service::parse_iso3(code)?));
    }
    if let Some(id) = query.meeting_id {
        cond = cond.add(nomination::Column::DecidingMeetingId.eq(id));
    }
    if !query.states.is_empty() {
        let ids = workflow_instance::Entity::find()
            .select_only()
            .column(workflow_instance::Column::Id)
            .filter(workflow_instance::Column::Definition.eq(definition::NAME))
            .filter(workflow_instance::Column::State.is_in(query.states.iter().map(|s| s.as_str())))
            .into_tuple::<i64>()
            .all(&db.conn)
            .await?;
        cond = cond.add(nomination::Column::Id.is_in(ids));
    }
    let select = nomination::Entity::find()
        .filter(cond)
        .order_by_desc(nomination::Column::Id);
    crate::paging::fetch(&db.conn, select, args).await
}
