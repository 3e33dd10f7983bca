//! The subscription root: `meetingUpdates`, `nominationEvents` and
//! `committeeUpdates`, each an event-log stream that replays after a cursor,
//! then goes live.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{Context, Enum, ID, Object, SimpleObject, Subscription, Union};
use chrono::{DateTime, FixedOffset};
use entity::event_log;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};

use super::multiplex::{self, Delivery};
use crate::committee::loaders::MandateLoader;
use crate::committee::types::{Mandate, load_meeting};
use crate::db::Db;
use crate::error::ApiError;
use crate::events::dispatcher::Dispatcher;
use crate::events::log::Filter;
use crate::events::stream::{self, StreamError};
use crate::events::{Event, Topic};
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::get;
use crate::graphql::scalars::Date;
use crate::meetings::model::MeetingStatus;
use crate::meetings::types::Meeting;
use crate::nominations::loaders::NominationLoader;
use crate::nominations::types::{Nomination, NominationState, Stance};
use crate::vocabulary::stored;

/// What an update reports.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    /// A nomination moved in its workflow.
    Transition,
    ConsultationResponse,
    ConsultationResponseWithdrawn,
    /// An open nomination's term moved with its deciding meeting's dates.
    TermChanged,
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
    /// The reference data shipped with a new release added, corrected or
    /// retired a row of an existing database.
    ReferenceCorrected,
    /// A committee meeting's invitations changed (scheduled, moved, invited, withdrawn).
    InvitationsChanged,
    /// A delegation or an observer sent its apologies.
    ApologiesSent,
    AttendanceRecorded,
    AgendaAdopted,
    ActionPointAdded,
    /// An open action point reached its due date.
    ActionPointDue,
    ActionPointClosed,
    /// A meeting's minutes moved in their workflow.
    MinutesTransition,
    /// A text of the minutes was saved.
    MinutesRevised,
    /// The comments deadline of circulated minutes passed.
    MinutesCommentsClosed,
    /// A topic moved in its workflow.
    TopicTransition,
    /// A background document was added to a topic.
    TopicDocumentAdded,
    /// A work plan moved in its workflow (it was published).
    WorkPlanTransition,
    /// A work plan's objectives, activities or ratings changed.
    WorkPlanChanged,
}

/// A nomination's move, as it was at the event: `to` and `version` are the
/// state and version the move produced (`Update.nomination` is the nomination now).
#[derive(SimpleObject)]
pub struct TransitionDetails {
    pub from: Option<NominationState>,
    pub event: String,
    pub to: NominationState,
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
    /// The stance recorded (null when a response was withdrawn).
    pub stance: Option<Stance>,
    pub note: Option<String>,
}

/// An open nomination's term, moved with its deciding meeting.
#[derive(SimpleObject)]
pub struct TermDetails {
    pub term_starts_on: Date,
    pub term_ends_on: Date,
    pub meeting: String,
}

/// A mandate designated, starting or ending.
#[derive(SimpleObject)]
pub struct MandateDetails {
    pub position: String,
    pub state: String,
    pub seat: i32,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
}

/// A decision recorded on an agenda item.
#[derive(SimpleObject)]
pub struct DecisionDetails {
    pub decision: String,
}

