//! The nominations' GraphQL types.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, FixedOffset};
use entity::{consultation_response, nomination, workflow_history};

use super::consultation::Consulted;
use super::consultation::policy::Tally;
use super::definition;
use super::inclusiveness::{self, Balance};
use super::loaders::{ConsultationLoader, HistoryLoader, InstanceLoader};
use crate::committee::loaders::MandateLoader;
use crate::committee::types::{
    Mandate, Organization, Position, State, load_meeting, load_position, selected_state, today,
};
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::scalars::Date;
use crate::meetings::loaders::AgendaItemLoader;
use crate::meetings::types::{AgendaItem, Meeting};
use crate::vocabulary::stored;

/// Where a nomination is in its workflow (mirrors `definition::NominationState`).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum NominationState {
    Draft,
    Submitted,
    InConsultation,
    Endorsed,
    OnAgenda,
    Selected,
    NotSelected,
    Withdrawn,
    Lapsed,
}

impl From<definition::NominationState> for NominationState {
    fn from(state: definition::NominationState) -> Self {
        use definition::NominationState as S;
        match state {
            S::Draft => Self::Draft,
            S::Submitted => Self::Submitted,
            S::InConsultation => Self::InConsultation,
            S::Endorsed => Self::Endorsed,
            S::OnAgenda => Self::OnAgenda,
            S::Selected => Self::Selected,
            S::NotSelected => Self::NotSelected,
            S::Withdrawn => Self::Withdrawn,
            S::Lapsed => Self::Lapsed,
        }
    }
}

impl From<NominationState> for definition::NominationState {
    fn from(state: NominationState) -> Self {
        use definition::NominationState as S;
        match state {
            NominationState::Draft => S::Draft,
            NominationState::Submitted => S::Submitted,
            NominationState::InConsultation => S::InConsultation,
            NominationState::Endorsed => S::Endorsed,
            NominationState::OnAgenda => S::OnAgenda,
            NominationState::Selected => S::Selected,
            NominationState::NotSelected => S::NotSelected,
            NominationState::Withdrawn => S::Withdrawn,
            NominationState::Lapsed => S::Lapsed,
        }
    }
}

/// Reads a stored workflow state.
pub fn stored_state(text: &str) -> Result<NominationState, ApiError> {
    text.parse::<definition::NominationState>()
        .map(NominationState::from)
        .map_err(|e| {
            tracing::error!(error = e, "unknown nomination state in the database");
            ApiError::Internal
        })
}

/// A new seat, or the renewal of a renewable mandate.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum NominationKind {
    New,
    Renewal,
}

/// A response in a consultation.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stance {
    Support,
    NoObjection,
    Objection,
    Abstain,
}

crate::names!(NominationKind {
    New = "NEW",
    Renewal = "RENEWAL",
});

crate::names!(Stance {
    Support = "SUPPORT",
    NoObjection = "NO_OBJECTION",
    Objection = "OBJECTION",
    Abstain = "ABSTAIN",
});

/// What became of a durable timer.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimerStatus {
    Pending,
    Fired,
    Dropped,
    Cancelled,
}

crate::names!(TimerStatus {
    Pending = "PENDING",
    Fired = "FIRED",
    Dropped = "DROPPED",
    Cancelled = "CANCELLED",
});

/// A State proposed for a seat of a position and term, to be decided at a meeting.
pub struct Nomination(pub nomination::Model);

/// Each field resolved with the fields that wait (see `graphql::eager`).
impl crate::graphql::eager::ReadyFields for Nomination {}

impl Nomination {
    async fn instance(
        &self,
        ctx: &Context<'_>,
    ) -> Result<entity::workflow_instance::Model, ApiError> {
        get::<InstanceLoader, i64>(ctx)
            .load_one(self.0.id)
            .await?
            .ok_or_else(|| ApiError::broken("a referenced row exists"))
    }
}

#[Object]
impl Nomination {
    pub async fn id(&self) -> ID {
        GlobalId::Nomination(self.0.id).encode()
    }

    async fn kind(&self) -> Result<NominationKind, ApiError> {
        stored(&self.0.kind)
    }

