//! The subscription root: `meetingUpdates`, `nominationEvents` and
//! `committeeUpdates`, each an event-log stream that replays after a cursor,
//! then goes live.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{Context, Enum, ID, Object, SimpleObject, Subscription, Union};
use chrono::{DateTime, FixedOffset};
use entity::event_log;
use futures_util::{Stream, StreamExt};

use super::dispatcher::Dispatcher;
use super::log::Filter;
use super::stream::{self, StreamError};
use crate::committee::loaders::MandateLoader;
use crate::committee::types::{Mandate, load_meeting};
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::{db_enum, get};
use crate::meetings::types::Meeting;
use crate::nominations::loaders::NominationLoader;
use crate::nominations::types::Nomination;

/// What an update reports.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    /// A nomination moved in its workflow.
    Transition,
    ConsultationResponse,
    ConsultationResponseWithdrawn,
    /// A meeting selected a State: a mandate was created.
    MandateDesignated,
    MandateStarted,
    MandateEnded,
    /// A meeting recorded a decision on an agenda item.
    DecisionRecorded,
    MeetingScheduled,
    /// A meeting's dates or venue changed.
    MeetingUpdated,
    /// A meeting opened, concluded or was cancelled.
    MeetingStatusChanged,
    /// An agenda item was added, moved or removed.
    AgendaChanged,
    /// A call for nominations was opened.
    CallOpened,
    /// A call's deadline nears with seats still without a nominee.
    CallDeadlineWarning,
}

/// A nomination's move.
#[derive(SimpleObject)]
pub struct TransitionDetails {
    pub from: Option<String>,
    pub event: String,
    pub to: String,
    /// The version the move produced.
    pub version: i32,
    /// The account that moved it (`system` for a timer).
    pub actor: String,
    pub note: Option<String>,
}

/// A consultation response recorded or withdrawn.
#[derive(SimpleObject)]
pub struct ConsultationDetails {
    pub state: Option<String>,
    pub organization: Option<String>,
    pub stance: Option<String>,
    pub note: Option<String>,
}

/// A mandate designated, starting or ending.
#[derive(SimpleObject)]
pub struct MandateDetails {
    pub position: String,
    pub state: String,
    pub seat: i32,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

/// A decision recorded on an agenda item.
#[derive(SimpleObject)]
pub struct DecisionDetails {
    pub decision: String,
}

/// A meeting scheduled or changed, or its agenda changed.
#[derive(SimpleObject)]
pub struct MeetingDetails {
    pub status: Option<String>,
    pub version: Option<i32>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub city: Option<String>,
    /// For agenda changes: added, moved or removed.
    pub change: Option<String>,
    /// For agenda changes: the titles, in order, after the change.
    pub agenda: Option<Vec<String>>,
}

/// A call for nominations opened, or its deadline nearing.
#[derive(SimpleObject)]
pub struct CallDetails {
    pub meeting: String,
    pub deadline: String,
    /// The positions with seats still without a nominee.
    pub uncovered_positions: Vec<String>,
}

/// The typed details of an update.
#[derive(Union)]
pub enum UpdateDetails {
    Transition(TransitionDetails),
    Consultation(ConsultationDetails),
    Mandate(MandateDetails),
    Decision(DecisionDetails),
    Meeting(MeetingDetails),
    Call(CallDetails),
}

/// One entry of the event log.
pub struct Update(pub event_log::Model);

fn numeric_suffix(text: &str, prefix: &str) -> Option<i64> {
    text.strip_prefix(prefix).and_then(|n| n.parse().ok())
}

#[Object]
impl Update {
    /// Its place in the log: pass it as `after` to resume after it.
    async fn cursor(&self) -> String {
        self.0.id.to_string()
    }

    /// What it is about: `meeting:ID`, `nomination:ID` or `committee`.
    async fn topic(&self) -> &str {
        &self.0.topic
    }

    async fn kind(&self) -> Result<UpdateKind, ApiError> {
        db_enum(&self.0.kind)
    }

    async fn at(&self) -> DateTime<FixedOffset> {
        self.0.created_at
    }

    /// The details, as recorded.
    async fn payload(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.payload.clone())
    }