/// A meeting scheduled or changed, or its agenda changed.
#[derive(SimpleObject)]
pub struct MeetingDetails {
    pub status: Option<MeetingStatus>,
    /// The meeting's version after the change.
    pub version: Option<i32>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
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

/// A reference row a new release added, corrected or retired.
#[derive(SimpleObject)]
pub struct ReferenceDetails {
    /// `ADDED`, `CORRECTED` or `RETIRED`.
    pub change: String,
    /// `state`, `organization`, `meeting`, `position` or `mandate`.
    pub table: String,
    /// Which row.
    pub key: String,
    /// The fields corrected.
    pub fields: Vec<String>,
}

/// A move of a workflow other than nominations (minutes, topics, work
/// plans), as it was at the event.
#[derive(SimpleObject)]
pub struct WorkflowDetails {
    pub definition: String,
    /// The global ID of what moved (the minutes, the topic, the work plan).
    pub subject_id: Option<ID>,
    pub from: Option<String>,
    pub event: String,
    pub to: String,
    pub version: i32,
    pub actor: String,
    pub note: Option<String>,
}

/// Invitations added or removed, or a party's apologies.
#[derive(SimpleObject)]
pub struct InvitationDetails {
    /// `scheduled`, `moved`, `invited`, `withdrawn` or `apologies`.
    pub reason: String,
    /// The parties invited (`STATE:PHL`, `ORG:ICRC`, `GUEST:...`).
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// Attendance recorded for a meeting.
#[derive(SimpleObject)]
pub struct AttendanceDetails {
    pub present: i32,
    pub apologies_received: i32,
    pub absent: i32,
    pub version: i32,
}

/// An action point added, due or closed.
#[derive(SimpleObject)]
pub struct ActionPointDetails {
    pub action_point_id: ID,
    pub text: Option<String>,
    pub owner: Option<String>,
    pub due_on: Option<Date>,
    /// For closings: `DONE` or `DROPPED`.
    pub status: Option<String>,
    pub note: Option<String>,
}

/// A text of the minutes saved, or their comments deadline passed.
#[derive(SimpleObject)]
pub struct MinutesDetails {
    pub minutes_id: ID,
    pub agenda_item_id: Option<ID>,
    pub revision: Option<i32>,
}

/// A background document added to a topic.
#[derive(SimpleObject)]
pub struct TopicDocumentDetails {
    pub topic_id: ID,
    pub title: String,
    pub kind: String,
    pub symbol: Option<String>,
}

/// A change of a work plan's content.
#[derive(SimpleObject)]
pub struct WorkPlanDetails {
    pub work_plan_id: ID,
    /// `objectiveAdded`, `activityAdded`, `activity` or `rated`.
    pub change: String,
    pub version: i32,
}

/// The global ID of a workflow instance, by its definition.
fn subject_id(definition: &str, id: i64) -> Option<ID> {
    let global = match definition {
        crate::minutes::NAME => GlobalId::Minutes(id),
        crate::topics::NAME => GlobalId::Topic(id),
        crate::work_plans::NAME => GlobalId::WorkPlan(id),
        _ => return None,
    };
    Some(global.encode())
}

/// The typed details of an update, as recorded at the event.
#[derive(Union)]
pub enum UpdateDetails {
    TopicDocument(TopicDocumentDetails),
    WorkPlan(WorkPlanDetails),
    Workflow(WorkflowDetails),
    Invitation(InvitationDetails),
    Attendance(AttendanceDetails),
    ActionPoint(ActionPointDetails),
    Minutes(MinutesDetails),
    Transition(TransitionDetails),
    Consultation(ConsultationDetails),
    Term(TermDetails),
    Mandate(MandateDetails),
    Decision(DecisionDetails),
    Meeting(MeetingDetails),
    Call(CallDetails),
    Reference(ReferenceDetails),
}

/// One entry of the event log.
pub struct Update(pub event_log::Model);

impl Update {
    fn event(&self) -> Result<Event, ApiError> {
        Event::from_stored(&self.0.kind, &self.0.payload).map_err(|e| {
            tracing::error!(error = %e, entry = self.0.id, "an event-log entry does not read");
            ApiError::Internal
        })
    }
}

fn nomination_state(text: &str) -> Result<NominationState, ApiError> {
    crate::nominations::types::stored_state(text)
}

fn meeting_details(
    status: &str,
    version: i32,
    starts_on: Option<chrono::NaiveDate>,
    ends_on: Option<chrono::NaiveDate>,
    city: Option<String>,
) -> Result<MeetingDetails, ApiError> {
    Ok(MeetingDetails {
        status: Some(stored(status)?),
        version: Some(version),
        starts_on: starts_on.map(Date),
        ends_on: ends_on.map(Date),
        city,
        change: None,
        agenda: None,
    })
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
        Ok(match self.event()? {
            Event::Transition { definition, .. } if definition == crate::minutes::NAME => {
                UpdateKind::MinutesTransition
            }
            Event::Transition { definition, .. } if definition == crate::topics::NAME => {
                UpdateKind::TopicTransition
            }
            Event::Transition { definition, .. } if definition == crate::work_plans::NAME => {
                UpdateKind::WorkPlanTransition
            }
            Event::Transition { .. } => UpdateKind::Transition,
            Event::ConsultationResponse { .. } => UpdateKind::ConsultationResponse,
            Event::ConsultationResponseWithdrawn { .. } => {
                UpdateKind::ConsultationResponseWithdrawn
            }
            Event::TermChanged { .. } => UpdateKind::TermChanged,
            Event::MandateDesignated { .. } => UpdateKind::MandateDesignated,
            Event::MandateStarted { .. } => UpdateKind::MandateStarted,
            Event::MandateEnded { .. } => UpdateKind::MandateEnded,
            Event::DecisionRecorded { .. } => UpdateKind::DecisionRecorded,
            Event::MeetingScheduled { .. } => UpdateKind::MeetingScheduled,
            Event::MeetingUpdated { .. } => UpdateKind::MeetingUpdated,
            Event::MeetingStatusChanged { .. } => UpdateKind::MeetingStatusChanged,
            Event::AgendaChanged { .. } => UpdateKind::AgendaChanged,
            Event::CallOpened { .. } => UpdateKind::CallOpened,
            Event::CallDeadlineWarning { .. } => UpdateKind::CallDeadlineWarning,
            Event::ReferenceCorrected { .. } => UpdateKind::ReferenceCorrected,
            Event::InvitationsChanged { .. } => UpdateKind::InvitationsChanged,
            Event::ApologiesSent { .. } => UpdateKind::ApologiesSent,
            Event::AttendanceRecorded { .. } => UpdateKind::AttendanceRecorded,
            Event::AgendaAdopted { .. } => UpdateKind::AgendaAdopted,
            Event::ActionPointAdded { .. } => UpdateKind::ActionPointAdded,
            Event::ActionPointDue { .. } => UpdateKind::ActionPointDue,
            Event::ActionPointClosed { .. } => UpdateKind::ActionPointClosed,
            Event::MinutesRevised { .. } => UpdateKind::MinutesRevised,
            Event::MinutesCommentsClosed { .. } => UpdateKind::MinutesCommentsClosed,
            Event::TopicDocumentAdded { .. } => UpdateKind::TopicDocumentAdded,
            Event::WorkPlanChanged { .. } => UpdateKind::WorkPlanChanged,
        })
    }

