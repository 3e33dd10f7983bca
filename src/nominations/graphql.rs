//! The nominations' query and mutation roots. Thin: parse, authorise the
//! caller, call the service, load the result.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, FixedOffset, Utc};

use super::commands::{Move, Proposal, Slate};
use super::consultation::{self, Response};
use super::definition::NominationEvent;
use super::loaders::{InstanceLoader, NominationLoader};
use super::moves;
use super::read::{self, NominationQuery};
use super::types::{Nomination, NominationState, Stance, TimerStatus};
use crate::auth::{Caller, Identity, PRESIDENCY, Role, identity, require};
use crate::clock::SharedClock;
use crate::config::Policy;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::idempotency::settle;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::pagination::{self, Page, PageArgs};
use crate::graphql::scalars::{NOTE_MAX, bounded, check_instant};
use crate::workflow::timers;

fn now(ctx: &Context<'_>) -> DateTime<Utc> {
    ctx.data_unchecked::<SharedClock>().now()
}

/// Hands the rows a move committed to the request's loaders: its answer
/// is rendered from them, with no statement to read them back.
fn prime(ctx: &Context<'_>, written: Option<moves::Written>) {
    if let Some(written) = written {
        let id = written.nomination.id;
        get::<InstanceLoader, i64>(ctx).prime(id, written.instance);
        get::<NominationLoader, i64>(ctx).prime(id, written.nomination);
    }
}

async fn load(ctx: &Context<'_>, id: i64) -> Result<Nomination, ApiError> {
    get::<NominationLoader, i64>(ctx)
        .load_one(id)
        .await?
        .map(Nomination)
        .ok_or_else(|| {
            tracing::error!(nomination = id, "a nomination just written cannot be read");
            ApiError::Internal
        })
}

/// A durable timer.
#[derive(SimpleObject)]
pub struct Timer {
    pub target: String,
    pub subject_id: String,
    pub event: String,
    pub due_at: DateTime<FixedOffset>,
    pub status: String,
    /// What firing it did, or why it was dropped.
    pub outcome: Option<String>,
    /// The replica that fired it.
    pub fired_by: Option<String>,
    pub fired_at: Option<DateTime<FixedOffset>>,
}

/// Which nominations to list.
#[derive(InputObject, Default)]
pub struct NominationFilter {
    states: Option<Vec<NominationState>>,
    /// A position code.
    position: Option<String>,
    /// The nominee's ISO code.
    state: Option<String>,
    /// The deciding meeting.
    meeting_id: Option<ID>,
}

#[derive(Default)]
pub struct NominationsQuery;

#[Object]
impl NominationsQuery {
    /// One nomination by its ID.
    async fn nomination(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Nomination>, ApiError> {
        let id = GlobalId::nomination(&id)?;
        Ok(get::<NominationLoader, i64>(ctx)
            .load_one(id)
            .await?
            .map(Nomination))
    }

    /// Nominations, latest first.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn nominations(
        &self,
        ctx: &Context<'_>,
        filter: Option<NominationFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Nomination>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let filter = filter.unwrap_or_default();
        let query = NominationQuery {
            states: filter
                .states
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            position_code: filter.position,
            state_code: filter.state,
            meeting_id: filter
                .meeting_id
                .map(|id| GlobalId::meeting(&id))
                .transpose()?,
        };
        let args = PageArgs::new(first, after, last, before);
        let (total, window, rows) = direct(ctx, read::list(db, &query, &args)).await?;
        Ok(pagination::connection(
            window,
            total,
            rows.into_iter().map(Nomination).collect(),
        ))
    }

    /// Timers, latest due first: pending ones and recent firings (administrators
    /// and the President's office).
    async fn timers(
        &self,
        ctx: &Context<'_>,
        statuses: Option<Vec<TimerStatus>>,
        #[graphql(default = 50)] limit: i32,
    ) -> Result<Vec<Timer>, ApiError> {
        require(ctx, &PRESIDENCY, "timers are for administrators")?;
        if !(1..=500).contains(&limit) {
            return Err(ApiError::bad_input("`limit` is between 1 and 500"));
        }
        let statuses: Vec<String> = statuses
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        let db = ctx.data_unchecked::<Db>();
        let rows = direct(ctx, timers::list(&db.conn, &statuses, limit as u64)).await?;
        Ok(rows
            .into_iter()
            .map(|t| Timer {
                target: t.target,
                subject_id: t.subject_id.to_string(),
                event: t.event,
                due_at: t.due_at,
                status: t.status,
                outcome: t.outcome,
                fired_by: t.fired_by,
                fired_at: t.fired_at,
            })
            .collect())
    }

    /// Who is calling, if anyone.
    async fn me(&self, ctx: &Context<'_>) -> Option<Me> {
        ctx.data_opt::<Caller>()
            .and_then(Caller::identity)
            .map(|i| Me(i.clone()))
    }
}

