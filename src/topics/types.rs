//! The topics' GraphQL types and their batched loads.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, FixedOffset};
use entity::{topic, topic_document, topic_placement, workflow_instance};

use super::definition::current;
use super::model::{DocumentKind, PlacementOutcome, PlacementPurpose, TopicState};
use crate::committee::loaders::OrganizationLoader;
use crate::committee::types::{
    Organization, Position, State, load_meeting, load_position, selected_state,
};
use crate::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::workflow::{InstanceLoader, WorkflowStep, steps};
use crate::meetings::loaders::AgendaItemLoader;
use crate::meetings::types::{AgendaItem, Decision, Meeting};
use crate::vocabulary::stored;

crate::key_loader!(
    /// Topics by id.
    TopicLoader: topic by Id (id: i64)
);

crate::group_loader!(
    /// Each topic's background documents, in the order they were added.
    DocumentsLoader: topic_document by TopicId (topic_id: i64) order Id
);

crate::group_loader!(
    /// Each topic's placements on meetings' agendas, oldest first.
    PlacementsLoader: topic_placement by TopicId (topic_id: i64) order Id
);

crate::group_loader!(
    /// The topics placed on each meeting's agenda, oldest first.
    MeetingPlacementsLoader: topic_placement by MeetingId (meeting_id: i32) order Id
);

crate::group_loader!(
    /// The placement behind each topic's agenda item.
    ItemPlacementLoader: topic_placement by AgendaItemId (agenda_item_id: Option<i32>) order Id
);

/// A topic raised for discussion by all.
pub struct Topic(pub topic::Model);

/// Each field resolved with the fields that wait (see `graphql::eager`).
impl crate::graphql::eager::ReadyFields for Topic {}

impl Topic {
    async fn instance(&self, ctx: &Context<'_>) -> Result<workflow_instance::Model, ApiError> {
        get::<InstanceLoader, i64>(ctx)
            .load_one(self.0.id)
            .await?
            .ok_or_else(|| ApiError::broken("a topic has its workflow instance"))
    }
}

/// Loads topics by id, in the order asked (missing ones left out).
pub async fn load_topics(ctx: &Context<'_>, ids: &[i64]) -> Result<Vec<Topic>, ApiError> {
    let found = get::<TopicLoader, i64>(ctx)
        .load_many(ids.iter().copied())
        .await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.get(id).cloned().map(Topic))
        .collect())
}