    async fn at(&self) -> DateTime<FixedOffset> {
        self.0.created_at
    }

    /// The details, as recorded.
    async fn payload(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.payload.clone())
    }

    /// The details, typed by kind, as they were at the event.
    async fn details(&self) -> Result<UpdateDetails, ApiError> {
        Ok(match self.event()? {
            Event::Transition {
                instance_id,
                definition,
                from,
                event,
                to,
                version,
                actor,
                note,
                ..
            } if definition != "nomination" => UpdateDetails::Workflow(WorkflowDetails {
                subject_id: subject_id(&definition, instance_id),
                definition,
                from,
                event,
                to,
                version,
                actor,
                note,
            }),
            Event::Transition {
                from,
                event,
                to,
                version,
                actor,
                note,
                ..
            } => UpdateDetails::Transition(TransitionDetails {
                from: from.as_deref().map(nomination_state).transpose()?,
                event,
                to: nomination_state(&to)?,
                version,
                actor,
                note,
            }),
            Event::ConsultationResponse {
                state,
                organization,
                stance,
                note,
                ..
            } => UpdateDetails::Consultation(ConsultationDetails {
                state,
                organization,
                stance: stance.as_deref().map(stored).transpose()?,
                note,
            }),
            Event::ConsultationResponseWithdrawn {
                state,
                organization,
                ..
            } => UpdateDetails::Consultation(ConsultationDetails {
                state,
                organization,
                stance: None,
                note: None,
            }),
            Event::TermChanged {
                term_starts_on,
                term_ends_on,
                meeting,
            } => UpdateDetails::Term(TermDetails {
                term_starts_on: Date(term_starts_on),
                term_ends_on: Date(term_ends_on),
                meeting,
            }),
            Event::MandateDesignated {
                position,
                state,
                seat,
                starts_on,
                ends_on,
                ..
            }
            | Event::MandateStarted {
                position,
                state,
                seat,
                starts_on,
                ends_on,
                ..
            }
            | Event::MandateEnded {
                position,
                state,
                seat,
                starts_on,
                ends_on,
                ..
            } => UpdateDetails::Mandate(MandateDetails {
                position,
                state,
                seat,
                starts_on: Date(starts_on),
                ends_on: ends_on.map(Date),
            }),
            Event::DecisionRecorded { decision, .. } => {
                UpdateDetails::Decision(DecisionDetails { decision })
            }
            Event::MeetingScheduled {
                starts_on,
                ends_on,
                city,
                version,
                status,
                ..
            }
            | Event::MeetingUpdated {
                starts_on,
                ends_on,
                city,
                version,
                status,
            } => {
                UpdateDetails::Meeting(meeting_details(&status, version, starts_on, ends_on, city)?)
            }
            Event::MeetingStatusChanged {
                version, status, ..
            } => UpdateDetails::Meeting(meeting_details(&status, version, None, None, None)?),
            Event::AgendaChanged {
                change,
                agenda,
                version,
                status,
                ..
            } => {
                let mut details = meeting_details(&status, version, None, None, None)?;
                details.change = Some(change);
                details.agenda = Some(agenda);
                UpdateDetails::Meeting(details)
            }
            Event::CallOpened {
                meeting, deadline, ..
            } => UpdateDetails::Call(CallDetails {
                meeting,
                deadline,
                uncovered_positions: Vec::new(),
            }),
            Event::CallDeadlineWarning {
                meeting,
                deadline,
                uncovered,
                ..
            } => UpdateDetails::Call(CallDetails {
                meeting,
                deadline,
                uncovered_positions: uncovered.into_iter().map(|u| u.position).collect(),
            }),
            Event::ReferenceCorrected {
                change,
                table,
                key,
                fields,
            } => UpdateDetails::Reference(ReferenceDetails {
                change,
                table,
                key,
                fields,
            }),
            Event::InvitationsChanged {
                reason,
                added,
                removed,
            } => UpdateDetails::Invitation(InvitationDetails {
                reason,
                added,
                removed,
            }),
            Event::ApologiesSent { party, .. } => UpdateDetails::Invitation(InvitationDetails {
                reason: "apologies".to_owned(),
                added: vec![party],
                removed: Vec::new(),
            }),
            Event::AttendanceRecorded {
                present,
                apologies_received,
                absent,
                version,
            } => UpdateDetails::Attendance(AttendanceDetails {
                present: present as i32,
                apologies_received: apologies_received as i32,
                absent: absent as i32,
                version,
            }),
            Event::AgendaAdopted {
                agenda,
                version,
                status,
                ..
            } => {
                let mut details = meeting_details(&status, version, None, None, None)?;
                details.change = Some("adopted".to_owned());
                details.agenda = Some(agenda);
                UpdateDetails::Meeting(details)
            }
            Event::ActionPointAdded {
                action_point_id,
                text,
                owner,
                due_on,
            }
            | Event::ActionPointDue {
                action_point_id,
                text,
                owner,
                due_on,
            } => UpdateDetails::ActionPoint(ActionPointDetails {
                action_point_id: GlobalId::ActionPoint(action_point_id).encode(),
                text: Some(text),
                owner: Some(owner),
                due_on: Some(Date(due_on)),
                status: None,
                note: None,
            }),
            Event::ActionPointClosed {
                action_point_id,
                status,
                note,
                ..
            } => UpdateDetails::ActionPoint(ActionPointDetails {
                action_point_id: GlobalId::ActionPoint(action_point_id).encode(),
                text: None,
                owner: None,
                due_on: None,
                status: Some(status),
                note,
            }),
            Event::MinutesRevised {
                minutes_id,
                agenda_item_id,
                revision,
                ..
            } => UpdateDetails::Minutes(MinutesDetails {
                minutes_id: GlobalId::Minutes(minutes_id).encode(),
                agenda_item_id: Some(GlobalId::AgendaItem(agenda_item_id).encode()),
                revision: Some(revision),
            }),
            Event::MinutesCommentsClosed { minutes_id } => UpdateDetails::Minutes(MinutesDetails {
                minutes_id: GlobalId::Minutes(minutes_id).encode(),
                agenda_item_id: None,
                revision: None,
            }),
            Event::TopicDocumentAdded {
                topic_id,
                title,
                kind,
                symbol,
            } => UpdateDetails::TopicDocument(TopicDocumentDetails {
                topic_id: GlobalId::Topic(topic_id).encode(),
                title,
                kind,
                symbol,
            }),
            Event::WorkPlanChanged {
                work_plan_id,
                change,
                version,
            } => UpdateDetails::WorkPlan(WorkPlanDetails {
                work_plan_id: GlobalId::WorkPlan(work_plan_id).encode(),
                change,
                version,
            }),
        })
    }