/// The authenticated caller.
pub struct Me(Identity);

#[Object]
impl Me {
    /// The account (the token's subject).
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    async fn role(&self) -> Role {
        self.0.role
    }

    /// The State a coordinator or delegate acts for.
    async fn state(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::committee::types::State>, ApiError> {
        match &self.0.state {
            Some(code) => crate::committee::types::selected_state(ctx, code).await,
            None => Ok(None),
        }
    }

    /// The organization an observer speaks for.
    async fn organization(&self) -> Option<&str> {
        self.0.organization.as_deref()
    }
}

#[derive(InputObject)]
pub struct ProposeNominationInput {
    /// A position code, e.g. `UNIVERSALIZATION`.
    pub position: String,
    /// The nominee's ISO 3166 alpha-3 code.
    pub state: String,
    /// The Meeting of States Parties or Review Conference that is to decide.
    pub meeting_id: ID,
    pub note: Option<String>,
    /// A retry with the same key returns the first result and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ProposeRenewalInput {
    /// The renewable mandate to renew for another term.
    pub mandate_id: ID,
    /// The meeting that is to decide.
    pub meeting_id: ID,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

/// A move of one nomination.
#[derive(InputObject)]
pub struct TransitionInput {
    pub nomination_id: ID,
    /// The version you saw; a stale one gets CONFLICT.
    pub expected_version: i32,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct OpenConsultationInput {
    pub nomination_id: ID,
    pub expected_version: i32,
    /// When the consultation closes.
    pub deadline: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct PlaceOnAgendaInput {
    pub nomination_id: ID,
    pub expected_version: i32,
    /// The item of the deciding meeting's agenda; by default its nominations item (created when missing).
    pub agenda_item_id: Option<ID>,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ConsultationResponseInput {
    pub nomination_id: ID,
    pub stance: Stance,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct WithdrawConsultationResponseInput {
    pub nomination_id: ID,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct NominationVersionInput {
    pub nomination_id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct AdoptSlateInput {
    /// The agenda item whose nominations are decided together.
    pub agenda_item_id: ID,
    /// Every nomination on the item awaiting a decision, with the version you saw.
    pub expected_versions: Vec<NominationVersionInput>,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct NominationsMutation;

impl NominationsMutation {
    async fn fire(
        ctx: &Context<'_>,
        input: TransitionInput,
        event: NominationEvent,
    ) -> Result<Nomination, ApiError> {
        let mv = Move {
            nomination_id: GlobalId::nomination(&input.nomination_id)?,
            expected_version: input.expected_version,
            event,
            note: bounded("note", input.note, NOTE_MAX)?,
            agenda_item_id: None,
            deadline: None,
        };
        Self::run(ctx, mv, input.idempotency_key).await
    }

    async fn run(ctx: &Context<'_>, mv: Move, key: Option<String>) -> Result<Nomination, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let policy = ctx.data_unchecked::<Policy>();
        let (done, written) = moves::fire(db, who, mv, key.as_deref(), policy, now(ctx)).await?;
        prime(ctx, written);
        load(ctx, settle(ctx, done)).await
    }

    async fn propose(
        ctx: &Context<'_>,
        who: &Identity,
        proposal: Proposal,
        key: Option<String>,
    ) -> Result<Nomination, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let (done, written) = moves::propose(db, who, proposal, key.as_deref(), now(ctx)).await?;
        prime(ctx, written);
        load(ctx, settle(ctx, done)).await
    }
}

#[Object]
impl NominationsMutation {
    /// Proposes a State for a position, for the term the deciding meeting opens (DRAFT).
    async fn propose_nomination(
        &self,
        ctx: &Context<'_>,
        input: ProposeNominationInput,
    ) -> Result<Nomination, ApiError> {
        let who = identity(ctx)?;
        let proposal = Proposal {
            position_code: input.position,
            state: input.state,
            meeting_id: GlobalId::meeting(&input.meeting_id)?,
            note: bounded("note", input.note, NOTE_MAX)?,
            renews_mandate_id: None,
        };
        Self::propose(ctx, who, proposal, input.idempotency_key).await
    }

    /// Proposes to renew a renewable mandate for another term (ENDORSED: no consultation).
    async fn propose_renewal(
        &self,
        ctx: &Context<'_>,
        input: ProposeRenewalInput,
    ) -> Result<Nomination, ApiError> {
        let who = identity(ctx)?;
        let mandate_id = GlobalId::mandate(&input.mandate_id)?;
        let mandate = get::<crate::committee::loaders::MandateLoader, i32>(ctx)
            .load_one(mandate_id)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such mandate".to_owned()))?;
        let position = get::<crate::committee::loaders::PositionLoader, i32>(ctx)
            .load_one(mandate.position_id)
            .await?
            .ok_or_else(|| ApiError::broken("a mandate's position exists"))?;
        let proposal = Proposal {
            position_code: position.code,
            state: mandate.state_iso3,
            meeting_id: GlobalId::meeting(&input.meeting_id)?,
            note: bounded("note", input.note, NOTE_MAX)?,
            renews_mandate_id: Some(mandate_id),
        };
        Self::propose(ctx, who, proposal, input.idempotency_key).await
    }

    /// DRAFT → SUBMITTED, by the nominee's own delegation.
    async fn submit_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, NominationEvent::Submit).await
    }

    /// SUBMITTED → IN_CONSULTATION, by the presidency.
    async fn open_consultation(
        &self,
        ctx: &Context<'_>,
        input: OpenConsultationInput,
    ) -> Result<Nomination, ApiError> {
        let mv = Move {
            nomination_id: GlobalId::nomination(&input.nomination_id)?,
            expected_version: input.expected_version,
            event: NominationEvent::OpenConsultation,
            note: bounded("note", input.note, NOTE_MAX)?,
            agenda_item_id: None,
            deadline: match input.deadline {
                Some(at) => Some(check_instant("deadline", at).map(|()| at)?),
                None => None,
            },
        };
        Self::run(ctx, mv, input.idempotency_key).await
    }

    /// Records the caller's response (its State's, or an observer's view);
    /// a second response replaces the first.
    async fn record_consultation_response(
        &self,
        ctx: &Context<'_>,
        input: ConsultationResponseInput,
    ) -> Result<Nomination, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let response = Response {
            nomination_id: GlobalId::nomination(&input.nomination_id)?,
            stance: input.stance.as_str().to_owned(),
            note: bounded("note", input.note, NOTE_MAX)?,
        };
        let key = input.idempotency_key.as_deref();
        let done = consultation::respond(db, who, response, key, now(ctx)).await?;
        load(ctx, settle(ctx, done)).await
    }

    /// Withdraws the caller's standing response (an objection, say).
    async fn withdraw_consultation_response(
        &self,
        ctx: &Context<'_>,
        input: WithdrawConsultationResponseInput,
    ) -> Result<Nomination, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let id = GlobalId::nomination(&input.nomination_id)?;
        let key = input.idempotency_key.as_deref();
        let done = consultation::withdraw_response(db, who, id, key, now(ctx)).await?;
        load(ctx, settle(ctx, done)).await
    }

    /// IN_CONSULTATION → ENDORSED, when the broad-based consultation policy is met.
    async fn endorse_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, NominationEvent::Endorse).await
    }

