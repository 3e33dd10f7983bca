//! The minutes' GraphQL types. A `Minutes` value is built only for a reader
//! who may see it (`read::Access`), and carries that access: the public
//! record of a closed meeting reads its non-attributable texts without
//! naming any State.

use async_graphql::{Context, Enum, ID, Object};
use entity::{minutes, minutes_revision, workflow_instance};

use super::definition::current;
use super::read::{self, Access};
use crate::committee::types::load_meeting;
use crate::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::workflow::WorkflowStep;
use crate::meetings::loaders::{AgendaLoader, MeetingLoader};
use crate::meetings::types::{AgendaItem, Meeting};

/// Where minutes stand.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MinutesState {
    Draft,
    Circulated,
    Approved,
    Published,
}

crate::names!(MinutesState {
    Draft = "DRAFT",
    Circulated = "CIRCULATED",
    Approved = "APPROVED",
    Published = "PUBLISHED",
});

crate::group_loader!(
    /// The revisions of each minutes, oldest first.
    RevisionsLoader: minutes_revision by MinutesId (minutes_id: i64) order Id
);

crate::key_loader!(
    /// The minutes of each meeting.
    MinutesByMeetingLoader: minutes by MeetingId (meeting_id: i32)
);

/// All States' names, for the public record of closed meetings.
pub struct StateNamesLoader(pub crate::db::Db);

impl async_graphql::dataloader::Loader<()> for StateNamesLoader {
    type Value = Vec<entity::state::Model>;
    type Error = ApiError;

    async fn load(&self, _: &[()]) -> Result<std::collections::HashMap<(), Self::Value>, ApiError> {
        use sea_orm::EntityTrait;
        let all = entity::state::Entity::find().all(&self.0.conn).await?;
        Ok(std::iter::once(((), all)).collect())
    }
}

/// The minutes of a meeting, as the reader may see them.
pub struct Minutes {
    pub row: minutes::Model,
    pub instance: workflow_instance::Model,
    pub access: Access,
}

impl Minutes {
    async fn redacts(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        if self.access == Access::Invitee {
            return Ok(false);
        }
        Ok(get::<MeetingLoader, i32>(ctx)
            .load_one(self.row.meeting_id)
            .await?
            .is_some_and(|m| m.closed))
    }
}

#[Object]
impl Minutes {
    pub async fn id(&self) -> ID {
        GlobalId::Minutes(self.row.id).encode()
    }

    /// The meeting they record.
    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        load_meeting(ctx, Some(self.row.meeting_id)).await
    }

    async fn state(&self) -> Result<MinutesState, ApiError> {
        crate::vocabulary::stored(&self.instance.state)
    }

    /// Increases with every move; pass it back to move them.
    async fn version(&self) -> i32 {
        self.instance.version
    }

    /// The events that can move them from here.
    async fn allowed_events(&self) -> Vec<String> {
        current().allowed_events(&self.instance.state)
    }

    /// One entry per agenda item of the meeting, in the agenda's order, with
    /// its current text (none yet: revision 0).
    async fn items(&self, ctx: &Context<'_>) -> Result<Vec<MinutesItem>, ApiError> {
        let agenda = get::<AgendaLoader, i32>(ctx)
            .load_one(self.row.meeting_id)
            .await?
            .unwrap_or_default();
        let revisions = get::<RevisionsLoader, i64>(ctx)
            .load_one(self.row.id)
            .await?
            .unwrap_or_default();
        let latest = read::current(&revisions);
        let states = if self.redacts(ctx).await? {
            Some(
                get::<StateNamesLoader, ()>(ctx)
                    .load_one(())
                    .await?
                    .unwrap_or_default(),
            )
        } else {
            None
        };
        Ok(agenda
            .into_iter()
            .map(|item| {
                let revision = latest.get(&item.id).map(|r| (*r).clone());
                let text = revision.as_ref().map(|r| match &states {
                    Some(states) if r.non_attributable => read::without_states(&r.text, states),
                    _ => r.text.clone(),
                });
                let history = (self.access == Access::Invitee).then(|| {
                    revisions
                        .iter()
                        .filter(|r| r.agenda_item_id == item.id)
                        .cloned()
                        .collect()
                });
                MinutesItem {
                    item,
                    revision,
                    text,
                    history,
                }
            })
            .collect())
    }

    /// Until when invitees may comment on circulated minutes.
    async fn comments_due_at(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.row.comments_due_at
    }

    async fn comments_closed_at(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.row.comments_closed_at
    }

    /// The later committee meeting that approved them as a correct record.
    async fn approved_at(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        load_meeting(ctx, self.row.approved_at_meeting_id).await
    }

    /// Every move, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<WorkflowStep>, ApiError> {
        crate::graphql::workflow::steps(ctx, self.row.id).await
    }
}

/// The minutes of one agenda item.
pub struct MinutesItem {
    item: entity::agenda_item::Model,
    revision: Option<minutes_revision::Model>,
    text: Option<String>,
    /// Every revision of this item (for invitees).
    history: Option<Vec<minutes_revision::Model>>,
}

#[Object]
impl MinutesItem {
    async fn agenda_item(&self) -> AgendaItem {
        AgendaItem(self.item.clone())
    }

    /// The current text (Markdown); null before the first save.
    async fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The current text rendered and sanitised.
    async fn html(&self) -> Option<String> {
        self.text.as_deref().map(crate::markdown::render)
    }

    /// The public record of a closed meeting names no State in this text.
    async fn non_attributable(&self) -> bool {
        self.revision.as_ref().is_some_and(|r| r.non_attributable)
    }

    /// The current revision (0 before the first save): pass it back to save.
    async fn revision(&self) -> i32 {
        self.revision.as_ref().map_or(0, |r| r.revision)
    }

    /// Who saved the current text.
    async fn revised_by(&self) -> Option<&str> {
        self.revision.as_ref().map(|r| r.author.as_str())
    }

    async fn revised_at(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.revision.as_ref().map(|r| r.at)
    }

    /// Every saved text of this item, oldest first (invitees only; empty otherwise).
    async fn revisions(&self) -> Vec<MinutesRevision> {
        self.history
            .iter()
            .flatten()
            .cloned()
            .map(MinutesRevision)
            .collect()
    }
}

/// One saved text: who, when, what.
pub struct MinutesRevision(pub minutes_revision::Model);

#[Object]
impl MinutesRevision {
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    async fn text(&self) -> &str {
        &self.0.text
    }

    async fn author(&self) -> &str {
        &self.0.author
    }

    async fn at(&self) -> chrono::DateTime<chrono::FixedOffset> {
        self.0.at
    }
}

crate::from_db!(StateNamesLoader);
