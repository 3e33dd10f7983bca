//! Subscribers that share their work. Subscriptions with the same document,
//! operation, variables (the `after` cursor aside) and caller form a
//! *cohort*: one execution of the selection per update, encoded once, whose
//! frames every member receives (Hasura's multiplexed live queries are the
//! model).
//!
//! A member joins in three steps, so that it misses nothing and sees nothing
//! twice:
//! 1. it subscribes to its cohort's frames, once the cohort has subscribed
//!    to the event log's fan-out;
//! 2. it runs its own execution up to the *seam*: the subscription's checks
//!    (a meeting that does not exist, a bad cursor) and, with `after`, the
//!    replay of every update since that cursor, which stops where live
//!    delivery would begin and says at which cursor;
//! 3. it passes on the cohort's frames after that cursor.
//!
//! The subscription resolvers take part through [`Delivery`] (in the
//! request's data) and [`deliver`]: a member's own execution stops at the
//! seam; the cohort's execution ignores `after` and notes which cursor each
//! result is for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use async_graphql::parser::types::{ExecutableDocument, Selection};
use async_graphql::{Data, Executor, Request, Response, Value};
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use tokio::sync::{broadcast, watch};

use super::CcmSchema;
use super::request::operation;
use crate::auth::{Caller, Identity};
use crate::error::ApiError;

/// What a WebSocket operation sends: a response to encode, or a payload a
/// cohort encoded once for all its members.
pub enum Out {
    Response(Box<Response>),
    Encoded(Arc<str>),
}

/// How a subscription's stream is delivered, from the request's data
/// (absent: on its own, replay then live).
#[derive(Clone)]
pub enum Delivery {
    /// A member's own execution: the checks, the replay after its cursor,
    /// then an end at the seam.
    UpToSeam(Arc<Seam>),
    /// A cohort's execution: live updates only, each result's cursor noted.
    Shared(Arc<Tap>),
}

/// Where a member's own execution stopped.
#[derive(Default)]
pub struct Seam {
    /// The last cursor replayed (-1: none).
    last: AtomicI64,
    /// The replay reached the live updates without an error.
    reached: AtomicBool,
    /// The member counted as a subscriber (the member holds the seam).
    active: Mutex<Option<Active>>,
}

