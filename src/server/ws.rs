//! `GET /graphql/ws`: subscriptions over graphql-transport-ws and the legacy
//! graphql-ws protocol. The token travels in `connection_init`'s payload
//! (`{"Authorization": "Bearer ..."}`).
//!
//! async-graphql speaks the protocol; around it, this module:
//! - sends every refusal as the protocol's close code, and flushes it before
//!   the socket closes: a bad token 4403, a subscription before
//!   `connection_init` 4401, no `connection_init` in time 4408, a second one
//!   4429, a token that expires during the session 4403, the server shutting
//!   down 1001 (the legacy protocol gets a `connection_error` message);
//! - caps messages at the HTTP body limit;
//! - runs a writer task that sends keep-alive pings and cuts off a client
//!   that stops reading (a write that takes too long), so a dead client never
//!   holds memory or slows anyone else.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{Data, Executor};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::response::{IntoResponse, Response};
use futures_util::stream::BoxStream;
use futures_util::{SinkExt, StreamExt};

use super::authenticate::caller_from_authorization;
use super::request::{is_mutation, prepare, to_the_end};
use super::subscriptions::Slots;
use super::{AppState, CcmSchema};
use crate::auth::Caller;
use crate::db::Db;
use crate::graphql::batch::Scope;
use crate::graphql::idempotency::{Pending, finish};
use crate::graphql::limits::{QueryLimits, admit};

/// The reason async-graphql's close frame carries when `connection_init`'s
/// token is refused (it closes with 1002; the protocol says 4403).
const REFUSED_TOKEN: &str = "Forbidden: the token is invalid or expired";

const READ_BUFFER: usize = 4 * 1024;
const WRITE_BUFFER: usize = 16 * 1024;
const MAX_QUEUED: usize = 4 * 1024 * 1024;

pub async fn handler(
    State(app): State<AppState>,
    protocol: GraphQLProtocol,
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
        .on_upgrade(move |socket| serve(app, socket, protocol, legacy))
}

/// Whether the client asked for the legacy protocol (`graphql-ws`) first.
fn speaks_legacy(headers: &HeaderMap) -> bool {
    headers
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.split(',')
                .map(str::trim)
                .find(|p| *p == "graphql-ws" || *p == "graphql-transport-ws")
        })
        == Some("graphql-ws")
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

/// What the connection's tasks share.
#[derive(Default)]
struct Session {
    /// `connection_init` arrived.
    initialised: AtomicBool,
    /// When the caller's token expires (0: anonymous).
    expires_at: AtomicI64,
}

/// A close frame with the protocol's code for what async-graphql refused: a
/// refused token 4403, a message that is not one of the protocol's 4400
/// (async-graphql sends 1002 with the parser's error text), work before
/// `connection_init` 4401. Reasons are kept within the 123 bytes a control
/// frame leaves them (RFC 6455, 5.5).
fn with_protocol_code(frame: CloseFrame) -> CloseFrame {
    let (code, reason) = match (frame.code, frame.reason.as_str()) {
        (1002, REFUSED_TOKEN) => (4403, frame.reason),
        (1002, _) => (4400, "Invalid message received".into()),
        (1011, _) => (4401, frame.reason),
        (code, _) => (code, frame.reason),
    };
    CloseFrame {
        code,
        reason: short(reason.as_str()).into(),
    }
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

/// The executor behind one connection: it admits each operation as the HTTP
/// handler does, counts it against the connection's slots while it runs or
/// streams (so one socket cannot pipeline without bound), and keeps or
/// replays idempotent answers.
#[derive(Clone)]
struct Gate {
    schema: CcmSchema,
    limits: QueryLimits,
    slots: Slots,
    db: Db,
}

fn refused_once(error: async_graphql::ServerError) -> BoxStream<'static, async_graphql::Response> {
    futures_util::stream::once(async move { async_graphql::Response::from_errors(vec![error]) })
        .boxed()
}

impl Executor for Gate {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        self.execute_stream(request, None)
            .next()
            .await
            .unwrap_or_else(|| {
                async_graphql::Response::from_errors(vec![async_graphql::ServerError::new(
                    "no response",
                    None,
                )])
            })
    }

    fn execute_stream(
        &self,
        mut request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let document = match admit(&request, self.limits) {
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
        let pending = Arc::new(Pending::default());
        let mutation = is_mutation(document.as_ref(), request.operation_name.as_deref());
        if let Some(document) = &document {
            // Parsed once: the schema executes the document the limits read.
            request.set_parsed_query(document.clone());
        }
        let request = request.data(pending.clone());
        let db = self.db.clone();
        let responses = if mutation {
            // A mutation runs to its end even if the socket closes under it.
            let schema = self.schema.clone();
            futures_util::stream::once(async move {
                let execution = async move {
                    Executor::execute_stream(&schema, request, session_data)
                        .next()
                        .await
                };
                to_the_end(execution).await.flatten().unwrap_or_else(|| {
                    async_graphql::Response::from_errors(vec![async_graphql::ServerError::new(
                        "the server is shutting down",
                        None,
                    )])
                })
            })
            .boxed()
        } else {
            Executor::execute_stream(&self.schema, request, session_data)
        };
        responses
            .then(move |mut response| {
                let (pending, db) = (pending.clone(), db.clone());
                async move {
                    finish(&pending, &mut response, &db).await;
                    response
                }
            })
            .map(move |response| {
                // The slot is held for as long as the operation streams.
                let _held = &slot;
                response
            })
            .boxed()
    }
}

