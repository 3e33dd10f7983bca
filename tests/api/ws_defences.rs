//! WebSocket sessions: refusals reach the client as the protocol's close
//! codes, a session does not outlive its token, a socket that says nothing is
//! closed, and one connection cannot pipeline without bound.

use std::time::Duration;

use ccm_committee::auth::Role;
use ccm_committee::auth::token::Keys;
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Backend, TEST_SECRET, spawn_app, spawn_app_with};
use crate::ws::{self, closed_with, open_raw};

const WAIT: Duration = Duration::from_secs(5);

async fn send(socket: &mut ws::Socket, message: serde_json::Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_arrive_as_close_codes() {
    let app = spawn_app(Backend::Sqlite).await;
    // A bad token: 4403.
    let mut socket = open_raw(&app.address, "graphql-transport-ws").await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer nope" } }),
    )
    .await;
    assert_eq!(closed_with(&mut socket, WAIT).await.0, Some(4403));
    // A subscription before connection_init: 4401.
    let mut socket = open_raw(&app.address, "graphql-transport-ws").await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { committeeUpdates { cursor } }" } })).await;
    assert_eq!(closed_with(&mut socket, WAIT).await.0, Some(4401));
    // A second connection_init: 4429.
    let mut socket = open_raw(&app.address, "graphql-transport-ws").await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(closed_with(&mut socket, WAIT).await.0, Some(4429));
    // A second operation under an id still running: 4409.
    let mut socket = open_raw(&app.address, "graphql-transport-ws").await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    for _ in 0..2 {
        send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { committeeUpdates { cursor } }" } })).await;
    }
    assert_eq!(closed_with(&mut socket, WAIT).await.0, Some(4409));
    // A message of a type the protocol does not have: 4400, with a reason a
    // control frame can carry (at most 123 bytes).
    let mut socket = open_raw(&app.address, "graphql-transport-ws").await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    send(
        &mut socket,
        json!({ "type": "no-such-type", "payload": "x".repeat(300) }),
    )
    .await;
    let mut reason_len = None;
    let code = loop {
        match tokio::time::timeout(WAIT, futures_util::StreamExt::next(&mut socket)).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => {
                reason_len = Some(frame.reason.len());
                break Some(u16::from(frame.code));
            }
            Ok(Some(Ok(_))) => continue,
            _ => break None,
        }
    };
    assert_eq!(code, Some(4400));
    assert!(reason_len.is_some_and(|n| n <= 123), "{reason_len:?}");
    // The legacy protocol hears a connection_error before the close.
    let mut socket = open_raw(&app.address, "graphql-ws").await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer nope" } }),
    )
    .await;
    let (_, texts) = closed_with(&mut socket, WAIT).await;
    assert!(
        texts.iter().any(|m| m["type"] == "connection_error"),
        "{texts:?}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_socket_is_closed_with_4408() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.live.init_timeout_secs = 1).await;
    let mut socket = open_raw(&app.address, "graphql-transport-ws").await;
    assert_eq!(closed_with(&mut socket, WAIT).await.0, Some(4408));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_does_not_outlive_its_token() {
    let app = spawn_app(Backend::Sqlite).await;
    let short = Keys::new(TEST_SECRET.as_bytes())
        .mint(
            "nor-delegate",
            Role::Delegate,
            Some("NOR"),
            None,
            chrono::Duration::seconds(2),
            chrono::Utc::now(),
        )
        .expect("mint");
    let mut client = ws::connect(&app.address, "graphql-transport-ws", Some(&short))
        .await
        .expect("accepted while the token is valid");
    tokio::time::sleep(Duration::from_secs(3)).await;
    client
        .send(json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "mutation { proposeNomination(input: { position: \"REPORTING\", state: \"NOR\", meetingId: \"x\" }) { id } }" } }))
        .await;
    let (code, texts) = closed_with(&mut client.socket, WAIT).await;
    assert!(
        code == Some(4403)
            || texts
                .iter()
                .any(|m| m["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"),
        "{code:?} {texts:?}"
    );
    let total = app.query("{ nominations { totalCount } }", json!({})).await;
    assert_eq!(
        total["nominations"]["totalCount"], 0,
        "nothing was proposed"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_going_away_says_1001() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    client
        .subscribe(
            "1",
            "subscription { committeeUpdates { cursor } }",
            json!({}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.state.begin_shutdown();
    assert_eq!(closed_with(&mut client.socket, WAIT).await.0, Some(1001));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_socket_cannot_pipeline_without_bound() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.live.max_subscriptions = 5).await;
    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    for i in 0..5 {
        client
            .subscribe(
                &format!("s{i}"),
                "subscription { committeeUpdates { cursor } }",
                json!({}),
            )
            .await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    client
        .send(json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ positions { code } }" } }))
        .await;
    let errors = client.next_errors(WAIT).await.expect("refused");
    assert_eq!(errors[0]["extensions"]["code"], "RATE_LIMITED", "{errors}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_larger_than_the_body_limit_is_refused() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.body_limit = 64 * 1024).await;
    let mut client = ws::connect(&app.address, "graphql-transport-ws", None)
        .await
        .expect("connect");
    let huge = "x".repeat(200 * 1024);
    let _ = client
        .socket
        .send(Message::Text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": huge } })
                .to_string()
                .into(),
        ))
        .await;
    let (code, texts) = closed_with(&mut client.socket, WAIT).await;
    assert!(texts.is_empty(), "the message was not parsed: {texts:?}");
    assert!(
        code.is_some_and(|c| c != 1000),
        "closed as an error: {code:?}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_capped_and_idle_ones_let_go() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.max_http_connections = 10;
        c.idle_timeout_secs = 1;
    })
    .await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(
            tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect"),
        );
    }
    // Half a request's headers, never finished.
    held[0]
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Over the cap: told so at once, not left hanging.
    let mut over = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let mut answer = String::new();
    tokio::time::timeout(WAIT, over.read_to_string(&mut answer))
        .await
        .expect("answered")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    // The idle ones, the half-sent one among them, are let go...
    for stream in &mut held {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(WAIT, stream.read(&mut buf))
            .await
            .expect("closed within the idle timeout");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    }
    // ...and the server answers again.
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    app.stop().await;
}

/// A client that trickles its headers, a byte at a time just inside the
/// idle timeout, is let go once the headers have taken too long in all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_trickled_byte_by_byte_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.idle_timeout_secs = 5;
        c.header_timeout_secs = 2;
    })
    .await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let started = std::time::Instant::now();
    let headers = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut cut = false;
    for byte in headers {
        if stream.write_all(&[*byte]).await.is_err() {
            cut = true;
            break;
        }
        // Well inside the idle timeout: only a bound on the whole headers stops it.
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Anything from the server (a refusal, the end of the stream) is the cut.
        let mut buf = [0u8; 256];
        let heard = tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buf)).await;
        if heard.is_ok() {
            cut = true;
            break;
        }
    }
    assert!(cut, "the trickled headers were never cut off");
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(5),
        "cut off by the header bound, not the idle timeout: {waited:?}"
    );
    app.stop().await;
}
