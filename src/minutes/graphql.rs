//! The minutes' query and mutation roots.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::definition::MinutesEvent;
use super::moves::{self, Move, Save};
use super::read::{Access, not_published};
use super::types::{Minutes, MinutesByMeetingLoader};
use crate::auth::{Caller, Role};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::idempotency::settle;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::meetings::invitations::is_invitee;
use crate::meetings::loaders::InvitationsLoader;
use crate::nominations::loaders::InstanceLoader;

/// The reader's access to a meeting's minutes (one batched load of its invitations).
async fn access(ctx: &Context<'_>, meeting_id: i32) -> Result<Access, ApiError> {
    let Some(who) = ctx
        .data_opt::<Caller>()
        .and_then(Caller::identity)
        .filter(|w| !w.expired())
    else {
        return Ok(Access::Public);
    };
    if matches!(who.role, Role::Admin | Role::Presidency) {
        return Ok(Access::Invitee);
    }
    let invitations = get::<InvitationsLoader, i32>(ctx)
        .load_one(meeting_id)
        .await?
        .unwrap_or_default();
    Ok(if is_invitee(who, &invitations) {
        Access::Invitee
    } else {
        Access::Public
    })
}

/// The minutes of a meeting, for this reader: null when an invitee asks and
/// there are none yet; FORBIDDEN for anyone else unless they are published
/// (whether or not a draft exists).
pub async fn of_meeting(ctx: &Context<'_>, meeting_id: i32) -> Result<Option<Minutes>, ApiError> {
    let access = access(ctx, meeting_id).await?;
    let row = get::<MinutesByMeetingLoader, i32>(ctx)
        .load_one(meeting_id)
        .await?;
    let Some(row) = row else {
        return match access {
            Access::Invitee => Ok(None),
            Access::Public => Err(not_published()),
        };
    };
    let instance = get::<InstanceLoader, i64>(ctx)
        .load_one(row.id)
        .await?
        .ok_or_else(|| ApiError::broken("minutes have their workflow instance"))?;
    if !access.sees(&instance.state) {
        return Err(not_published());
    }
    Ok(Some(Minutes {
        row,
        instance,
        access,
    }))
}

/// Minutes by their own ID, for this reader.
pub async fn by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Minutes>, ApiError> {
    use sea_orm::EntityTrait;
    let db = ctx.data_unchecked::<Db>();
    let Some(row) = entity::minutes::Entity::find_by_id(id)
        .one(&db.conn)
        .await?
    else {
        return Err(not_published());
    };
    of_meeting(ctx, row.meeting_id).await
}

#[derive(Default)]
pub struct MinutesQuery;

#[Object]
impl MinutesQuery {
    /// A meeting's minutes. Drafts and circulated minutes are for the
    /// meeting's invitees; anyone else is refused unless they are published.
    async fn minutes(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
    ) -> Result<Option<Minutes>, ApiError> {
        of_meeting(ctx, GlobalId::meeting(&meeting_id)?).await
    }
}

