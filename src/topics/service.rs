//! Reading topics: the list behind `topics(filter: ...)`.

use entity::{position, topic, topic_placement, workflow_instance};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use super::definition::NAME;
use super::model::TopicState;
use crate::db::Db;
use crate::error::ApiError;
use crate::paging::{PageArgs, Window, fetch};

/// Which topics to list.
#[derive(Clone, Debug, Default)]
pub struct TopicQuery {
    pub states: Vec<TopicState>,
    /// A thematic position's code.
    pub area: Option<String>,
    /// Only topics placed on this meeting's agenda.
    pub meeting_id: Option<i32>,
}

/// One page of topics (latest change first) and how many match in all.
pub async fn list(
    db: &Db,
    query: &TopicQuery,
    args: &PageArgs,
) -> Result<(u64, Window, Vec<topic::Model>), ApiError> {
    let mut cond = Condition::all();
    if !query.states.is_empty() {
        let states: Vec<&str> = query.states.iter().map(|s| s.as_str()).collect();
        cond = cond.add(
            topic::Column::Id.in_subquery(
                Query::select()
                    .column(workflow_instance::Column::Id)
                    .from(workflow_instance::Entity)
                    .and_where(workflow_instance::Column::Definition.eq(NAME))
                    .and_where(workflow_instance::Column::State.is_in(states))
                    .to_owned(),
            ),
        );
    }
    if let Some(code) = &query.area {
        let code = code.trim().to_ascii_uppercase();
        let p = position::Entity::find()
            .filter(position::Column::Code.eq(code.as_str()))
            .one(&db.conn)
            .await?
            .ok_or_else(|| ApiError::bad_input(format!("unknown position `{code}`")))?;
        cond = cond.add(topic::Column::AreaPositionId.eq(p.id));
    }
    if let Some(id) = query.meeting_id {
        cond = cond.add(
            topic::Column::Id.in_subquery(
                Query::select()
                    .column(topic_placement::Column::TopicId)
                    .from(topic_placement::Entity)
                    .and_where(topic_placement::Column::MeetingId.eq(id))
                    .to_owned(),
            ),
        );
    }
    let select = topic::Entity::find()
        .filter(cond)
        .order_by_desc(topic::Column::UpdatedAt)
        .order_by_desc(topic::Column::Id);
    fetch(&db.conn, select, args).await
}
