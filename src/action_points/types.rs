//! The action points' GraphQL types.

use async_graphql::{Context, Enum, ID, Object};
use entity::action_point;

use crate::committee::loaders::{HoldersLoader, OrganizationLoader};
use crate::committee::types::load_meeting;
use crate::committee::types::{
    Mandate, Organization, Position, State, load_position, selected_state, today,
};
use crate::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::scalars::Date;
use crate::meetings::loaders::AgendaItemLoader;
use crate::meetings::types::{AgendaItem, Meeting};

/// Where an action point stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ActionPointStatus {
    Open,
    Done,
    Dropped,
}

crate::names!(ActionPointStatus {
    Open = "OPEN",
    Done = "DONE",
    Dropped = "DROPPED",
});

/// Who answers for an action point.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OwnerKind {
    /// A position: its holders on the day answer for it.
    Position,
    State,
    Organization,
    /// The Implementation Support Unit.
    Isu,
}

crate::names!(OwnerKind {
    Position = "POSITION",
    State = "STATE",
    Organization = "ORGANIZATION",
    Isu = "ISU",
});

/// Something a meeting asked someone to do by a date.
pub struct ActionPoint(pub action_point::Model);

/// Each field resolved with the fields that wait (see `graphql::eager`).
impl crate::graphql::eager::ReadyFields for ActionPoint {}

#[Object]
impl ActionPoint {
    pub async fn id(&self) -> ID {
        GlobalId::ActionPoint(self.0.id).encode()
    }

    /// The meeting that added it.
    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        load_meeting(ctx, Some(self.0.meeting_id)).await
    }

    async fn agenda_item(&self, ctx: &Context<'_>) -> Result<Option<AgendaItem>, ApiError> {
        Ok(get::<AgendaItemLoader, i32>(ctx)
            .load_one(self.0.agenda_item_id)
            .await?
            .map(AgendaItem))
    }

    async fn text(&self) -> &str {
        &self.0.text
    }

    async fn owner_kind(&self) -> Result<OwnerKind, ApiError> {
        crate::vocabulary::stored(&self.0.owner_kind)
    }

    /// The position that answers for it, when a position does.
    async fn owner_position(&self, ctx: &Context<'_>) -> Result<Option<Position>, ApiError> {
        match self.0.owner_position_id {
            Some(id) => Ok(Some(load_position(ctx, id).await?)),
            None => Ok(None),
        }
    }

    async fn owner_state(&self, ctx: &Context<'_>) -> Result<Option<State>, ApiError> {
        match &self.0.owner_state_iso3 {
            Some(code) => selected_state(ctx, code).await,
            None => Ok(None),
        }
    }

    async fn owner_organization(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Organization>, ApiError> {
        match &self.0.owner_organization_code {
            Some(code) => Ok(get::<OrganizationLoader, String>(ctx)
                .load_one(code.clone())
                .await?
                .map(Organization)),
            None => Ok(None),
        }
    }

    /// For a position: the mandates holding it today (who answers for it now).
    async fn answerable(&self, ctx: &Context<'_>) -> Result<Vec<Mandate>, ApiError> {
        let Some(id) = self.0.owner_position_id else {
            return Ok(Vec::new());
        };
        Ok(get::<HoldersLoader, (i32, chrono::NaiveDate)>(ctx)
            .load_one((id, today(ctx)))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Mandate::from)
            .collect())
    }

    async fn due_on(&self) -> Date {
        Date(self.0.due_on)
    }

    /// Open and past its due date, by the server's clock.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        self.0.status == ActionPointStatus::Open.as_str() && self.0.due_on < today(ctx)
    }

    async fn status(&self) -> Result<ActionPointStatus, ApiError> {
        crate::vocabulary::stored(&self.0.status)
    }

    async fn closed_note(&self) -> Option<&str> {
        self.0.closed_note.as_deref()
    }

    async fn closed_at(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.0.closed_at
    }

    /// The meeting where it was closed, if any.
    async fn closed_at_meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        load_meeting(ctx, self.0.closed_at_meeting_id).await
    }

    /// Increases with every change; pass it back to close it.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
