//! `GET /graphql/ws`: subscriptions over graphql-transport-ws and the legacy
//! graphql-ws protocol. The token travels in `connection_init`'s payload
//! (`{"Authorization": "Bearer ..."}`); a bad one refuses the connection.
//! A writer task sends keep-alive pings and cuts off a client that stops
//! reading (a write that takes too long), so a dead client never holds memory
//! or slows anyone else.

use std::time::Duration;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};

use super::graphql::Slots;
use crate::auth::middleware::caller_from_authorization;
use crate::graphql::batch::Scope;
use crate::graphql::loaders;
use crate::state::AppState;

pub async fn handler(
    State(app): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(app, socket, protocol))
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

async fn serve(app: AppState, socket: WebSocket, protocol: GraphQLProtocol) {
    let (mut sink, stream) = socket.split();
    let (tx, mut rx) = futures_channel::mpsc::channel::<Message>(64);
    let ping_every = Duration::from_secs(app.config.live.ping_secs.max(1));
    let write_timeout = Duration::from_secs(app.config.live.write_timeout_secs.max(1));
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval(ping_every);
        ping.tick().await;
        loop {
            let message = tokio::select! {
                next = rx.next() => match next {
                    Some(message) => message,
                    None => break,
                },
                _ = ping.tick() => Message::Ping(Vec::new().into()),
            };
            match tokio::time::timeout(write_timeout, sink.send(message)).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => break,
                Err(_) => {
                    tracing::info!("a WebSocket client stopped reading; closing its connection");
                    break;
                }
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
    });

    let keys = app.keys.clone();
    let state = app.clone();
    GraphQLWebSocket::new_with_pair(tx, stream, app.schema.clone(), protocol)
        .on_connection_init(move |payload| async move {
            let caller = caller_from_authorization(&keys, authorization(&payload).as_deref())
                .map_err(async_graphql::Error::new)?;
            let scope = Scope::timed();
            let request = async_graphql::Request::new("")
                .data(state.db.clone())
                .data(state.clock.clone())
                .data(state.config.policy)
                .data(state.dispatcher.clone())
                .data(Slots::new(state.config.live.max_subscriptions))
                .data(caller);
            let request = loaders::register(request, &scope, &state.db);
            let data: Data = request.data;
            Ok(data)
        })
        .serve()
        .await;
    writer.abort();
}