    /// Where it is in the workflow.
    async fn state(&self, ctx: &Context<'_>) -> Result<NominationState, ApiError> {
        stored_state(&self.instance(ctx).await?.state)
    }

    /// Pass it back as `expectedVersion` to move the nomination.
    async fn version(&self, ctx: &Context<'_>) -> Result<i32, ApiError> {
        Ok(self.instance(ctx).await?.version)
    }

    /// The events that can move it from where it is (whoever may fire them).
    async fn allowed_events(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        Ok(definition::current().allowed_events(&self.instance(ctx).await?.state))
    }

    async fn position(&self, ctx: &Context<'_>) -> Result<Position, ApiError> {
        load_position(ctx, self.0.position_id).await
    }

    /// The nominee State.
    async fn nominee(&self, ctx: &Context<'_>) -> Result<State, ApiError> {
        selected_state(ctx, &self.0.state_iso3)
            .await?
            .ok_or_else(|| ApiError::broken("a referenced row exists"))
    }

    /// The Meeting of States Parties or Review Conference that decides.
    async fn deciding_meeting(&self, ctx: &Context<'_>) -> Result<Meeting, ApiError> {
        load_meeting(ctx, Some(self.0.deciding_meeting_id))
            .await?
            .ok_or_else(|| ApiError::broken("a referenced row exists"))
    }

    /// The term it is for: from the end of the deciding meeting, for the position's term.
    async fn term_starts_on(&self) -> Date {
        Date(self.0.term_starts_on)
    }

    async fn term_ends_on(&self) -> Date {
        Date(self.0.term_ends_on)
    }

    /// The agenda item it was put on.
    async fn agenda_item(&self, ctx: &Context<'_>) -> Result<Option<AgendaItem>, ApiError> {
        let Some(id) = self.0.agenda_item_id else {
            return Ok(None);
        };
        Ok(get::<AgendaItemLoader, i32>(ctx)
            .load_one(id)
            .await?
            .map(AgendaItem))
    }

    /// The mandate its selection created.
    async fn mandate(&self, ctx: &Context<'_>) -> Result<Option<Mandate>, ApiError> {
        let Some(id) = self.0.mandate_id else {
            return Ok(None);
        };
        Ok(get::<MandateLoader, i32>(ctx)
            .load_one(id)
            .await?
            .map(Mandate::from))
    }

    /// For a renewal: the mandate it renews.
    async fn renews(&self, ctx: &Context<'_>) -> Result<Option<Mandate>, ApiError> {
        let Some(id) = self.0.renews_mandate_id else {
            return Ok(None);
        };
        Ok(get::<MandateLoader, i32>(ctx)
            .load_one(id)
            .await?
            .map(Mandate::from))
    }

    /// When the consultation closes, if a deadline was set.
    async fn consultation_deadline(&self) -> Option<DateTime<FixedOffset>> {
        self.0.consultation_deadline
    }

    /// The consultation: standing responses and a live tally against the policy.
    async fn consultation(&self, ctx: &Context<'_>) -> Result<Consultation, ApiError> {
        let (responses, tally) = get::<ConsultationLoader, (Consulted, chrono::NaiveDate)>(ctx)
            .load_one((Consulted::from(&self.0), today(ctx)))
            .await?
            .ok_or_else(|| ApiError::broken("a referenced row exists"))?;
        Ok(Consultation { responses, tally })
    }

    /// Regional balance of the States holding or nominated for the position's
    /// seats over this term: an aim, never a rule, so it only warns.
    #[graphql(complexity = "crate::graphql::SQL_PER_ITEM + child_complexity")]
    async fn inclusiveness(&self, ctx: &Context<'_>) -> Result<Inclusiveness, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        Ok(direct(ctx, inclusiveness::of_nomination(&db.conn, &self.0))
            .await?
            .into())
    }

    /// Every step, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<HistoryEntry>, ApiError> {
        Ok(get::<HistoryLoader, i64>(ctx)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(HistoryEntry)
            .collect())
    }

    /// The account that proposed it.
    async fn proposed_by(&self) -> &str {
        &self.0.proposed_by
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn created_at(&self) -> DateTime<FixedOffset> {
        self.0.created_at
    }
}

