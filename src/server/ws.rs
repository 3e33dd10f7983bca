//! `GET /graphql/ws`: subscriptions over graphql-transport-ws and the legacy
//! graphql-ws protocol. The token travels in `connection_init`'s payload
//! (`{"Authorization": "Bearer ..."}`).
//!
//! The server speaks both protocols itself (async-graphql parses the
//! client's messages and executes the operations), so that subscribers can
//! share one execution and one encoded payload per update (`multiplex`).
//! Each connection is one task, which:
//! - sends every refusal as the protocol's close code, and flushes it before
//!   the socket closes: a bad token 4403, a subscription before
//!   `connection_init` 4401, no `connection_init` in time 4408, a second one
//!   4429, an id already in use 4409, a message that is not the protocol's
//!   4400, a token that expires during the session 4403, the server shutting
//!   down 1001 (the legacy protocol gets a `connection_error` message);
//! - caps messages at the HTTP body limit;
//! - sends keep-alive pings and cuts off a client that stops reading (a
//!   write that takes too long), so a dead client never holds memory or
//!   slows anyone else.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, ClientMessage, WebSocketProtocols};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Data, Executor};
use async_graphql_axum::GraphQLProtocol;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{AbortHandle, BoxStream, SelectAll};
use futures_util::{SinkExt, StreamExt};

use super::AppState;
use super::authenticate::caller_from_authorization;
use super::multiplex::Out;
use super::request::{operation, prepare, to_the_end};
use super::subscriptions::Slots;
use crate::auth::Caller;
use crate::graphql::batch::Scope;
use crate::graphql::idempotency::{Pending, finish};
use crate::graphql::limits::admit;

/// The reason the close frame carries when `connection_init`'s token is refused.
const REFUSED_TOKEN: &str = "Forbidden: the token is invalid or expired";

const READ_BUFFER: usize = 4 * 1024;
const WRITE_BUFFER: usize = 16 * 1024;
const MAX_QUEUED: usize = 4 * 1024 * 1024;

pub async fn handler(
    State(app): State<AppState>,
    // Refuses (400) a client that names neither protocol.
    _protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // A page of an unlisted origin may not open a session with the
    // browser's credentials (cross-site WebSocket hijacking).
    if !app.origins.admits_upgrade(
        headers.get(axum::http::header::ORIGIN),
        headers.get(axum::http::header::HOST),
    ) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "this origin may not open a WebSocket here",
        )
            .into_response();
    }
    let limit = app.config.body_limit;
    let legacy = speaks_legacy(&headers);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(limit)
        .max_frame_size(limit)
        // Clients send small protocol messages: a small read buffer (not the
        // 128 KiB default, zero-filled before every read) keeps each idle
        // subscriber cheap; a client that stops reading cannot queue more
        // than a few MiB before its writes fail and it is cut off.
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_QUEUED)
        .on_upgrade(move |socket| serve(app, socket, legacy))
}

/// Whether the first protocol the client names that the server speaks is
/// the legacy one (`graphql-ws`).
fn speaks_legacy(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        })
        == Some(WebSocketProtocols::SubscriptionsTransportWS)
}

/// The token in a `connection_init` payload, under `Authorization`,
/// `authorization` or `token`.
fn authorization(payload: &serde_json::Value) -> Option<String> {
    let value = ["Authorization", "authorization", "token"]
        .iter()
        .find_map(|key| payload.get(*key).and_then(|v| v.as_str()))?;
    Some(
        if value.starts_with("Bearer ") || value.starts_with("bearer ") {
            value.to_owned()
        } else {
            format!("Bearer {value}")
        },
    )
}

/// At most 123 bytes of `reason`, cut at a character boundary.
fn short(reason: &str) -> &str {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// Our own refusal, in the connection's protocol.
fn refusal(legacy: bool, code: u16, reason: &str) -> Vec<Message> {
    let close = Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }));
    if legacy {
        let error =
            serde_json::json!({ "type": "connection_error", "payload": { "message": reason } });
        vec![Message::Text(error.to_string().into()), close]
    } else {
        vec![close]
    }
}

/// What one connection runs its operations through: it admits each one as
/// the HTTP handler does, counts it against the connection's slots while it
/// runs or streams (so one socket cannot pipeline without bound), keeps or
/// replays idempotent answers, and lets subscriptions share their work
/// (`multiplex`).
struct Gate {
    app: AppState,
    slots: Slots,
}

fn refused_once(error: async_graphql::ServerError) -> BoxStream<'static, Out> {
    futures_util::stream::once(async move {
        Out::Response(Box::new(async_graphql::Response::from_errors(vec![error])))
    })
    .boxed()
}