    /// The nomination it is about, if any, as it is now (the state at the
    /// event is in `details`).
    async fn nomination(&self, ctx: &Context<'_>) -> Result<Option<Nomination>, ApiError> {
        let Some(id) = Topic::nomination_id(&self.0.topic) else {
            return Ok(None);
        };
        Ok(get::<NominationLoader, i64>(ctx)
            .load_one(id)
            .await?
            .map(Nomination))
    }

    /// The meeting it is about, if any, as it is now.
    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>, ApiError> {
        let id = Topic::meeting_id(&self.0.topic)
            .or_else(|| self.0.scope.as_deref().and_then(Topic::meeting_id));
        load_meeting(ctx, id).await
    }

    /// The mandate it is about, if any.
    async fn mandate(&self, ctx: &Context<'_>) -> Result<Option<Mandate>, ApiError> {
        let Some(id) = self.event()?.mandate_id() else {
            return Ok(None);
        };
        Ok(get::<MandateLoader, i32>(ctx)
            .load_one(id)
            .await?
            .map(Mandate::from))
    }
}

/// The event log's newest cursor, read when the request arrived.
#[derive(Clone, Copy, Debug)]
pub struct StartCursor(pub i64);

impl StartCursor {
    /// Reads the newest cursor (0 when the log is empty or cannot be read).
    pub async fn read(db: &Db) -> Self {
        match crate::events::log::latest(&db.conn).await {
            Ok(cursor) => Self(cursor),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the event log's cursor");
                Self(0)
            }
        }
    }
}