/// The regional balance around a position's seats or a nomination.
#[derive(SimpleObject)]
pub struct Inclusiveness {
    /// The regional groups of the States holding or nominated for the
    /// position's seats (over the nomination's term, for a nomination).
    pub regional_groups: Vec<String>,
    /// Imbalances worth a look; they never block.
    pub warnings: Vec<String>,
}

impl From<Balance> for Inclusiveness {
    fn from(b: Balance) -> Self {
        Self {
            regional_groups: b.regional_groups,
            warnings: b.warnings,
        }
    }
}

/// A consultation's standing responses and tally.
pub struct Consultation {
    responses: Vec<consultation_response::Model>,
    tally: Tally,
}

#[Object]
impl Consultation {
    async fn responses(&self) -> Vec<ConsultationResponse> {
        self.responses
            .iter()
            .cloned()
            .map(ConsultationResponse)
            .collect()
    }

    /// Responses from States Parties.
    async fn response_count(&self) -> i32 {
        self.tally.responses as i32
    }

    async fn by_stance(&self) -> Vec<Count> {
        self.tally
            .by_stance
            .iter()
            .map(|(key, count)| Count {
                key: key.clone(),
                count: *count as i32,
            })
            .collect()
    }

    async fn by_regional_group(&self) -> Vec<Count> {
        self.tally
            .by_regional_group
            .iter()
            .map(|(key, count)| Count {
                key: key.clone(),
                count: *count as i32,
            })
            .collect()
    }

    /// States whose objection stands.
    async fn standing_objections(&self) -> &[String] {
        &self.tally.standing_objections
    }

    /// Whether the nominee's own view stands (not counted unless the position's policy says so).
    async fn nominee_view(&self) -> bool {
        self.tally.nominee_view
    }

    /// Views recorded by observers (not counted toward the policy).
    async fn observer_views(&self) -> i32 {
        self.tally.observer_views as i32
    }

    /// Whether the broad-based consultation policy is met.
    async fn policy_met(&self) -> bool {
        self.tally.policy_met()
    }

    /// Why it is not, when it is not.
    async fn unmet(&self) -> &[String] {
        &self.tally.unmet
    }
}

#[derive(SimpleObject)]
pub struct Count {
    pub key: String,
    pub count: i32,
}

/// One response in a consultation.
pub struct ConsultationResponse(pub consultation_response::Model);

#[Object]
impl ConsultationResponse {
    /// The State that responded (null for an observer's view).
    async fn state(&self, ctx: &Context<'_>) -> Result<Option<State>, ApiError> {
        match &self.0.state_iso3 {
            Some(code) => selected_state(ctx, code).await,
            None => Ok(None),
        }
    }

    /// The observer organization, for an observer's view.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>, ApiError> {
        let Some(code) = &self.0.organization_code else {
            return Ok(None);
        };
        Ok(
            get::<crate::committee::loaders::OrganizationLoader, String>(ctx)
                .load_one(code.clone())
                .await?
                .map(Organization),
        )
    }

    async fn stance(&self) -> Result<Stance, ApiError> {
        stored(&self.0.stance)
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }

    async fn recorded_at(&self) -> DateTime<FixedOffset> {
        self.0.recorded_at
    }
}

/// One step of a workflow instance.
pub struct HistoryEntry(pub workflow_history::Model);

#[Object]
impl HistoryEntry {
    /// 1 for the creation; equals the version the step produced.
    async fn seq(&self) -> i32 {
        self.0.seq
    }

    async fn from(&self) -> Result<Option<NominationState>, ApiError> {
        self.0.from_state.as_deref().map(stored_state).transpose()
    }

    async fn event(&self) -> &str {
        &self.0.event
    }

    async fn to(&self) -> Result<NominationState, ApiError> {
        stored_state(&self.0.to_state)
    }

    /// The account that did it.
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }

    async fn at(&self) -> DateTime<FixedOffset> {
        self.0.at
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn payload(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.0.payload.clone().map(async_graphql::Json)
    }
}