/// A cohort's execution, seen from the subscription resolver.
pub struct Tap {
    /// The cursor of the update being executed (-1: an error, no update).
    cursor: AtomicI64,
    /// Told once the resolver subscribed to the fan-out.
    live: watch::Sender<Readiness>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Readiness {
    Starting,
    Live,
    Ended,
}

/// Counts a subscriber of `field` as active while it lives.
pub struct Active(&'static str);

impl Active {
    fn start(field: &'static str) -> Self {
        crate::telemetry_metrics::subscription(field, 1.0);
        Self(field)
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        crate::telemetry_metrics::subscription(self.0, -1.0);
    }
}

/// Wraps a subscription resolver's stream of `field` (after all its
/// filtering) for its delivery. `after` is the cursor the client gave.
/// A subscriber counts as active for as long as it lives: a member until it
/// leaves its cohort (the cohort's execution is not a subscriber).
pub fn deliver<S, T>(
    delivery: Option<&Delivery>,
    field: &'static str,
    after: Option<i64>,
    stream: S,
    cursor_of: fn(&T) -> i64,
) -> BoxStream<'static, Result<T, ApiError>>
where
    S: Stream<Item = Result<T, ApiError>> + Send + 'static,
    T: Send + 'static,
{
    let active = match delivery {
        Some(Delivery::Shared(_)) => None,
        Some(Delivery::UpToSeam(seam)) => {
            *seam.active.lock().unwrap_or_else(|e| e.into_inner()) = Some(Active::start(field));
            None
        }
        None => Some(Active::start(field)),
    };
    // A cohort's results are counted as its members pass them on.
    let counts = !matches!(delivery, Some(Delivery::Shared(_)));
    let counted = stream.inspect(move |item| {
        let _alive = &active;
        if counts && item.is_ok() {
            crate::telemetry_metrics::delivered();
        }
    });
    match delivery {
        None => counted.boxed(),
        Some(Delivery::UpToSeam(seam)) => {
            seam.last.store(after.unwrap_or(-1), Ordering::SeqCst);
            let (passing, end) = (seam.clone(), seam.clone());
            let errored = Arc::new(AtomicBool::new(false));
            let failed = errored.clone();
            counted
                .inspect(move |item| match item {
                    Ok(update) => passing.last.store(cursor_of(update), Ordering::SeqCst),
                    Err(_) => errored.store(true, Ordering::SeqCst),
                })
                .map(Some)
                .chain(futures_util::stream::once(async move {
                    end.reached
                        .store(!failed.load(Ordering::SeqCst), Ordering::SeqCst);
                    None
                }))
                .filter_map(std::future::ready)
                .boxed()
        }
        Some(Delivery::Shared(tap)) => {
            let _ = tap.live.send(Readiness::Live);
            let tap = tap.clone();
            counted
                .inspect(move |item| {
                    let cursor = item.as_ref().map_or(-1, cursor_of);
                    tap.cursor.store(cursor, Ordering::SeqCst);
                })
                .boxed()
        }
    }
}

/// Whether a resolver's replay should stop at the seam, and whether it
/// should ignore `after` (a cohort replays nothing).
pub fn live_from(delivery: Option<&Delivery>) -> (bool, bool) {
    match delivery {
        None => (true, false),
        Some(Delivery::UpToSeam(_)) => (false, false),
        Some(Delivery::Shared(_)) => (true, true),
    }
}

/// What makes subscribers share a cohort.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    query: String,
    operation: Option<String>,
    /// The variables, without those given to `after`, as JSON.
    variables: String,
    /// Who asks: resolvers decide what to show by it (the token's claims,
    /// its expiry included, so a cohort never outlives its members' tokens).
    caller: Option<Identity>,
}

/// One frame of a cohort: the result for the update at `cursor` (-1 for an
/// error that is not an update's), encoded once.
#[derive(Clone)]
struct Frame {
    cursor: i64,
    payload: Arc<str>,
}

struct Cohort {
    id: u64,
    /// The execution holds the only sender: when it ends, members hear so.
    frames: broadcast::WeakSender<Frame>,
    readiness: watch::Receiver<Readiness>,
    task: tokio::task::AbortHandle,
    registry: Weak<Registry>,
    key: Key,
}

impl Drop for Cohort {
    fn drop(&mut self) {
        self.task.abort();
        crate::telemetry_metrics::cohort(-1.0);
        if let Some(registry) = self.registry.upgrade() {
            let mut cohorts = registry.lock();
            if cohorts.get(&self.key).is_some_and(|(id, _)| *id == self.id) {
                cohorts.remove(&self.key);
            }
        }
    }
}

#[derive(Default)]
struct Registry {
    cohorts: Mutex<HashMap<Key, (u64, Weak<Cohort>)>>,
    next: AtomicI64,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (u64, Weak<Cohort>)>> {
        self.cohorts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The process's cohorts.
pub struct Multiplexer {
    schema: CcmSchema,
    registry: Arc<Registry>,
    /// How many frames a member may fall behind before it is cut off.
    capacity: usize,
}

impl Multiplexer {
    pub fn new(schema: CcmSchema, capacity: usize) -> Self {
        Self {
            schema,
            registry: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    /// Runs a subscription as a member of its cohort, or on its own when it
    /// cannot share (more than one root field, fragments at the root).
    pub fn subscribe(
        &self,
        request: Request,
        document: &ExecutableDocument,
        session: Arc<Data>,
    ) -> BoxStream<'static, Out> {
        let Some(key) = key(&request, document, &session) else {
            return own(&self.schema, request, session);
        };
        let (cohort, frames) = self.join(key, &request, document, &session);
        let schema = self.schema.clone();
        member(schema, request, session, cohort, frames).boxed()
    }

    fn join(
        &self,
        key: Key,
        request: &Request,
        document: &ExecutableDocument,
        session: &Arc<Data>,
    ) -> (Arc<Cohort>, broadcast::Receiver<Frame>) {
        let mut cohorts = self.registry.lock();
        if let Some(cohort) = cohorts.get(&key).and_then(|(_, weak)| weak.upgrade())
            && *cohort.readiness.borrow() != Readiness::Ended
            && let Some(sender) = cohort.frames.upgrade()
        {
            let frames = sender.subscribe();
            return (cohort, frames);
        }
        let id = self.registry.next.fetch_add(1, Ordering::SeqCst) as u64;
        let (frames, receiver) = broadcast::channel(self.capacity);
        let (live, readiness) = watch::channel(Readiness::Starting);
        let tap = Arc::new(Tap {
            cursor: AtomicI64::new(-1),
            live,
        });
        let mut shared = Request::new(request.query.clone()).variables(request.variables.clone());
        if let Some(name) = &request.operation_name {
            shared = shared.operation_name(name.clone());
        }
        shared.set_parsed_query(document.clone());
        let shared = shared.data(Delivery::Shared(tap.clone()));
        let weak = frames.downgrade();
        let task = tokio::spawn(run(
            self.schema.clone(),
            shared,
            session.clone(),
            tap,
            frames,
        ))
        .abort_handle();
        crate::telemetry_metrics::cohort(1.0);
        let cohort = Arc::new(Cohort {
            id,
            frames: weak,
            readiness,
            task,
            registry: Arc::downgrade(&self.registry),
            key: key.clone(),
        });
        cohorts.insert(key, (id, Arc::downgrade(&cohort)));
        (cohort, receiver)
    }
}

/// A subscription run on its own (it shares nothing).
fn own(schema: &CcmSchema, request: Request, session: Arc<Data>) -> BoxStream<'static, Out> {
    Executor::execute_stream(schema, request, Some(session))
        .map(|r| Out::Response(Box::new(r)))
        .boxed()
}

/// A cohort's one execution: each result encoded once and sent to every member.
async fn run(
    schema: CcmSchema,
    request: Request,
    session: Arc<Data>,
    tap: Arc<Tap>,
    frames: broadcast::Sender<Frame>,
) {
    let mut results = Executor::execute_stream(&schema, request, Some(session));
    while let Some(response) = results.next().await {
        let cursor = tap.cursor.swap(-1, Ordering::SeqCst);
        let payload = match serde_json::to_string(&response) {
            Ok(json) => Arc::<str>::from(json),
            Err(_) => continue,
        };
        // No member is listening: the cohort is about to be dropped.
        let _ = frames.send(Frame { cursor, payload });
    }
    let _ = tap.live.send(Readiness::Ended);
}

/// Where a member is.
enum Phase {
    /// Waiting for its cohort to be live, with what its own execution needs.
    Joining(Box<(Request, Arc<Data>)>),
    /// Its own execution: the checks and the replay, up to the seam.
    Own(BoxStream<'static, Response>),
    /// Its cohort's frames after the last cursor it passed on.
    Frames(i64),
    Done,
}

struct Member {
    schema: CcmSchema,
    cohort: Arc<Cohort>,
    frames: broadcast::Receiver<Frame>,
    seam: Arc<Seam>,
    phase: Phase,
}

/// One member: its own execution up to the seam, then its cohort's frames.
fn member(
    schema: CcmSchema,
    request: Request,
    session: Arc<Data>,
    cohort: Arc<Cohort>,
    frames: broadcast::Receiver<Frame>,
) -> impl Stream<Item = Out> + Send + 'static {
    let seam = Arc::new(Seam::default());
    let request = request.data(Delivery::UpToSeam(seam.clone()));
    let start = Member {
        schema,
        cohort,
        frames,
        seam,
        phase: Phase::Joining(Box::new((request, session))),
    };
    futures_util::stream::unfold(start, |mut st| async move {
        loop {
            match std::mem::replace(&mut st.phase, Phase::Done) {
                Phase::Done => return None,
                Phase::Joining(work) => {
                    // The cohort has subscribed to the fan-out (or failed)
                    // before the member's replay reads the log.
                    let mut readiness = st.cohort.readiness.clone();
                    let _ = readiness
                        .wait_for(|state| *state != Readiness::Starting)
                        .await;
                    let (request, session) = *work;
                    st.phase =
                        Phase::Own(Executor::execute_stream(&st.schema, request, Some(session)));
                }
                Phase::Own(mut own) => match own.next().await {
                    Some(response) => {
                        st.phase = Phase::Own(own);
                        return Some((Out::Response(Box::new(response)), st));
                    }
                    None if st.seam.reached.load(Ordering::SeqCst) => {
                        st.phase = Phase::Frames(st.seam.last.load(Ordering::SeqCst));
                    }
                    None => return None,
                },
                Phase::Frames(last) => match st.frames.recv().await {
                    Ok(frame) if frame.cursor >= 0 && frame.cursor <= last => {
                        st.phase = Phase::Frames(last);
                    }
                    Ok(frame) => {
                        st.phase = Phase::Frames(last.max(frame.cursor));
                        crate::telemetry_metrics::delivered();
                        return Some((Out::Encoded(frame.payload), st));
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        crate::telemetry_metrics::subscriber_dropped("lagged");
                        return Some((Out::Response(Box::new(lagged(last.max(0)))), st));
                    }
                    // The cohort's execution ended (its error frame, if any,
                    // came first).
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    })
}

/// The error a member that fell behind its cohort ends with.
fn lagged(resume_after: i64) -> Response {
    let error: async_graphql::Error = ApiError::RateLimited {
        message: format!(
            "this subscription fell too far behind and was closed; subscribe again with after: \"{resume_after}\""
        ),
        resume_after: Some(resume_after),
    }
    .into();
    Response::from_errors(vec![error.into_server_error(async_graphql::Pos::default())])
}

/// The key a subscription shares by, or `None` when it cannot share.
fn key(request: &Request, document: &ExecutableDocument, session: &Data) -> Option<Key> {
    let op = operation(document, request.operation_name.as_deref())?;
    let [root] = op.selection_set.node.items.as_slice() else {
        return None;
    };
    let Selection::Field(field) = &root.node else {
        return None;
    };
    let mut variables = request.variables.clone();
    for (name, value) in &field.node.arguments {
        // `after: $cursor`: the variable it names.
        if name.node == "after"
            && let Err(variable) = value.node.clone().into_const_with(Err::<Value, _>)
        {
            variables.remove(variable.as_str());
        }
    }
    let variables = serde_json::to_string(&variables).ok()?;
    let caller = session
        .get(&std::any::TypeId::of::<Caller>())
        .and_then(|c| c.downcast_ref::<Caller>())
        .and_then(Caller::identity)
        .cloned();
    Some(Key {
        query: request.query.clone(),
        operation: request.operation_name.clone(),
        variables,
        caller,
    })
}