#[Object]
impl Topic {
    pub async fn id(&self) -> ID {
        GlobalId::Topic(self.0.id).encode()
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The thematic area (a coordinator's position), where it has one.
    async fn area(&self, ctx: &Context<'_>) -> Result<Option<Position>, ApiError> {
        match self.0.area_position_id {
            Some(id) => Ok(Some(load_position(ctx, id).await?)),
            None => Ok(None),
        }
    }

    async fn state(&self, ctx: &Context<'_>) -> Result<TopicState, ApiError> {
        stored(&self.instance(ctx).await?.state)
    }

    /// Pass it as `expectedVersion` to move the topic.
    async fn version(&self, ctx: &Context<'_>) -> Result<i32, ApiError> {
        Ok(self.instance(ctx).await?.version)
    }

    /// The events its state allows, whoever fires them (`workflow(name: "topic")` says who may).
    async fn allowed_events(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        Ok(current().allowed_events(&self.instance(ctx).await?.state))
    }

    /// The account that raised it.
    async fn proposed_by(&self) -> &str {
        &self.0.proposer
    }

    async fn proposer_role(&self) -> &str {
        &self.0.proposer_role
    }

    /// The State it was raised for (a coordinator's or a delegation's).
    async fn proposer_state(&self, ctx: &Context<'_>) -> Result<Option<State>, ApiError> {
        match &self.0.proposer_state_iso3 {
            Some(code) => selected_state(ctx, code).await,
            None => Ok(None),
        }
    }

    /// The observer organisation it was raised for.
    async fn proposer_organization(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Organization>, ApiError> {
        match &self.0.proposer_organization {
            Some(code) => Ok(get::<OrganizationLoader, String>(ctx)
                .load_one(code.clone())
                .await?
                .map(Organization)),
            None => Ok(None),
        }
    }

    /// Its background documents (links), in the order they were added.
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<TopicDocument>, ApiError> {
        Ok(get::<DocumentsLoader, i64>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(TopicDocument)
            .collect())
    }

    /// The meetings that considered it or are to discuss it, or did, oldest first.
    async fn placements(&self, ctx: &Context<'_>) -> Result<Vec<TopicPlacement>, ApiError> {
        Ok(get::<PlacementsLoader, i64>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(TopicPlacement)
            .collect())
    }

    /// Every move, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<WorkflowStep>, ApiError> {
        steps(ctx, self.0.id).await
    }

    async fn created_at(&self) -> DateTime<FixedOffset> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<FixedOffset> {
        self.0.updated_at
    }
}

/// A background document: a link, never a stored file.
pub struct TopicDocument(pub topic_document::Model);

#[Object]
impl TopicDocument {
    pub async fn id(&self) -> ID {
        GlobalId::TopicDocument(self.0.id).encode()
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn kind(&self) -> Result<DocumentKind, ApiError> {
        stored(&self.0.kind)
    }

    /// The official document symbol (`CCM/MSP/2024/WP.3`), where there is one.
    async fn symbol(&self) -> Option<&str> {
        self.0.symbol.as_deref()
    }

    /// Its language (`en`, `fr`, `es`, ...).
    async fn language(&self) -> &str {
        &self.0.language
    }

    async fn url(&self) -> &str {
        &self.0.url
    }

    async fn added_by(&self) -> &str {
        &self.0.added_by
    }

    async fn added_at(&self) -> DateTime<FixedOffset> {
        self.0.added_at
    }
}

/// A topic on a meeting's agenda, and what came of it.
pub struct TopicPlacement(pub topic_placement::Model);

#[Object]
impl TopicPlacement {
    async fn purpose(&self) -> Result<PlacementPurpose, ApiError> {
        stored(&self.0.purpose)
    }

    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        load_meeting(ctx, Some(self.0.meeting_id)).await
    }

    /// Its agenda item (null once it left a postponed meeting's agenda).
    async fn agenda_item(&self, ctx: &Context<'_>) -> Result<Option<AgendaItem>, ApiError> {
        match self.0.agenda_item_id {
            Some(id) => Ok(get::<AgendaItemLoader, i32>(ctx)
                .load_one(id)
                .await?
                .map(AgendaItem)),
            None => Ok(None),
        }
    }

    async fn placed_at(&self) -> DateTime<FixedOffset> {
        self.0.placed_at
    }

    /// What came of it; null while it is on the agenda.
    async fn outcome(&self) -> Result<Option<PlacementOutcome>, ApiError> {
        self.0.outcome.as_deref().map(stored).transpose()
    }

    /// The outcome's text (conclusions, a recommendation, a reason).
    async fn outcome_text(&self) -> Option<&str> {
        self.0.outcome_text.as_deref()
    }

    /// The decision the meeting recorded on it.
    async fn decision(&self, ctx: &Context<'_>) -> Result<Option<Decision>, ApiError> {
        match self.0.decision_id {
            Some(id) => Ok(get::<crate::meetings::loaders::DecisionLoader, i32>(ctx)
                .load_one(id)
                .await?
                .map(Decision)),
            None => Ok(None),
        }
    }

    async fn ended_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.ended_at
    }

    /// The topic.
    async fn topic(&self, ctx: &Context<'_>) -> Result<Option<Topic>, ApiError> {
        Ok(load_topics(ctx, &[self.0.topic_id]).await?.pop())
    }
}

/// The topics on a meeting's agenda (for the meeting's page), oldest first.
pub async fn of_meeting(
    ctx: &Context<'_>,
    meeting_id: i32,
) -> Result<Vec<TopicPlacement>, ApiError> {
    Ok(get::<MeetingPlacementsLoader, i32>(ctx)
        .load_one(meeting_id)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(TopicPlacement)
        .collect())
}

/// The topic behind an agenda item, if a topic placed it.
pub async fn of_item(ctx: &Context<'_>, item_id: i32) -> Result<Option<Topic>, ApiError> {
    let placement = get::<ItemPlacementLoader, Option<i32>>(ctx)
        .load_one(Some(item_id))
        .await?
        .unwrap_or_default()
        .pop();
    match placement {
        Some(p) => Ok(load_topics(ctx, &[p.topic_id]).await?.pop()),
        None => Ok(None),
    }
}
