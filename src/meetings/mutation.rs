//! Meeting and agenda management, for the President's office (and admins).

use async_graphql::{Context, ID, InputObject, Object};

use super::agenda::{self, NewItem};
use super::changes::{self, MeetingChange, NewMeeting};
use super::hooks::MeetingHooks;
use super::model::{AgendaItemKind, MeetingKind, MeetingStatus};
use super::types::Meeting;
use crate::auth::{Identity, PRESIDENCY, require};
use crate::clock::SharedClock;
use crate::committee::types::load_meeting;
use crate::config::Policy;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::idempotency::settle;
use crate::graphql::ids::GlobalId;
use crate::graphql::scalars::Date;

fn presidency<'a>(ctx: &'a Context<'_>) -> Result<&'a Identity, ApiError> {
    require(
        ctx,
        &PRESIDENCY,
        "meetings and agendas are managed by the President's office",
    )
}

fn now(ctx: &Context<'_>) -> chrono::DateTime<chrono::Utc> {
    ctx.data_unchecked::<SharedClock>().now()
}

async fn reload(ctx: &Context<'_>, id: i32) -> Result<Meeting, ApiError> {
    load_meeting(ctx, Some(id))
        .await?
        .ok_or_else(|| ApiError::broken("a meeting just written can be read back"))
}

#[derive(InputObject)]
pub struct ScheduleMeetingInput {
    /// A short unique code, e.g. `14MSP`.
    pub code: String,
    pub kind: MeetingKind,
    pub ordinal: Option<i32>,
    /// Defaults to the year of `startsOn`.
    pub year: Option<i32>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub city: Option<String>,
    /// ISO 3166 alpha-3 code of the host country.
    pub country: Option<String>,
    /// ISO 3166 alpha-3 code of the presiding State.
    pub presiding_state: Option<String>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateMeetingInput {
    pub meeting_id: ID,
    pub expected_version: i32,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub presiding_state: Option<String>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct MeetingVersionInput {
    pub meeting_id: ID,
    /// The meeting's version you saw; a stale one gets CONFLICT.
    pub expected_version: i32,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AddAgendaItemInput {
    pub meeting_id: ID,
    pub expected_version: i32,
    pub title: String,
    #[graphql(default_with = "AgendaItemKind::General")]
    pub kind: AgendaItemKind,
    /// Its place (1 first); by default, last.
    pub position: Option<i32>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct MoveAgendaItemInput {
    pub agenda_item_id: ID,
    /// The meeting's version you saw.
    pub expected_version: i32,
    /// Its new place (1 first).
    pub position: i32,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RemoveAgendaItemInput {
    pub agenda_item_id: ID,
    /// The meeting's version you saw.
    pub expected_version: i32,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct MeetingsMutation;

impl MeetingsMutation {
    async fn status(
        ctx: &Context<'_>,
        input: MeetingVersionInput,
        to: MeetingStatus,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let policy = ctx.data_unchecked::<Policy>();
        let id = GlobalId::meeting(&input.meeting_id)?;
        let done = changes::set_status(
            db,
            ctx.data_unchecked::<MeetingHooks>(),
            who,
            id,
            input.expected_version,
            to,
            policy,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }
}

#[Object]
impl MeetingsMutation {
    /// Schedules a meeting (PLANNED).
    async fn schedule_meeting(
        &self,
        ctx: &Context<'_>,
        input: ScheduleMeetingInput,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        if let Some(ordinal) = input.ordinal
            && !(1..=1000).contains(&ordinal)
        {
            return Err(ApiError::bad_input("`ordinal` is between 1 and 1000"));
        }
        let new = NewMeeting {
            code: input.code,
            kind: input.kind,
            ordinal: input.ordinal,
            year: input.year,
            starts_on: input.starts_on.map(|d| d.0),
            ends_on: input.ends_on.map(|d| d.0),
            city: input.city,
            country: input.country,
            presiding_state: input.presiding_state,
        };
        let hooks = ctx.data_unchecked::<MeetingHooks>();
        let done = changes::schedule(
            db,
            hooks,
            who,
            new,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Changes a meeting's dates, venue or presiding State.
    async fn update_meeting(
        &self,
        ctx: &Context<'_>,
        input: UpdateMeetingInput,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let id = GlobalId::meeting(&input.meeting_id)?;
        let change = MeetingChange {
            starts_on: input.starts_on.map(|d| d.0),
            ends_on: input.ends_on.map(|d| d.0),
            city: input.city,
            country: input.country,
            presiding_state: input.presiding_state,
        };
        let done = changes::change(
            db,
            ctx.data_unchecked::<MeetingHooks>(),
            who,
            id,
            input.expected_version,
            change,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// PLANNED → IN_SESSION.
    async fn open_meeting(
        &self,
        ctx: &Context<'_>,
        input: MeetingVersionInput,
    ) -> Result<Meeting, ApiError> {
        Self::status(ctx, input, MeetingStatus::InSession).await
    }

    /// IN_SESSION → CONCLUDED.
    async fn conclude_meeting(
        &self,
        ctx: &Context<'_>,
        input: MeetingVersionInput,
    ) -> Result<Meeting, ApiError> {
        Self::status(ctx, input, MeetingStatus::Concluded).await
    }

    /// PLANNED → CANCELLED.
    async fn cancel_meeting(
        &self,
        ctx: &Context<'_>,
        input: MeetingVersionInput,
    ) -> Result<Meeting, ApiError> {
        Self::status(ctx, input, MeetingStatus::Cancelled).await
    }

    /// Adds an item to a meeting's agenda.
    async fn add_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: AddAgendaItemInput,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let new = NewItem {
            meeting_id: GlobalId::meeting(&input.meeting_id)?,
            expected_version: input.expected_version,
            title: input.title,
            kind: input.kind,
            position: input.position,
        };
        let done =
            agenda::add_item(db, who, new, input.idempotency_key.as_deref(), now(ctx)).await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Moves an agenda item to another place.
    async fn move_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: MoveAgendaItemInput,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let item = GlobalId::agenda_item(&input.agenda_item_id)?;
        let done = agenda::move_item(
            db,
            who,
            item,
            input.expected_version,
            input.position,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Removes an agenda item (not one with nominations or a decision).
    async fn remove_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: RemoveAgendaItemInput,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let item = GlobalId::agenda_item(&input.agenda_item_id)?;
        let done = agenda::remove_item(
            db,
            who,
            item,
            input.expected_version,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }
}