impl Gate {
    fn run(
        &self,
        mut request: async_graphql::Request,
        session: Arc<Data>,
    ) -> BoxStream<'static, Out> {
        let document = match admit(&request, self.app.limits, &self.app.documents) {
            Ok(document) => document,
            Err(refused) => return refused_once(refused),
        };
        let slot = match self.slots.take() {
            Ok(slot) => slot,
            Err(limited) => {
                return refused_once(
                    async_graphql::Error::from(limited)
                        .into_server_error(async_graphql::Pos::default()),
                );
            }
        };
        let kind = document
            .as_ref()
            .and_then(|d| operation(d, request.operation_name.as_deref()))
            .map(|op| op.ty);
        if let Some(document) = &document {
            // Parsed once: the schema executes the document the limits read.
            request.set_parsed_query(ExecutableDocument::clone(document));
        }
        let outs = match (kind, document) {
            (Some(OperationType::Subscription), Some(document)) => {
                self.app.multiplexer.subscribe(request, &document, session)
            }
            (kind, _) => {
                let pending = Arc::new(Pending::default());
                let request = request.data(pending.clone());
                let schema = self.app.schema.clone();
                let responses = if kind == Some(OperationType::Mutation) {
                    // A mutation runs to its end even if the socket closes under it.
                    futures_util::stream::once(async move {
                        let execution = async move {
                            Executor::execute_stream(&schema, request, Some(session))
                                .next()
                                .await
                        };
                        to_the_end(execution).await.flatten().unwrap_or_else(|| {
                            async_graphql::Response::from_errors(vec![
                                async_graphql::ServerError::new(
                                    "the server is shutting down",
                                    None,
                                ),
                            ])
                        })
                    })
                    .boxed()
                } else {
                    Executor::execute_stream(&schema, request, Some(session))
                };
                let db = self.app.db.clone();
                responses
                    .then(move |mut response| {
                        let (pending, db) = (pending.clone(), db.clone());
                        async move {
                            finish(&pending, &mut response, &db).await;
                            Out::Response(Box::new(response))
                        }
                    })
                    .boxed()
            }
        };
        outs.map(move |out| {
            // The slot is held for as long as the operation streams.
            let _held = &slot;
            out
        })
        .boxed()
    }
}

/// One operation's outputs, tagged with its id; `None` when it ended.
type Tagged = BoxStream<'static, (Arc<str>, Option<Out>)>;

/// What the connection does next: messages to send, then perhaps close.
#[derive(Default)]
struct Step {
    send: Vec<Message>,
    close: bool,
}

impl Step {
    fn send(message: Message) -> Self {
        Self {
            send: vec![message],
            close: false,
        }
    }

    fn close(send: Vec<Message>) -> Self {
        Self { send, close: true }
    }

    fn text(text: String) -> Self {
        Self::send(Message::Text(text.into()))
    }
}

/// One connection's protocol state.
struct Connection {
    app: AppState,
    legacy: bool,
    gate: Gate,
    /// The data every operation runs with, once `connection_init` is accepted.
    session: Option<Arc<Data>>,
    /// When the caller's token expires, by the system clock.
    expires_at: Option<i64>,
    running: HashMap<Arc<str>, AbortHandle>,
    operations: SelectAll<Tagged>,
}

/// A plain close frame.
fn close_with(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: short(reason).into(),
    }))
}