    /// The details, typed by kind.
    async fn details(&self) -> Result<UpdateDetails, ApiError> {
        let p = &self.0.payload;
        let text = |key: &str| p[key].as_str().map(str::to_owned);
        let int = |key: &str| p[key].as_i64().and_then(|n| i32::try_from(n).ok());
        Ok(match db_enum::<UpdateKind>(&self.0.kind)? {
            UpdateKind::Transition => UpdateDetails::Transition(TransitionDetails {
                from: text("from"),
                event: text("event").unwrap_or_default(),
                to: text("to").unwrap_or_default(),
                version: int("version").unwrap_or_default(),
                actor: text("actor").unwrap_or_default(),
                note: text("note"),
            }),
            UpdateKind::ConsultationResponse | UpdateKind::ConsultationResponseWithdrawn => {
                UpdateDetails::Consultation(ConsultationDetails {
                    state: text("state"),
                    organization: text("organization"),
                    stance: text("stance"),
                    note: text("note"),
                })
            }
            UpdateKind::MandateDesignated
            | UpdateKind::MandateStarted
            | UpdateKind::MandateEnded => UpdateDetails::Mandate(MandateDetails {
                position: text("position").unwrap_or_default(),
                state: text("state").unwrap_or_default(),
                seat: int("seat").unwrap_or_default(),
                starts_on: text("startsOn"),
                ends_on: text("endsOn"),
            }),
            UpdateKind::DecisionRecorded => UpdateDetails::Decision(DecisionDetails {
                decision: text("decision").unwrap_or_default(),
            }),
            UpdateKind::MeetingScheduled
            | UpdateKind::MeetingUpdated
            | UpdateKind::MeetingStatusChanged
            | UpdateKind::AgendaChanged => UpdateDetails::Meeting(MeetingDetails {
                status: text("status"),
                version: int("version"),
                starts_on: text("startsOn"),
                ends_on: text("endsOn"),
                city: text("city"),
                change: text("change"),
                agenda: p["agenda"].as_array().map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect()
                }),
            }),
            UpdateKind::CallOpened | UpdateKind::CallDeadlineWarning => {
                UpdateDetails::Call(CallDetails {
                    meeting: text("meeting").unwrap_or_default(),
                    deadline: text("deadline").unwrap_or_default(),
                    uncovered_positions: p["uncovered"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|u| u["position"].as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            }
        })
    }

    /// The nomination it is about, if any, as it is now.
    async fn nomination(&self, ctx: &Context<'_>) -> Result<Option<Nomination>, ApiError> {
        let Some(id) = numeric_suffix(&self.0.topic, "nomination:") else {
            return Ok(None);
        };
        Ok(get::<NominationLoader, i64>(ctx)
            .load_one(id)
            .await?
            .map(Nomination))
    }

    /// The meeting it is about, if any, as it is now.
    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        let id = numeric_suffix(&self.0.topic, "meeting:").or_else(|| {
            self.0
                .scope
                .as_deref()
                .and_then(|s| numeric_suffix(s, "meeting:"))
        });
        load_meeting(ctx, id.and_then(|id| i32::try_from(id).ok())).await
    }

    /// The mandate it is about, if any.
    async fn mandate(&self, ctx: &Context<'_>) -> Result<Option<Mandate>, ApiError> {
        let Some(id) = self.0.payload["mandateId"]
            .as_i64()
            .and_then(|id| i32::try_from(id).ok())
        else {
            return Ok(None);
        };
        Ok(get::<MandateLoader, i32>(ctx)
            .load_one(id)
            .await?
            .map(Mandate))
    }
}

/// The subscriptions one connection may hold at once.
#[derive(Clone, Debug)]
pub struct Slots {
    used: Arc<AtomicUsize>,
    max: usize,
}

/// One held subscription; freed when the stream ends.
pub struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Slots {
    pub fn new(max: usize) -> Self {
        Self {
            used: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    fn take(&self) -> Result<Slot, ApiError> {
        if self.used.fetch_add(1, Ordering::SeqCst) >= self.max {
            self.used.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::RateLimited {
                message: format!("at most {} subscriptions per connection", self.max),
                resume_after: None,
            });
        }
        Ok(Slot(self.used.clone()))
    }
}

fn parse_cursor(after: Option<String>) -> Result<Option<i64>, ApiError> {
    after
        .map(|a| {
            a.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::bad_input(format!("`{a}` is not a cursor")))
        })
        .transpose()
}

fn open(
    ctx: &Context<'_>,
    filter: Filter,
    after: Option<String>,
) -> Result<impl Stream<Item = Result<Update, ApiError>> + use<>, ApiError> {
    let after = parse_cursor(after)?;
    let slot = ctx.data_opt::<Slots>().map(Slots::take).transpose()?;
    let dispatcher = ctx.data_unchecked::<Arc<Dispatcher>>();
    let db = ctx.data_unchecked::<Db>().clone();
    Ok(stream::subscribe(dispatcher, db, filter, after).map(move |item| {
        let _held = &slot;
        match item {
            Ok(entry) => Ok(Update(entry)),
            Err(StreamError::Lagged { resume_after }) => Err(ApiError::RateLimited {
                message: format!(
                    "this subscription fell too far behind and was closed; subscribe again with after: \"{}\"",
                    resume_after.unwrap_or(0)
                ),
                resume_after: Some(resume_after.unwrap_or(0)),
            }),
            Err(StreamError::Internal) => Err(ApiError::Internal),
        }
    }))
}

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// A meeting as it happens: its status, schedule and agenda, the moves of
    /// the nominations it is to decide, its decisions. With `after`, first
    /// every update since that cursor.
    async fn meeting_updates(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = Result<Update, ApiError>> + use<>> {
        let id = GlobalId::meeting(&meeting_id)?;
        let db = ctx.data_unchecked::<Db>();
        if crate::meetings::service::meeting_by_id(db, id)
            .await?
            .is_none()
        {
            return Err(ApiError::NotFound("no such meeting".to_owned()).into());
        }
        Ok(open(
            ctx,
            Filter::TopicOrScope(format!("meeting:{id}")),
            after,
        )?)
    }

    /// One nomination's moves and consultation responses.
    async fn nomination_events(
        &self,
        ctx: &Context<'_>,
        nomination_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = Result<Update, ApiError>> + use<>> {
        let id = GlobalId::nomination(&nomination_id)?;
        let db = ctx.data_unchecked::<Db>();
        if crate::workflow::store::load(&db.conn, id)
            .await
            .map_err(ApiError::from)?
            .is_none()
        {
            return Err(ApiError::NotFound("no such nomination".to_owned()).into());
        }
        Ok(open(ctx, Filter::Topic(format!("nomination:{id}")), after)?)
    }

    /// The committee's composition changing: mandates designated, starting and ending.
    async fn committee_updates(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = Result<Update, ApiError>> + use<>> {
        Ok(open(ctx, Filter::Topic("committee".to_owned()), after)?)
    }
}
