//! The action points' query and mutation roots.

use async_graphql::{Context, ID, InputObject, Object};

use super::service::{self, ActionPointQuery, Closing, NewActionPoint, Owner};
use super::types::{ActionPoint, ActionPointStatus};
use crate::auth::{PRESIDENCY, require};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::idempotency::settle;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::pagination::{self, Page, PageArgs};
use crate::graphql::scalars::Date;

crate::key_loader!(
    /// Action points by id.
    ActionPointLoader: action_point by Id (id: i32)
);

crate::group_loader!(
    /// The action points added on each agenda item.
    ItemActionPointsLoader: action_point by AgendaItemId (agenda_item_id: i32) order Id
);

crate::group_loader!(
    /// The action points added at each meeting.
    MeetingActionPointsLoader: action_point by MeetingId (meeting_id: i32) order Id
);

/// What a committee meeting's follow-up item lists.
pub struct FollowUpLoader(pub Db);

impl async_graphql::dataloader::Loader<i32> for FollowUpLoader {
    type Value = Vec<entity::action_point::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[i32],
    ) -> Result<std::collections::HashMap<i32, Self::Value>, ApiError> {
        service::follow_up(&self.0, keys).await
    }
}

/// Who answers for an action point: exactly one of `position`, `state`,
/// `organization`, or `isu: true`.
#[derive(InputObject, Default)]
pub struct OwnerInput {
    /// A position's code: its holders on the day answer for it.
    pub position: Option<String>,
    /// A State's ISO 3166 alpha-3 code.
    pub state: Option<String>,
    /// An organisation's code.
    pub organization: Option<String>,
    /// The Implementation Support Unit.
    pub isu: Option<bool>,
}

impl OwnerInput {
    fn owner(self) -> Result<Owner, ApiError> {
        match (
            self.position,
            self.state,
            self.organization,
            self.isu.unwrap_or(false),
        ) {
            (Some(p), None, None, false) => Ok(Owner::Position(p)),
            (None, Some(s), None, false) => Ok(Owner::State(s)),
            (None, None, Some(o), false) => Ok(Owner::Organization(o)),
            (None, None, None, true) => Ok(Owner::Isu),
            _ => Err(ApiError::bad_input(
                "give exactly one owner: `position`, `state`, `organization` or `isu: true`",
            )),
        }
    }
}

#[derive(InputObject)]
pub struct AddActionPointInput {
    /// The agenda item of a meeting in session it arises from.
    pub agenda_item_id: ID,
    pub text: String,
    pub owner: OwnerInput,
    pub due_on: Date,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

/// How an action point ends.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ActionPointClosing {
    Done,
    Dropped,
}

#[derive(InputObject)]
pub struct CloseActionPointInput {
    pub action_point_id: ID,
    /// The action point's version you saw.
    pub expected_version: i32,
    pub status: ActionPointClosing,
    pub note: Option<String>,
    /// The meeting in session where it is closed, if any.
    pub meeting_id: Option<ID>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

/// Which action points to list.
#[derive(InputObject, Default)]
pub struct ActionPointFilter {
    pub statuses: Option<Vec<ActionPointStatus>>,
    pub owner: Option<OwnerInput>,
    /// Only those due before this day.
    pub due_before: Option<Date>,
    /// Only those added at this meeting.
    pub meeting_id: Option<ID>,
}

#[derive(Default)]
pub struct ActionPointsQuery;

#[Object]
impl ActionPointsQuery {
    /// Action points, soonest due first.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn action_points(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActionPointFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<ActionPoint>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let filter = filter.unwrap_or_default();
        let query = ActionPointQuery {
            statuses: filter
                .statuses
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            owner: filter.owner.map(OwnerInput::owner).transpose()?,
            due_before: filter.due_before.map(|d| d.0),
            meeting_id: filter
                .meeting_id
                .as_deref()
                .map(|id| GlobalId::meeting(id))
                .transpose()?,
        };
        let args = PageArgs::new(first, after, last, before);
        let (total, window, rows) = direct(ctx, service::list(db, &query, &args)).await?;
        Ok(pagination::connection(
            window,
            total,
            rows.into_iter().map(ActionPoint).collect(),
        ))
    }

    async fn action_point(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<ActionPoint>, ApiError> {
        Ok(get::<ActionPointLoader, i32>(ctx)
            .load_one(GlobalId::action_point(&id)?)
            .await?
            .map(ActionPoint))
    }
}

async fn reload(ctx: &Context<'_>, id: i32) -> Result<ActionPoint, ApiError> {
    get::<ActionPointLoader, i32>(ctx)
        .load_one(id)
        .await?
        .map(ActionPoint)
        .ok_or_else(|| ApiError::broken("an action point just written can be read back"))
}

#[derive(Default)]
pub struct ActionPointsMutation;

#[Object]
impl ActionPointsMutation {
    /// Adds an action point on an agenda item of a meeting in session.
    async fn add_action_point(
        &self,
        ctx: &Context<'_>,
        input: AddActionPointInput,
    ) -> Result<ActionPoint, ApiError> {
        let who = require(
            ctx,
            &PRESIDENCY,
            "action points are recorded by the President's office",
        )?;
        let new = NewActionPoint {
            agenda_item_id: GlobalId::agenda_item(&input.agenda_item_id)?,
            text: input.text,
            owner: input.owner.owner()?,
            due_on: input.due_on.0,
        };
        let now = ctx.data_unchecked::<SharedClock>().now();
        let db = ctx.data_unchecked::<Db>();
        let done = service::add(db, who, new, input.idempotency_key.as_deref(), now).await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Closes an open action point: DONE or DROPPED, with a note, at a meeting if named.
    async fn close_action_point(
        &self,
        ctx: &Context<'_>,
        input: CloseActionPointInput,
    ) -> Result<ActionPoint, ApiError> {
        let who = require(
            ctx,
            &PRESIDENCY,
            "action points are closed by the President's office",
        )?;
        let closing = match input.status {
            ActionPointClosing::Done => Closing::Done,
            ActionPointClosing::Dropped => Closing::Dropped,
        };
        let now = ctx.data_unchecked::<SharedClock>().now();
        let db = ctx.data_unchecked::<Db>();
        let done = service::close(
            db,
            who,
            GlobalId::action_point(&input.action_point_id)?,
            input.expected_version,
            closing,
            input.note,
            input
                .meeting_id
                .as_deref()
                .map(|id| GlobalId::meeting(id))
                .transpose()?,
            input.idempotency_key.as_deref(),
            now,
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }
}

crate::from_db!(FollowUpLoader);