async fn serve(app: AppState, socket: WebSocket, protocol: GraphQLProtocol, legacy: bool) {
    crate::telemetry_metrics::websocket(1.0);
    let (mut sink, stream) = socket.split();
    let (tx, mut rx) = futures_channel::mpsc::channel::<Message>(64);
    let ping_every = Duration::from_secs(app.config.live.ping_secs.max(1));
    let write_timeout = Duration::from_secs(app.config.live.write_timeout_secs.max(1));
    // Set when the connection is over: the reading side stops, and the
    // socket closes once both halves are dropped.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    let writer_done = stop.clone();
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval(ping_every);
        ping.tick().await;
        loop {
            let message = tokio::select! {
                next = rx.next() => match next {
                    Some(Message::Close(Some(frame))) => Message::Close(Some(with_protocol_code(frame))),
                    Some(message) => message,
                    None => break,
                },
                _ = ping.tick() => Message::Ping(Vec::new().into()),
            };
            let closing = matches!(message, Message::Close(_));
            match tokio::time::timeout(write_timeout, sink.send(message)).await {
                Ok(Ok(())) if !closing => {}
                Ok(Ok(())) | Ok(Err(_)) => break,
                Err(_) => {
                    crate::telemetry_metrics::subscriber_dropped("stopped_reading");
                    tracing::info!("a WebSocket client stopped reading; closing its connection");
                    // Nothing more can reach it: close now rather than keep
                    // its socket and queued bytes until it goes away.
                    let _ = writer_done.send(true);
                    return;
                }
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
        let _ = writer_done.send(true);
    });

    let session = Arc::new(Session::default());
    let mut stopped_reading = stopped.clone();
    let seen = session.clone();
    let mut broken = tx.clone();
    let incoming = stream
        .inspect(move |message| match message {
            Ok(Message::Text(text))
                if serde_json::from_str::<serde_json::Value>(text)
                    .is_ok_and(|m| m["type"] == "connection_init") =>
            {
                seen.initialised.store(true, Ordering::SeqCst);
            }
            Ok(_) => {}
            // A frame over the size limit, or a broken one: say so before closing.
            Err(_) => {
                let close = Message::Close(Some(CloseFrame {
                    code: 1009,
                    reason: "a message is larger than the server accepts".into(),
                }));
                let _ = broken.try_send(close);
            }
        })
        .take_until(async move {
            let _ = stopped_reading.wait_for(|stop| *stop).await;
        });

    // Closes the connection when it is not initialised in time, when the
    // caller's token expires, or when the server shuts down.
    let mut control = tx.clone();
    let watched = session.clone();
    let init_timeout = Duration::from_secs(app.config.live.init_timeout_secs.max(1));
    let mut shutdown = app.shutdown_signal();
    let watchdog = tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        let (code, reason) = loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = shutdown.wait_for(|down| *down) => break (1001, "the server is going away"),
            }
            if !watched.initialised.load(Ordering::SeqCst) && started.elapsed() >= init_timeout {
                break (4408, "Connection initialisation timeout");
            }
            let expires_at = watched.expires_at.load(Ordering::SeqCst);
            if expires_at > 0 && chrono::Utc::now().timestamp() >= expires_at {
                break (4403, "Forbidden: the token has expired");
            }
        };
        for message in refusal(legacy, code, reason) {
            let _ = control.send(message).await;
        }
        let _ = stop.send(true);
    });

    let keys = app.keys.clone();
    let state = app.clone();
    let authenticated = session.clone();
    let gate = Gate {
        schema: app.schema.clone(),
        limits: app.limits,
        slots: Slots::new(app.config.live.max_subscriptions),
        db: app.db.clone(),
    };
    GraphQLWebSocket::new_with_pair(tx, incoming, gate, protocol)
        .on_connection_init(move |payload| async move {
            let caller = caller_from_authorization(&keys, authorization(&payload).as_deref())
                .map_err(|_| async_graphql::Error::new(REFUSED_TOKEN))?;
            if let Caller::Known(identity) = &caller {
                authenticated
                    .expires_at
                    .store(identity.expires_at, Ordering::SeqCst);
            }
            let request = prepare(
                &state,
                async_graphql::Request::new(""),
                caller,
                &Scope::timed(),
            );
            let data: Data = request.data;
            Ok(data)
        })
        .serve()
        .await;
    watchdog.abort();
    // Let the writer flush what is queued (a close frame above all), then stop.
    let mut writer = writer;
    if tokio::time::timeout(Duration::from_secs(2), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
    crate::telemetry_metrics::websocket(-1.0);
}