#[derive(InputObject)]
pub struct StartMinutesInput {
    pub meeting_id: ID,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct SaveMinutesItemInput {
    pub minutes_id: ID,
    pub agenda_item_id: ID,
    /// The item's revision you saw (0 before its first save); a stale one gets CONFLICT.
    pub expected_revision: i32,
    /// Markdown, at most 20,000 characters.
    pub text: String,
    /// The public record of a closed meeting names no State in this text.
    #[graphql(default)]
    pub non_attributable: bool,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct MoveMinutesInput {
    pub minutes_id: ID,
    /// The minutes' version you saw; a stale one gets CONFLICT.
    pub expected_version: i32,
    pub note: Option<String>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct CirculateMinutesInput {
    pub minutes_id: ID,
    pub expected_version: i32,
    /// Until when invitees may comment (a durable timer closes the comments).
    pub comments_due_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ApproveMinutesInput {
    pub minutes_id: ID,
    pub expected_version: i32,
    /// The later committee meeting, in session, that approves them.
    pub meeting_id: ID,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

fn now(ctx: &Context<'_>) -> DateTime<Utc> {
    ctx.data_unchecked::<SharedClock>().now()
}

fn writer<'a>(ctx: &'a Context<'_>) -> Result<&'a crate::auth::Identity, ApiError> {
    crate::auth::identity(ctx)
}

async fn reload(ctx: &Context<'_>, id: i64) -> Result<Minutes, ApiError> {
    by_id(ctx, id)
        .await?
        .ok_or_else(|| ApiError::broken("minutes just written can be read back"))
}

async fn fire(
    ctx: &Context<'_>,
    input: MoveMinutesInput,
    event: MinutesEvent,
) -> Result<Minutes, ApiError> {
    let who = writer(ctx)?;
    let mv = Move {
        minutes_id: GlobalId::minutes(&input.minutes_id)?,
        expected_version: input.expected_version,
        event,
        note: crate::bounds::bounded("note", input.note, crate::bounds::NOTE_MAX)?,
        approving_meeting_id: None,
        comments_due: None,
    };
    let db = ctx.data_unchecked::<Db>();
    let done = moves::fire(db, who, mv, input.idempotency_key.as_deref(), now(ctx)).await?;
    reload(ctx, settle(ctx, done)).await
}

#[derive(Default)]
pub struct MinutesMutation;

#[Object]
impl MinutesMutation {
    /// Starts the minutes of a committee meeting in session or concluded (DRAFT).
    async fn start_minutes(
        &self,
        ctx: &Context<'_>,
        input: StartMinutesInput,
    ) -> Result<Minutes, ApiError> {
        let who = writer(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let meeting = GlobalId::meeting(&input.meeting_id)?;
        let done =
            moves::start(db, who, meeting, input.idempotency_key.as_deref(), now(ctx)).await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Saves one agenda item's text as a new revision (DRAFT only).
    async fn save_minutes_item(
        &self,
        ctx: &Context<'_>,
        input: SaveMinutesItemInput,
    ) -> Result<Minutes, ApiError> {
        let who = writer(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let save = Save {
            minutes_id: GlobalId::minutes(&input.minutes_id)?,
            agenda_item_id: GlobalId::agenda_item(&input.agenda_item_id)?,
            expected_revision: input.expected_revision,
            text: input.text,
            non_attributable: input.non_attributable,
        };
        let done = moves::save(db, who, save, input.idempotency_key.as_deref(), now(ctx)).await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// DRAFT → CIRCULATED, to the meeting's invitees.
    async fn circulate_minutes(
        &self,
        ctx: &Context<'_>,
        input: CirculateMinutesInput,
    ) -> Result<Minutes, ApiError> {
        let who = writer(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let mv = Move {
            minutes_id: GlobalId::minutes(&input.minutes_id)?,
            expected_version: input.expected_version,
            event: MinutesEvent::Circulate,
            note: crate::bounds::bounded("note", input.note, crate::bounds::NOTE_MAX)?,
            approving_meeting_id: None,
            comments_due: input.comments_due_at,
        };
        let done = moves::fire(db, who, mv, input.idempotency_key.as_deref(), now(ctx)).await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// CIRCULATED → DRAFT, for corrections.
    async fn return_minutes_to_draft(
        &self,
        ctx: &Context<'_>,
        input: MoveMinutesInput,
    ) -> Result<Minutes, ApiError> {
        fire(ctx, input, MinutesEvent::ReturnToDraft).await
    }

    /// CIRCULATED → APPROVED, at a later committee meeting in session, which
    /// records "approved as a correct record" on its approval item.
    async fn approve_minutes(
        &self,
        ctx: &Context<'_>,
        input: ApproveMinutesInput,
    ) -> Result<Minutes, ApiError> {
        let who = writer(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let mv = Move {
            minutes_id: GlobalId::minutes(&input.minutes_id)?,
            expected_version: input.expected_version,
            event: MinutesEvent::Approve,
            note: crate::bounds::bounded("note", input.note, crate::bounds::NOTE_MAX)?,
            approving_meeting_id: Some(GlobalId::meeting(&input.meeting_id)?),
            comments_due: None,
        };
        let done = moves::fire(db, who, mv, input.idempotency_key.as_deref(), now(ctx)).await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// APPROVED → PUBLISHED: the minutes become public.
    async fn publish_minutes(
        &self,
        ctx: &Context<'_>,
        input: MoveMinutesInput,
    ) -> Result<Minutes, ApiError> {
        fire(ctx, input, MinutesEvent::Publish).await
    }
}