#[derive(Default)]
pub struct EventsQuery;

#[Object]
impl EventsQuery {
    /// The event log's newest cursor when this request arrived. Read it in the
    /// same request as the data you display, then subscribe with
    /// `after: latestCursor`: every update the data does not yet reflect is
    /// replayed, none is lost (some may already be reflected: compare versions).
    async fn latest_cursor(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        let cursor = match ctx.data_opt::<StartCursor>() {
            Some(start) => start.0,
            None => StartCursor::read(ctx.data_unchecked::<Db>()).await.0,
        };
        Ok(cursor.to_string())
    }
}

/// The operations (subscriptions, and queries or mutations in flight) one
/// WebSocket connection may hold at once.
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

    /// Holds one of the connection's slots until the returned `Slot` drops.
    pub fn take(&self) -> Result<Slot, ApiError> {
        if self.used.fetch_add(1, Ordering::SeqCst) >= self.max {
            self.used.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::RateLimited {
                message: format!("at most {} operations at once per connection", self.max),
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

/// A subscription's stream of updates matching `filter`, after `after`,
/// delivered as the request asks (`multiplex::Delivery`): the resolvers
/// pass it through [`deliver`] once they have filtered it.
fn open(
    ctx: &Context<'_>,
    filter: Filter,
    after: Option<i64>,
) -> impl Stream<Item = Result<Update, ApiError>> + use<> {
    let (live, replays_nothing) = multiplex::live_from(ctx.data_opt::<Delivery>());
    let after = if replays_nothing { None } else { after };
    let dispatcher = ctx.data_unchecked::<Arc<Dispatcher>>();
    let db = ctx.data_unchecked::<Db>().clone();
    stream::subscribe(dispatcher, db, filter, after, live).map(move |item| {
        match item {
            Ok(entry) => Ok(Update(entry)),
            Err(StreamError::Lagged { resume_after }) => Err({
                crate::telemetry_metrics::subscriber_dropped("lagged");
                ApiError::RateLimited {
                message: format!(
                    "this subscription fell too far behind and was closed; subscribe again with after: \"{}\"",
                    resume_after.unwrap_or(0)
                ),
                resume_after: Some(resume_after.unwrap_or(0)),
            }}),
            Err(StreamError::Internal) => Err(ApiError::Internal),
        }
    })
}

/// A resolver's filtered stream, as its delivery asks.
fn deliver<S>(
    ctx: &Context<'_>,
    field: &'static str,
    after: Option<i64>,
    stream: S,
) -> BoxStream<'static, Result<Update, ApiError>>
where
    S: Stream<Item = Result<Update, ApiError>> + Send + 'static,
{
    multiplex::deliver(
        ctx.data_opt::<Delivery>(),
        field,
        after,
        stream,
        |u: &Update| u.0.id,
    )
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
    ) -> async_graphql::Result<BoxStream<'static, Result<Update, ApiError>>> {
        let id = GlobalId::meeting(&meeting_id)?;
        let after = parse_cursor(after)?;
        let db = ctx.data_unchecked::<Db>();
        if crate::meetings::service::meeting_by_id(db, id)
            .await?
            .is_none()
        {
            return Err(ApiError::NotFound("no such meeting".to_owned()).into());
        }
        // The minutes' steps before publication are for the meeting's
        // invitees; others see only their publication.
        let who = ctx
            .data_opt::<crate::auth::Caller>()
            .and_then(crate::auth::Caller::identity)
            .filter(|w| !w.expired());
        let access = crate::minutes::read::access(&db.conn, who, id).await?;
        let stream = open(ctx, Filter::topic_or_scope(&Topic::Meeting(id)), after);
        Ok(deliver(
            ctx,
            "meetingUpdates",
            after,
            stream.filter(move |item| {
                let shown = match item {
                    Ok(update) => access.shows(&update.0),
                    Err(_) => true,
                };
                std::future::ready(shown)
            }),
        ))
    }

    /// One nomination's moves and consultation responses.
    async fn nomination_events(
        &self,
        ctx: &Context<'_>,
        nomination_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<BoxStream<'static, Result<Update, ApiError>>> {
        let id = GlobalId::nomination(&nomination_id)?;
        let after = parse_cursor(after)?;
        let db = ctx.data_unchecked::<Db>();
        if crate::workflow::store::load(&db.conn, id)
            .await
            .map_err(ApiError::from)?
            .is_none()
        {
            return Err(ApiError::NotFound("no such nomination".to_owned()).into());
        }
        let stream = open(ctx, Filter::topic(&Topic::nomination(id)), after);
        Ok(deliver(ctx, "nominationEvents", after, stream))
    }

    /// One topic's moves and documents, as they happen (with `after`, first
    /// every update since that cursor).
    async fn topic_events(
        &self,
        ctx: &Context<'_>,
        topic_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<BoxStream<'static, Result<Update, ApiError>>> {
        let id = GlobalId::topic(&topic_id)?;
        let after = parse_cursor(after)?;
        let db = ctx.data_unchecked::<Db>();
        {
            use sea_orm::EntityTrait;
            if entity::topic::Entity::find_by_id(id)
                .one(&db.conn)
                .await
                .map_err(ApiError::from)?
                .is_none()
            {
                return Err(ApiError::NotFound("no such topic".to_owned()).into());
            }
        }
        let stream = open(
            ctx,
            Filter::topic(&Topic::instance(crate::topics::NAME, id)),
            after,
        );
        Ok(deliver(ctx, "topicEvents", after, stream))
    }

    /// The committee's composition changing: mandates designated, starting and ending.
    async fn committee_updates(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<BoxStream<'static, Result<Update, ApiError>>> {
        let after = parse_cursor(after)?;
        let stream = open(ctx, Filter::topic(&Topic::Committee), after);
        Ok(deliver(ctx, "committeeUpdates", after, stream))
    }
}
