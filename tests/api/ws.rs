//! A small GraphQL-over-WebSocket client for the tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Client {
    pub socket: Socket,
    pub legacy: bool,
}

/// Connects to `/graphql/ws` of `base` (http://host:port) with the given protocol and token.
pub async fn connect(base: &str, protocol: &str, token: Option<&str>) -> Result<Client, String> {
    connect_with(base, protocol, token, None).await
}

/// Like [`connect`], with a receive buffer of `recv_buffer` bytes (a slow reader).
pub async fn connect_with(
    base: &str,
    protocol: &str,
    token: Option<&str>,
    recv_buffer: Option<u32>,
) -> Result<Client, String> {
    let url = format!("{}/graphql/ws", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", protocol.parse().expect("header"));
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().expect("address");
    let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
    if let Some(size) = recv_buffer {
        tcp.set_recv_buffer_size(size).expect("buffer size");
    }
    let stream = tcp.connect(addr).await.map_err(|e| e.to_string())?;
    let (socket, _) =
        tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .map_err(|e| e.to_string())?;
    let mut client = Client {
        socket,
        legacy: protocol == "graphql-ws",
    };
    let payload = token.map_or(
        json!({}),
        |t| json!({ "Authorization": format!("Bearer {t}") }),
    );
    client
        .send(json!({ "type": "connection_init", "payload": payload }))
        .await;
    loop {
        match client.receive(Duration::from_secs(5)).await {
            Some(m) if m["type"] == "connection_ack" => return Ok(client),
            Some(m) if m["type"] == "ka" => continue,
            Some(m) => return Err(m.to_string()),
            None => return Err("closed".to_owned()),
        }
    }
}

impl Client {
    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    /// The next protocol message, skipping pings; None when closed or silent for `wait`.
    pub async fn receive(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    let message: Value = serde_json::from_str(&text).expect("json");
                    if message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(message);
                }
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(_))) => continue,
                Err(_) => return None,
            }
        }
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.legacy { "start" } else { "subscribe" };
        self.send(json!({ "id": id, "type": kind, "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The errors of the next failed subscription (an `error` message, or a
    /// `next` carrying errors), skipping `complete`s.
    pub async fn next_errors(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let message = self.receive(wait).await?;
            match message["type"].as_str() {
                Some("error") => return Some(message["payload"].clone()),
                Some("next") | Some("data") if message["payload"]["errors"].is_array() => {
                    return Some(message["payload"]["errors"].clone());
                }
                _ => continue,
            }
        }
    }

    /// The payload of the next result (`next`, or `data` on the legacy protocol).
    pub async fn next_result(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let message = self.receive(wait).await?;
            match message["type"].as_str() {
                Some("next") | Some("data") => return Some(message["payload"].clone()),
                Some("ka") | Some("pong") => continue,
                _ => return Some(json!({ "protocol": message })),
            }
        }
    }
}

/// A connection that has sent nothing yet.
pub async fn open_raw(base: &str, protocol: &str) -> Socket {
    let url = format!("{}/graphql/ws", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", protocol.parse().expect("header"));
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connect")
        .0
}

/// How the server ended the connection: `Some(code)` for a close frame (after
/// any text messages, which are collected), `None` for a bare TCP close or silence.
pub async fn closed_with(socket: &mut Socket, wait: Duration) -> (Option<u16>, Vec<Value>) {
    let mut texts = Vec::new();
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => {
                return (Some(u16::from(frame.code)), texts);
            }
            Ok(Some(Ok(Message::Text(text)))) => {
                texts.push(serde_json::from_str(&text).unwrap_or(Value::Null));
            }
            Ok(Some(Ok(_))) => continue,
            _ => return (None, texts),
        }
    }
}
