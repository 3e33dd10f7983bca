//! The topics' query and mutation roots.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::definition::TopicEvent;
use super::model::{DiscussionOutcome, DocumentKind, TopicState};
use super::moves::{self, Move, NewDocument, NewTopic};
use super::service::{self, TopicQuery};
use super::types::{Topic, load_topics};
use crate::auth::identity;
use crate::clock::SharedClock;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::direct;
use crate::graphql::idempotency::settle;
use crate::graphql::ids::GlobalId;
use crate::graphql::pagination::{self, Page, PageArgs};

/// A background document: a link, never a file.
#[derive(InputObject)]
pub struct TopicDocumentInput {
    pub title: String,
    pub kind: DocumentKind,
    /// The official document symbol, where there is one (`CCM/MSP/2024/WP.3`): unique.
    pub symbol: Option<String>,
    /// A language code (`en`, `fr`, `es`, `ar`, ...).
    pub language: String,
    /// An http(s) link.
    pub url: String,
}

impl From<TopicDocumentInput> for NewDocument {
    fn from(d: TopicDocumentInput) -> Self {
        Self {
            title: d.title,
            kind: d.kind,
            symbol: d.symbol,
            language: d.language,
            url: d.url,
        }
    }
}

#[derive(InputObject)]
pub struct ProposeTopicInput {
    pub title: String,
    pub description: String,
    /// The thematic area: a coordinator's position code (`UNIVERSALIZATION`).
    pub area: Option<String>,
    #[graphql(default)]
    pub documents: Vec<TopicDocumentInput>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct MoveTopicInput {
    pub topic_id: ID,
    /// The topic's version you saw; a stale one gets CONFLICT.
    pub expected_version: i32,
    /// A note (for `declineTopic`: the reason; for `closeTopic`: how it was followed up).
    pub note: Option<String>,
    /// A retry with the same key returns the first answer and changes nothing.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct PlaceTopicInput {
    pub topic_id: ID,
    pub expected_version: i32,
    /// The meeting whose agenda it goes on.
    pub meeting_id: ID,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RecordTopicOutcomeInput {
    pub topic_id: ID,
    pub expected_version: i32,
    pub outcome: DiscussionOutcome,
    /// The conclusions, the recommendation, the working group it goes to, or
    /// why it is carried over.
    pub text: String,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AddTopicDocumentInput {
    pub topic_id: ID,
    pub document: TopicDocumentInput,
    pub idempotency_key: Option<String>,
}

/// Which topics to list.
#[derive(InputObject, Default)]
pub struct TopicFilter {
    pub states: Option<Vec<TopicState>>,
    /// A thematic position's code.
    pub area: Option<String>,
    /// Only topics that were placed on this meeting's agenda.
    pub meeting_id: Option<ID>,
}

#[derive(Default)]
pub struct TopicsQuery;

#[Object]
impl TopicsQuery {
    /// Topics for discussion by all, latest change first.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn topics(
        &self,
        ctx: &Context<'_>,
        filter: Option<TopicFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Topic>, ApiError> {
        let db = ctx.data_unchecked::<Db>();
        let filter = filter.unwrap_or_default();
        let query = TopicQuery {
            states: filter.states.unwrap_or_default(),
            area: filter.area,
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
            rows.into_iter().map(Topic).collect(),
        ))
    }

    async fn topic(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Topic>, ApiError> {
        Ok(load_topics(ctx, &[GlobalId::topic(&id)?]).await?.pop())
    }
}

fn now(ctx: &Context<'_>) -> DateTime<Utc> {
    ctx.data_unchecked::<SharedClock>().now()
}

async fn reload(ctx: &Context<'_>, id: i64) -> Result<Topic, ApiError> {
    load_topics(ctx, &[id])
        .await?
        .pop()
        .ok_or_else(|| ApiError::broken("a topic just written can be read back"))
}

async fn fire(
    ctx: &Context<'_>,
    event: TopicEvent,
    input: MoveTopicInput,
    meeting_id: Option<ID>,
) -> Result<Topic, ApiError> {
    let who = identity(ctx)?;
    let mv = Move {
        topic_id: GlobalId::topic(&input.topic_id)?,
        expected_version: input.expected_version,
        event,
        meeting_id: meeting_id
            .as_deref()
            .map(|id| GlobalId::meeting(id))
            .transpose()?,
        outcome: None,
        text: input.note,
    };
    let db = ctx.data_unchecked::<Db>();
    let done = moves::fire(db, who, mv, input.idempotency_key.as_deref(), now(ctx)).await?;
    reload(ctx, settle(ctx, done)).await
}

fn placed(input: PlaceTopicInput) -> (MoveTopicInput, Option<ID>) {
    (
        MoveTopicInput {
            topic_id: input.topic_id,
            expected_version: input.expected_version,
            note: input.note,
            idempotency_key: input.idempotency_key,
        },
        Some(input.meeting_id),
    )
}

#[derive(Default)]
pub struct TopicsMutation;

#[Object]
impl TopicsMutation {
    /// Raises a topic for discussion by all (PROPOSED): a coordinator or a
    /// delegation of a State holding a seat on the committee today, the
    /// President's office, the ISU, or an observer.
    async fn propose_topic(
        &self,
        ctx: &Context<'_>,
        input: ProposeTopicInput,
    ) -> Result<Topic, ApiError> {
        let who = identity(ctx)?;
        let new = NewTopic {
            title: input.title,
            description: input.description,
            area: input.area,
            documents: input.documents.into_iter().map(Into::into).collect(),
        };
        let db = ctx.data_unchecked::<Db>();
        let done = moves::propose(db, who, new, input.idempotency_key.as_deref(), now(ctx)).await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Links a background document: whoever raised the topic, or the President's office.
    async fn add_topic_document(
        &self,
        ctx: &Context<'_>,
        input: AddTopicDocumentInput,
    ) -> Result<Topic, ApiError> {
        let who = identity(ctx)?;
        let db = ctx.data_unchecked::<Db>();
        let done = moves::add_document(
            db,
            who,
            GlobalId::topic(&input.topic_id)?,
            input.document.into(),
            input.idempotency_key.as_deref(),
            now(ctx),
        )
        .await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// PROPOSED → UNDER_CONSIDERATION: on a committee meeting's agenda.
    async fn place_topic_for_consideration(
        &self,
        ctx: &Context<'_>,
        input: PlaceTopicInput,
    ) -> Result<Topic, ApiError> {
        let (input, meeting) = placed(input);
        fire(ctx, TopicEvent::PlaceForConsideration, input, meeting).await
    }

    /// UNDER_CONSIDERATION → ACCEPTED: the committee deems it relevant
    /// (while its meeting is in session; a decision of that meeting).
    async fn accept_topic(
        &self,
        ctx: &Context<'_>,
        input: MoveTopicInput,
    ) -> Result<Topic, ApiError> {
        fire(ctx, TopicEvent::Accept, input, None).await
    }

    /// UNDER_CONSIDERATION → DECLINED, with the reason as `note` (a decision of that meeting).
    async fn decline_topic(
        &self,
        ctx: &Context<'_>,
        input: MoveTopicInput,
    ) -> Result<Topic, ApiError> {
        fire(ctx, TopicEvent::Decline, input, None).await
    }

    /// ACCEPTED → SCHEDULED: on the agenda of a meeting for discussion by all.
    async fn schedule_topic(
        &self,
        ctx: &Context<'_>,
        input: PlaceTopicInput,
    ) -> Result<Topic, ApiError> {
        let (input, meeting) = placed(input);
        fire(ctx, TopicEvent::Schedule, input, meeting).await
    }

    /// SCHEDULED → DISCUSSED with its outcome, or back to ACCEPTED when
    /// CARRIED_OVER (while the meeting is in session; a decision of that meeting).
    async fn record_topic_outcome(
        &self,
        ctx: &Context<'_>,
        input: RecordTopicOutcomeInput,
    ) -> Result<Topic, ApiError> {
        let who = identity(ctx)?;
        let event = match input.outcome {
            DiscussionOutcome::CarriedOver => TopicEvent::CarryOver,
            _ => TopicEvent::Discuss,
        };
        let mv = Move {
            topic_id: GlobalId::topic(&input.topic_id)?,
            expected_version: input.expected_version,
            event,
            meeting_id: None,
            outcome: Some(input.outcome),
            text: Some(input.text),
        };
        let db = ctx.data_unchecked::<Db>();
        let done = moves::fire(db, who, mv, input.idempotency_key.as_deref(), now(ctx)).await?;
        reload(ctx, settle(ctx, done)).await
    }

    /// Withdraws a topic not yet discussed: whoever raised it.
    async fn withdraw_topic(
        &self,
        ctx: &Context<'_>,
        input: MoveTopicInput,
    ) -> Result<Topic, ApiError> {
        fire(ctx, TopicEvent::Withdraw, input, None).await
    }

    /// DISCUSSED → CLOSED, saying how it was followed up (`note`).
    async fn close_topic(
        &self,
        ctx: &Context<'_>,
        input: MoveTopicInput,
    ) -> Result<Topic, ApiError> {
        fire(ctx, TopicEvent::Close, input, None).await
    }
}