    /// IN_CONSULTATION → DRAFT, for revision.
    async fn return_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, NominationEvent::ReturnForRevision).await
    }

    /// ENDORSED → ON_AGENDA of the deciding meeting (planned or in session).
    async fn place_nomination_on_agenda(
        &self,
        ctx: &Context<'_>,
        input: PlaceOnAgendaInput,
    ) -> Result<Nomination, ApiError> {
        let mv = Move {
            nomination_id: GlobalId::nomination(&input.nomination_id)?,
            expected_version: input.expected_version,
            event: NominationEvent::PlaceOnAgenda,
            note: bounded("note", input.note, NOTE_MAX)?,
            agenda_item_id: input
                .agenda_item_id
                .map(|id| GlobalId::agenda_item(&id))
                .transpose()?,
            deadline: None,
        };
        Self::run(ctx, mv, input.idempotency_key).await
    }

    /// ON_AGENDA → SELECTED while the meeting is in session: creates the mandate.
    async fn select_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, NominationEvent::Select).await
    }

    /// ON_AGENDA → NOT_SELECTED.
    async fn decline_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, NominationEvent::Decline).await
    }

    /// Any open state → WITHDRAWN, by the nominee's delegation or the presidency.
    async fn withdraw_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, NominationEvent::Withdraw).await
    }

    /// Selects every nomination on one agenda item in one decision: all or none.
    async fn adopt_slate(
        &self,
        ctx: &Context<'_>,
        input: AdoptSlateInput,
    ) -> Result<Vec<Nomination>, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let policy = ctx.data_unchecked::<Policy>();
        let mut expected = HashMap::new();
        for v in input.expected_versions {
            expected.insert(GlobalId::nomination(&v.nomination_id)?, v.expected_version);
        }
        let slate = Slate {
            agenda_item_id: GlobalId::agenda_item(&input.agenda_item_id)?,
            expected,
            note: bounded("note", input.note, NOTE_MAX)?,
        };
        let key = input.idempotency_key.as_deref();
        let done = moves::adopt_slate(db, who, slate, key, policy, now(ctx)).await?;
        let ids = settle(ctx, done);
        let found = get::<NominationLoader, i64>(ctx)
            .load_many(ids.clone())
            .await?;
        Ok(ids
            .into_iter()
            .filter_map(|id| found.get(&id).cloned().map(Nomination))
            .collect())
    }
}