impl Connection {
    fn receive(&mut self, message: Option<Result<Message, axum::Error>>) -> Step {
        let bytes = match message {
            Some(Ok(Message::Text(text))) => text.as_bytes().to_vec(),
            Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Step::default(),
            Some(Ok(Message::Close(_))) | None => return Step::close(Vec::new()),
            // A frame over the size limit, or a broken one: say so before closing.
            Some(Err(_)) => {
                return Step::close(vec![close_with(
                    1009,
                    "a message is larger than the server accepts",
                )]);
            }
        };
        let message = match serde_json::from_slice::<ClientMessage>(&bytes) {
            Ok(message) => message,
            Err(_) => return Step::close(vec![close_with(4400, "Invalid message received")]),
        };
        match message {
            ClientMessage::ConnectionInit { payload } => self.initialise(payload),
            ClientMessage::Start { id, payload } => self.start(id, payload),
            ClientMessage::Stop { id } => match self.running.remove(id.as_str()) {
                Some(handle) => {
                    handle.abort();
                    Step::text(complete(&id))
                }
                None => Step::default(),
            },
            ClientMessage::ConnectionTerminate => Step::close(Vec::new()),
            ClientMessage::Ping { .. } => Step::text(r#"{"type":"pong"}"#.to_owned()),
            ClientMessage::Pong { .. } => Step::default(),
        }
    }

    fn initialise(&mut self, payload: Option<serde_json::Value>) -> Step {
        if self.session.is_some() {
            return Step::close(refusal(
                self.legacy,
                4429,
                "Too many initialisation requests.",
            ));
        }
        let payload = payload.unwrap_or_default();
        let Ok(caller) =
            caller_from_authorization(&self.app.keys, authorization(&payload).as_deref())
        else {
            return Step::close(refusal(self.legacy, 4403, REFUSED_TOKEN));
        };
        if let Caller::Known(identity) = &caller {
            self.expires_at = Some(identity.expires_at);
        }
        let request = prepare(
            &self.app,
            async_graphql::Request::new(""),
            caller,
            &Scope::timed(),
        );
        self.session = Some(Arc::new(request.data));
        Step::text(r#"{"type":"connection_ack"}"#.to_owned())
    }

    fn start(&mut self, id: String, request: async_graphql::Request) -> Step {
        let Some(session) = self.session.clone() else {
            return Step::close(vec![close_with(4401, "Unauthorized")]);
        };
        let id: Arc<str> = id.into();
        if self.running.contains_key(&id) {
            return Step::close(vec![close_with(
                4409,
                &format!("Subscriber for {id} already exists"),
            )]);
        }
        let tag = id.clone();
        let end = id.clone();
        let outputs = self
            .gate
            .run(request, session)
            .map(move |out| (tag.clone(), Some(out)))
            .chain(futures_util::stream::once(async move { (end, None) }));
        let (outputs, handle) = futures_util::stream::abortable(outputs);
        self.running.insert(id, handle);
        self.operations.push(outputs.boxed());
        Step::default()
    }

    /// An operation's output or end, as the protocol frames it.
    fn frame(&mut self, id: Arc<str>, out: Option<Out>) -> Step {
        let payload = match out {
            None => {
                return match self.running.remove(&id) {
                    Some(_) => Step::text(complete(&id)),
                    None => Step::default(),
                };
            }
            Some(Out::Encoded(payload)) => payload,
            Some(Out::Response(response)) => match serde_json::to_string(&response) {
                Ok(json) => json.into(),
                Err(_) => return Step::default(),
            },
        };
        let kind = if self.legacy { "data" } else { "next" };
        let id = serde_json::to_string(&*id).unwrap_or_default();
        let mut text = String::with_capacity(payload.len() + id.len() + 32);
        text.push_str(r#"{"type":""#);
        text.push_str(kind);
        text.push_str(r#"","id":"#);
        text.push_str(&id);
        text.push_str(r#","payload":"#);
        text.push_str(&payload);
        text.push('}');
        Step::text(text)
    }
}

fn complete(id: &str) -> String {
    serde_json::json!({ "type": "complete", "id": id }).to_string()
}

/// When a token that expires at `epoch_secs` runs out, as a timer instant.
fn instant_of(epoch_secs: i64) -> tokio::time::Instant {
    let left = epoch_secs.saturating_sub(chrono::Utc::now().timestamp());
    tokio::time::Instant::now() + Duration::from_secs(u64::try_from(left).unwrap_or(0))
}

/// One connection, on one task: the client's messages, the operations'
/// outputs, keep-alive pings, and the deadlines (`connection_init` in time,
/// the token's expiry, the server shutting down), one at a time. A client
/// that stops reading is cut off when a write takes too long, so a dead
/// client never holds memory or slows anyone else.
async fn serve(app: AppState, socket: WebSocket, legacy: bool) {
    crate::telemetry_metrics::websocket(1.0);
    let (mut sink, mut incoming) = socket.split();
    let ping_every = Duration::from_secs(app.config.live.ping_secs.max(1));
    let write_timeout = Duration::from_secs(app.config.live.write_timeout_secs.max(1));
    let init_by =
        tokio::time::Instant::now() + Duration::from_secs(app.config.live.init_timeout_secs.max(1));
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    let mut shutdown = app.shutdown_signal();
    let mut connection = Connection {
        gate: Gate {
            app: app.clone(),
            slots: Slots::new(app.config.live.max_subscriptions),
        },
        app,
        legacy,
        session: None,
        expires_at: None,
        running: HashMap::new(),
        operations: SelectAll::new(),
    };
    loop {
        let expiry = connection.expires_at.map(instant_of);
        // In this order, so that a frame to pass on (the common wake-up of a
        // subscriber's connection) polls nothing else; the client's messages
        // wait at most until the operations have nothing ready.
        let step = tokio::select! {
            biased;
            Some((id, out)) = connection.operations.next(), if !connection.operations.is_empty() => {
                connection.frame(id, out)
            }
            message = incoming.next() => connection.receive(message),
            _ = ping.tick() => Step::send(Message::Ping(Vec::new().into())),
            () = tokio::time::sleep_until(init_by), if connection.session.is_none() => {
                Step::close(refusal(legacy, 4408, "Connection initialisation timeout"))
            }
            () = tokio::time::sleep_until(expiry.unwrap_or(init_by)), if expiry.is_some() => {
                Step::close(refusal(legacy, 4403, "Forbidden: the token has expired"))
            }
            _ = shutdown.wait_for(|down| *down) => {
                Step::close(refusal(legacy, 1001, "the server is going away"))
            }
        };
        for message in step.send {
            match tokio::time::timeout(write_timeout, sink.send(message)).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => {
                    crate::telemetry_metrics::websocket(-1.0);
                    return;
                }
                Err(_) => {
                    crate::telemetry_metrics::subscriber_dropped("stopped_reading");
                    tracing::info!("a WebSocket client stopped reading; closing its connection");
                    crate::telemetry_metrics::websocket(-1.0);
                    return;
                }
            }
        }
        if step.close {
            break;
        }
    }
    // Let the close frame reach the client, then let the socket go.
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
    crate::telemetry_metrics::websocket(-1.0);
}
