//! Meeting and agenda management, for the President's office (and admins).

use async_graphql::{Context, ID, InputObject, Object};

use super::agenda::{self, NewItem};
use super::changes::{self, MeetingChange, NewMeeting, When};
use super::hooks::MeetingHooks;
use super::invitations::{self, Invite, Party, Present, Reach};
use super::model::{
    AgendaItemKind, Attendance, DecisionKind, MeetingKind, MeetingStatus, SessionFormat,
};
use super::types::{Decision, Invitation, Meeting};
use crate::auth::{Identity, PRESIDENCY, identity, require};
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
    /// The hour it starts (`HH:MM`), in `timeZone`.
    pub start_time: Option<String>,
    /// The hour it ends (`HH:MM`), in `timeZone`.
    pub end_time: Option<String>,
    /// An IANA time zone (`Europe/Zurich`); required with hours.
    pub time_zone: Option<String>,
    /// Where it is held ("Permanent Mission of the Philippines, Geneva").
    pub venue: Option<String>,
    pub format: Option<SessionFormat>,
    /// A closed meeting's public record names no State in non-attributable texts.
    pub closed: Option<bool>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

fn hour(name: &str, text: Option<String>) -> Result<Option<chrono::NaiveTime>, ApiError> {
    text.map(|t| {
        chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M")
            .map_err(|_| ApiError::bad_input(format!("`{name}` is an hour written HH:MM")))
    })
    .transpose()
}

