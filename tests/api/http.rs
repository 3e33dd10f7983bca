//! GraphQL over HTTP and the first defences.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

const GQL_RESPONSE: &str = "application/graphql-response+json";

async fn post_raw(
    app: &crate::helpers::TestApp,
    content_type: Option<&str>,
    accept: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, String, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, accept)
        .body(body);
    if let Some(ct) = content_type {
        request = request.header(CONTENT_TYPE, ct);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let ct = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.expect("body");
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

async fn refuses_what_it_must(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = json!({ "query": "{ positions { code } }" }).to_string();

    // A body past 1 MiB.
    let padding = " ".repeat(1024 * 1024 + 10);
    let big = format!(r#"{{"query": "{{ positions {{ code }} }}{padding}"}}"#);
    let (status, _, body) = post_raw(&app, Some("application/json"), GQL_RESPONSE, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&body), "BAD_USER_INPUT");

    // Malformed JSON.
    let (status, ct, body) =
        post_raw(&app, Some("application/json"), GQL_RESPONSE, "{\"query\": ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(ct.starts_with(GQL_RESPONSE));
    assert_eq!(code(&body), "BAD_USER_INPUT");

    // No content type, and a wrong one.
    let (status, _, _) = post_raw(&app, None, GQL_RESPONSE, query.clone()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _) = post_raw(&app, Some("text/plain"), GQL_RESPONSE, query.clone()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _) = post_raw(
        &app,
        Some("application/json; charset=latin1"),
        GQL_RESPONSE,
        query.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Nothing acceptable.
    let (status, _, _) = post_raw(&app, Some("application/json"), "text/csv", query.clone()).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);

    // Parameters of the wrong type.
    for body in [
        json!({}),
        json!({ "query": 1 }),
        json!({ "query": "{ positions { code } }", "variables": [] }),
    ] {
        let (status, _, b) = post_raw(
            &app,
            Some("application/json"),
            GQL_RESPONSE,
            body.to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(&b), "BAD_USER_INPUT");
    }

    // A mutation over GET: a cross-site link must never change anything.
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { anything }")])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    app.stop().await;
}

async fn answers_in_the_negotiated_type(backend: Backend) {
    let app = spawn_app(backend).await;
    let good = json!({ "query": "{ positions { code } }" }).to_string();
    let bad = json!({ "query": "{ positions { code " }).to_string();
    let invalid = json!({ "query": "{ positions { nope } }" }).to_string();

    let (status, ct, body) = post_raw(
        &app,
        Some("application/json"),
        "application/json",
        good.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("application/json"), "{ct}");
    assert_eq!(body["data"]["positions"][0]["code"], "PRESIDENT");

    let (status, ct, body) = post_raw(&app, Some("application/json"), GQL_RESPONSE, good).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with(GQL_RESPONSE), "{ct}");
    assert!(body["data"].is_object());

    for failing in [bad, invalid] {
        // graphql-response+json: 400 and no data entry.
        let (status, _, body) = post_raw(
            &app,
            Some("application/json"),
            GQL_RESPONSE,
            failing.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(code(&body), "BAD_USER_INPUT");
        // Legacy application/json: 200 with errors.
        let (status, _, body) =
            post_raw(&app, Some("application/json"), "application/json", failing).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(code(&body), "BAD_USER_INPUT");
    }

    // GET runs queries and serves GraphiQL to browsers.
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            ("query", "query($c: String!) { state(code: $c) { name } }"),
            ("variables", r#"{"c":"NOR"}"#),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["state"]["name"], "Norway");
    let page = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("html").contains("graphiql"));
    app.stop().await;
}

async fn keeps_the_order_the_query_asked_for(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = "{ mandates(first: 3) { edges { node { state { name } endsAt { code } seat startsOn } } totalCount } }";
    let text = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let at = |key: &str| text.find(key).unwrap_or_else(|| panic!("{key} in {text}"));
    assert!(at("\"state\"") < at("\"endsAt\""), "{text}");
    assert!(at("\"endsAt\"") < at("\"seat\""), "{text}");
    assert!(at("\"seat\"") < at("\"startsOn\""), "{text}");
    assert!(at("\"edges\"") < at("\"totalCount\""), "{text}");
    app.stop().await;
}

async fn limits_depth_and_complexity(backend: Backend) {
    let app = spawn_app(backend).await;
    let deep = format!(
        "{{ meetings {{ edges {{ node {{ {} code {} }} }} }} }}",
        "agenda { meeting { ".repeat(6),
        "} } ".repeat(6)
    );
    let (status, body) = app.post(&deep, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("too deep")
    );

    let wide = r#"{ states(first: 100) { edges { node { mandates(first: 100) { edges { node {
        state { mandates(first: 100) { edges { node { seat } } } } } } } } } } }"#;
    let (status, body) = app.post(wide, json!({})).await;
    assert_eq!(status, 400);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("complex")
    );
    app.stop().await;
}

async fn health_readiness_metrics_and_request_ids(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), StatusCode::OK);
    assert!(
        ready.headers().contains_key("x-request-id"),
        "every response carries a request id"
    );
    app.query("{ __typename }", json!({})).await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    let text = metrics.text().await.expect("text");
    assert!(text.contains("ccm_db_statements_total "), "{text}");
    assert!(
        text.contains("ccm_graphql_requests_total{operation=\"query\",field=\""),
        "{text}"
    );
    // A request id sent by the client is kept.
    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("healthz");
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
    // One stuffed with 60 KB is replaced by the server's own.
    let stuffed = "x".repeat(60_000);
    let replaced = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", stuffed.as_str())
        .send()
        .await
        .expect("healthz");
    let id = replaced.headers()["x-request-id"].to_str().expect("ascii");
    assert_eq!(id.len(), 36, "a fresh UUID in place of the stuffed id");
    app.stop().await;
}

crate::on_both_databases!(
    refuses_what_it_must,
    answers_in_the_negotiated_type,
    keeps_the_order_the_query_asked_for,
    limits_depth_and_complexity,
    health_readiness_metrics_and_request_ids,
);
