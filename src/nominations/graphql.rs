//! The nominations' query and mutation roots. Thin: parse, authorise the
//! caller, call the service, load the result.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::definition;
use super::loaders::NominationLoader;
use super::service::{self, Move, NominationQuery, Proposal};
use super::types::{Nomination, NominationState, Stance, Workflow};
use crate::auth::{Caller, Identity, Role};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::{enum_name, get};
use crate::graphql::pagination::{self, Page, PageArgs};

/// The authenticated caller, or UNAUTHENTICATED.
pub fn identity<'a>(ctx: &'a Context<'_>) -> Result<&'a Identity, ApiError> {
    ctx.data_opt::<Caller>()
        .and_then(Caller::identity)
        .ok_or_else(|| {
            ApiError::Unauthenticated("sign in: send `Authorization: Bearer <token>`".to_owned())
        })
}

fn clock<'a>(ctx: &'a Context<'_>) -> &'a SharedClock {
    ctx.data_unchecked::<SharedClock>()
}

async fn load(ctx: &Context<'_>, id: i64) -> Result<Nomination, ApiError> {
    get::<NominationLoader, i64>(ctx)
        .load_one(id)
        .await?
        .map(Nomination)
        .ok_or(ApiError::Internal)
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
    /// A workflow definition: its states, transitions, roles and Mermaid diagram.
    async fn workflow(&self, name: String) -> Result<Option<Workflow>, ApiError> {
        Ok((name == definition::NAME).then(|| Workflow(definition::definition())))
    }

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
                .map(|s| enum_name(s).to_owned())
                .collect(),
            position_code: filter.position,
            state_code: filter.state,
            meeting_id: filter
                .meeting_id
                .map(|id| GlobalId::meeting(&id))
                .transpose()?,
        };
        let args = PageArgs::new(first, after, last, before);
        let (total, window, rows) = direct(ctx, service::list(db, &query, &args)).await?;
        Ok(pagination::connection(
            window,
            total,
            rows.into_iter().map(Nomination).collect(),
        ))
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
            Some(code) => crate::committee::types::load_state(ctx, code).await,
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
}

#[derive(InputObject)]
pub struct NominationVersionInput {
    pub nomination_id: ID,
    pub expected_version: i32,
}

#[derive(Default)]
pub struct NominationsMutation;

impl NominationsMutation {
    async fn fire(
        ctx: &Context<'_>,
        input: TransitionInput,
        event: &'static str,
    ) -> Result<Nomination, ApiError> {
        let mv = Move {
            nomination_id: GlobalId::nomination(&input.nomination_id)?,
            expected_version: input.expected_version,
            event,
            note: input.note,
            agenda_item_id: None,
            deadline: None,
        };
        Self::run(ctx, mv, input.idempotency_key).await
    }

    async fn run(ctx: &Context<'_>, mv: Move, key: Option<String>) -> Result<Nomination, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let clock = clock(ctx);
        let id = service::fire(db, who, mv, key.as_deref(), clock.today(), clock.now()).await?;
        load(ctx, id).await
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
        let db = ctx.data_unchecked::<Db>();
        let proposal = Proposal {
            position_code: input.position,
            state: input.state,
            meeting_id: GlobalId::meeting(&input.meeting_id)?,
            note: input.note,
            renews_mandate_id: None,
        };
        let id = service::propose(
            db,
            who,
            proposal,
            input.idempotency_key.as_deref(),
            clock(ctx).now(),
        )
        .await?;
        load(ctx, id).await
    }

    /// Proposes to renew a renewable mandate for another term (ENDORSED: no consultation).
    async fn propose_renewal(
        &self,
        ctx: &Context<'_>,
        input: ProposeRenewalInput,
    ) -> Result<Nomination, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let mandate_id = GlobalId::mandate(&input.mandate_id)?;
        let mandate = get::<crate::committee::loaders::MandateLoader, i32>(ctx)
            .load_one(mandate_id)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such mandate".to_owned()))?;
        let position = get::<crate::committee::loaders::PositionLoader, i32>(ctx)
            .load_one(mandate.position_id)
            .await?
            .ok_or(ApiError::Internal)?;
        let proposal = Proposal {
            position_code: position.code,
            state: mandate.state_iso3,
            meeting_id: GlobalId::meeting(&input.meeting_id)?,
            note: input.note,
            renews_mandate_id: Some(mandate_id),
        };
        let id = service::propose(
            db,
            who,
            proposal,
            input.idempotency_key.as_deref(),
            clock(ctx).now(),
        )
        .await?;
        load(ctx, id).await
    }

    /// DRAFT → SUBMITTED, by the nominee's own delegation.
    async fn submit_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, "submit").await
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
            event: "openConsultation",
            note: input.note,
            agenda_item_id: None,
            deadline: input.deadline,
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
        let id = GlobalId::nomination(&input.nomination_id)?;
        let stance = enum_name(input.stance);
        service::respond(db, who, id, stance, input.note, clock(ctx).now()).await?;
        load(ctx, id).await
    }

    /// Withdraws the caller's standing response (an objection, say).
    async fn withdraw_consultation_response(
        &self,
        ctx: &Context<'_>,
        nomination_id: ID,
    ) -> Result<Nomination, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let id = GlobalId::nomination(&nomination_id)?;
        service::withdraw_response(db, who, id, clock(ctx).now()).await?;
        load(ctx, id).await
    }

    /// IN_CONSULTATION → ENDORSED, when the broad-based consultation policy is met.
    async fn endorse_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, "endorse").await
    }

    /// IN_CONSULTATION → DRAFT, for revision.
    async fn return_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, "returnForRevision").await
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
            event: "placeOnAgenda",
            note: input.note,
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
        Self::fire(ctx, input, "select").await
    }

    /// ON_AGENDA → NOT_SELECTED.
    async fn decline_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, "decline").await
    }

    /// Any open state → WITHDRAWN, by the nominee's delegation or the presidency.
    async fn withdraw_nomination(
        &self,
        ctx: &Context<'_>,
        input: TransitionInput,
    ) -> Result<Nomination, ApiError> {
        Self::fire(ctx, input, "withdraw").await
    }

    /// Selects every nomination on one agenda item in one decision: all or none.
    async fn adopt_slate(
        &self,
        ctx: &Context<'_>,
        agenda_item_id: ID,
        expected_versions: Vec<NominationVersionInput>,
        note: Option<String>,
    ) -> Result<Vec<Nomination>, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let item = GlobalId::agenda_item(&agenda_item_id)?;
        let mut expected = HashMap::new();
        for v in expected_versions {
            expected.insert(GlobalId::nomination(&v.nomination_id)?, v.expected_version);
        }
        let clock = clock(ctx);
        let ids = service::adopt_slate(db, who, item, &expected, note, clock.today(), clock.now())
            .await?;
        let found = get::<NominationLoader, i64>(ctx)
            .load_many(ids.clone())
            .await?;
        Ok(ids
            .into_iter()
            .filter_map(|id| found.get(&id).cloned().map(Nomination))
            .collect())
    }
}