#[allow(clippy::too_many_arguments)]
fn when(
    start_time: Option<String>,
    end_time: Option<String>,
    time_zone: Option<String>,
    venue: Option<String>,
    format: Option<SessionFormat>,
    closed: Option<bool>,
) -> Result<When, ApiError> {
    Ok(When {
        start_time: hour("startTime", start_time)?,
        end_time: hour("endTime", end_time)?,
        time_zone: time_zone.map(|z| z.trim().to_owned()),
        venue: venue.map(|v| v.trim().to_owned()),
        format,
        closed,
    })
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
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub time_zone: Option<String>,
    pub venue: Option<String>,
    pub format: Option<SessionFormat>,
    pub closed: Option<bool>,
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

#[derive(InputObject)]
pub struct RenameAgendaItemInput {
    pub agenda_item_id: ID,
    /// The meeting's version you saw.
    pub expected_version: i32,
    pub title: String,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AdoptAgendaInput {
    pub meeting_id: ID,
    /// The meeting's version you saw.
    pub expected_version: i32,
    /// Items added at the meeting, placed before "any other business".
    #[graphql(default)]
    pub additional_items: Vec<String>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RecordDecisionInput {
    pub agenda_item_id: ID,
    /// The meeting's version you saw.
    pub expected_version: i32,
    pub kind: DecisionKind,
    /// At most 4,000 characters.
    pub text: String,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

/// Whom to invite: exactly one of `state`, `organization` or `guestName`.
#[derive(InputObject)]
pub struct InviteToMeetingInput {
    /// One committee meeting; or give `from` and `to` for every committee meeting of a period.
    pub meeting_id: Option<ID>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// A State's ISO 3166 alpha-3 code.
    pub state: Option<String>,
    /// An organisation's code.
    pub organization: Option<String>,
    /// A named guest.
    pub guest_name: Option<String>,
    pub guest_affiliation: Option<String>,
    /// The account a guest signs in with (to read the meeting's draft minutes).
    pub guest_account: Option<String>,
    /// What they are called upon to assist with.
    pub purpose: Option<String>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct WithdrawInvitationInput {
    pub invitation_id: ID,
    /// Also end the standing invitation it came from (and its invitations to
    /// meetings not yet held).
    #[graphql(default)]
    pub standing: bool,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct SendApologiesInput {
    /// Your own delegation's invitation.
    pub invitation_id: ID,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AttendanceEntry {
    pub invitation_id: ID,
    pub attendance: Attendance,
    /// The delegates' names (at most 20, 200 characters each).
    #[graphql(default)]
    pub delegates: Vec<String>,
}

#[derive(InputObject)]
pub struct RecordAttendanceInput {
    pub meeting_id: ID,
    /// The meeting's version you saw.
    pub expected_version: i32,
    /// Invitations not listed are recorded as having sent apologies (where
    /// they did) or absent.
    pub entries: Vec<AttendanceEntry>,
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
            when: when(
                input.start_time,
                input.end_time,
                input.time_zone,
                input.venue,
                input.format,
                input.closed,
            )?,
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
            when: when(
                input.start_time,
                input.end_time,
                input.time_zone,
                input.venue,
                input.format,
                input.closed,
            )?,
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

    /// Renames an agenda item (a standing item included).
    async fn rename_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: RenameAgendaItemInput,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let item = GlobalId::agenda_item(&input.agenda_item_id)?;
        let done = agenda::rename_item(
            db,
            who,
            item,
            input.expected_version,
            input.title,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Adopts the agenda of a meeting in session, with any additional items;
    /// the adoption is recorded as a decision on its adoption item.
    async fn adopt_agenda(
        &self,
        ctx: &Context<'_>,
        input: AdoptAgendaInput,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let done = agenda::adopt(
            db,
            who,
            GlobalId::meeting(&input.meeting_id)?,
            input.expected_version,
            input.additional_items,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Records a decision on an agenda item of a meeting in session.
    async fn record_decision(
        &self,
        ctx: &Context<'_>,
        input: RecordDecisionInput,
    ) -> Result<Decision, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let done = agenda::decide(
            db,
            who,
            GlobalId::agenda_item(&input.agenda_item_id)?,
            input.expected_version,
            input.kind,
            input.text,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        let id = settle(ctx, done);
        use sea_orm::EntityTrait;
        entity::decision::Entity::find_by_id(id)
            .one(&db.conn)
            .await?
            .map(Decision)
            .ok_or_else(|| ApiError::broken("a decision just recorded can be read back"))
    }

    /// Invites a State, an organisation or a named guest to assist: at one
    /// committee meeting, or at every committee meeting of a period.
    async fn invite_to_meeting(
        &self,
        ctx: &Context<'_>,
        input: InviteToMeetingInput,
    ) -> Result<Vec<Invitation>, ApiError> {
        let who = require(
            ctx,
            &PRESIDENCY,
            "the President's office invites others to assist",
        )?;
        let db = ctx.data_unchecked::<Db>();
        let reach = match (input.meeting_id, input.from, input.to) {
            (Some(id), None, None) => Reach::Meeting(GlobalId::meeting(&id)?),
            (None, Some(from), Some(to)) => Reach::Period {
                from: from.0,
                to: to.0,
            },
            _ => {
                return Err(ApiError::bad_input(
                    "give `meetingId`, or `from` and `to` for a standing invitation",
                ));
            }
        };
        let party = match (input.state, input.organization, input.guest_name) {
            (Some(s), None, None) => Party::State(s),
            (None, Some(o), None) => Party::Organization(o),
            (None, None, Some(name)) => Party::Guest {
                name,
                affiliation: input.guest_affiliation,
                account: input.guest_account,
            },
            _ => {
                return Err(ApiError::bad_input(
                    "invite exactly one of `state`, `organization` or `guestName`",
                ));
            }
        };
        let invite = Invite {
            reach,
            party,
            purpose: input.purpose,
        };
        let done = invitations::invite(db, who, invite, input.idempotency_key.as_deref(), now(ctx))
            .await?;
        let ids = settle(ctx, done);
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        Ok(entity::invitation::Entity::find()
            .filter(entity::invitation::Column::Id.is_in(ids))
            .order_by_asc(entity::invitation::Column::Id)
            .all(&db.conn)
            .await?
            .into_iter()
            .map(Invitation)
            .collect())
    }

    /// Withdraws an invitation to assist.
    async fn withdraw_invitation(
        &self,
        ctx: &Context<'_>,
        input: WithdrawInvitationInput,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let done = invitations::withdraw(
            db,
            who,
            GlobalId::invitation(&input.invitation_id)?,
            input.standing,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Sends your delegation's apologies, before or during the meeting.
    async fn send_apologies(
        &self,
        ctx: &Context<'_>,
        input: SendApologiesInput,
    ) -> Result<Meeting, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let done = invitations::send_apologies(
            db,
            who,
            GlobalId::invitation(&input.invitation_id)?,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Records attendance for all invitations of a meeting in session or concluded.
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        input: RecordAttendanceInput,
    ) -> Result<Meeting, ApiError> {
        let who = presidency(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        if input.entries.len() > 500 {
            return Err(ApiError::bad_input("at most 500 entries"));
        }
        let mut entries = Vec::with_capacity(input.entries.len());
        for e in input.entries {
            entries.push(Present {
                invitation_id: GlobalId::invitation(&e.invitation_id)?,
                attendance: e.attendance,
                delegates: e.delegates,
            });
        }
        let done = invitations::record_attendance(
            db,
            who,
            GlobalId::meeting(&input.meeting_id)?,
            input.expected_version,
            entries,
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }
}
