//! Hostile and careless clients: every request below gets a typed refusal
//! (or its answer) without costing the server more than the request is worth,
//! and nothing an anonymous client sends is ever INTERNAL.

use ccm_committee::auth::Role;
use ccm_committee::auth::token::Keys;
use serde_json::{Value, json};

use crate::audit::{ensure_npm_packages, js_dir};
use crate::helpers::{Backend, TEST_SECRET, spawn_app, spawn_app_with, token};

fn fragment_bomb(levels: usize, leaf: &str) -> String {
    let mut q = format!("query {{ ...F{levels} }} fragment F0 on Query {{ {leaf} }}");
    for i in 1..=levels {
        q.push_str(&format!(
            " fragment F{i} on Query {{ ...F{} ...F{} }}",
            i - 1,
            i - 1
        ));
    }
    q
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("(no code)")
}

async fn expensive_documents_are_refused_before_they_run(backend: Backend) {
    // No background polling while statements are counted.
    let app = spawn_app_with(backend, |c| {
        c.live.event_poll_ms = 3_600_000;
        c.live.timer_poll_ms = 3_600_000;
    })
    .await;
    app.settle().await;
    // A 943-byte fragment bomb: 2^23 fields once expanded.
    let (statements, (_, body)) = app
        .statements_during(app.post(&fragment_bomb(23, "__typename"), json!({})))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(statements, 0);
    let (_, body) = app.post(&fragment_bomb(23, "nope"), json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    // 9,500 aliases of one field.
    let aliases: Vec<String> = (0..9_500)
        .map(|i| format!("a{i}: organizations {{ code }}"))
        .collect();
    let (statements, (_, body)) = app
        .statements_during(app.post(&format!("{{ {} }}", aliases.join(" ")), json!({})))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(statements, 0, "refused before any SQL");
    let inclusive: Vec<String> = (0..600)
        .map(|i| format!("p{i}: positions {{ inclusiveness {{ warnings }} }}"))
        .collect();
    let (_, body) = app
        .post(&format!("{{ {} }}", inclusive.join(" ")), json!({}))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    // A fragment cycle.
    let (_, body) = app
        .post(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    // What a real page asks is still answered.
    let ok = app
        .query(&fragment_bomb(4, "positions { code }"), json!({}))
        .await;
    assert!(ok["positions"].is_array());
    app.stop().await;
}

async fn the_standard_introspection_query_is_answered(backend: Backend) {
    tokio::task::spawn_blocking(ensure_npm_packages)
        .await
        .expect("npm");
    let output = tokio::process::Command::new("node")
        .arg("introspection.mjs")
        .current_dir(js_dir())
        .output()
        .await
        .expect("node must be installed (Node 20)");
    assert!(output.status.success(), "{output:?}");
    let query = String::from_utf8(output.stdout).expect("utf-8");
    assert!(query.contains("IntrospectionQuery"));
    let app = spawn_app(backend).await;
    let data = app.query(&query, json!({})).await;
    let types = data["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "Nomination"));
    app.stop().await;
}

async fn text_that_the_database_cannot_store_is_bad_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let search = "query($s: String) { states(filter: { search: $s }) { totalCount } }";
    for bad in [json!("a\u{0}b"), json!("x".repeat(50_000))] {
        let (status, body) = app.post(search, json!({ "s": bad })).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_ne!(status, 500);
    }
    let (_, body) = app
        .post(
            r#"{ states(filter: { search: "a\u0000b" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let fine = app.query(search, json!({ "s": "zambia" })).await;
    assert_eq!(fine["states"]["totalCount"], 1);

    // Dates outside 1990-2200 are refused, on input, by both databases.
    let presidency = token("isu-officer", Role::Presidency, None);
    let schedule =
        "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { id } }";
    for starts in ["-262143-01-01", "2300-01-01", "1900-01-01"] {
        let input = json!({ "input": { "code": "X1", "kind": "MSP", "startsOn": starts } });
        let (status, body) = app.post_as(&presidency, schedule, input).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{starts}: {body}");
        assert_ne!(status, 500);
    }
    let (_, body) = app
        .post(r#"{ committee(asOf: "9999-12-31") { asOf } }"#, json!({}))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let note = "n".repeat(2_001);
    let propose =
        "mutation($input: ProposeNominationInput!) { proposeNomination(input: $input) { id } }";
    let nor = token("nor-delegate", Role::Delegate, Some("NOR"));
    let (_, body) = app
        .post_as(
            &nor,
            propose,
            json!({ "input": { "position": "REPORTING", "state": "NOR", "meetingId": "bm86MQ", "note": note } }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    app.stop().await;
}

async fn tokens_that_describe_no_real_account_get_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let keys = Keys::new(TEST_SECRET.as_bytes());
    let now = chrono::Utc::now();
    let minted = |claims: Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()),
        )
        .expect("encode")
    };
    let base = |extra: Value| {
        let mut c = json!({ "sub": "someone", "role": "DELEGATE", "state": "NOR",
                            "iat": now.timestamp(), "exp": now.timestamp() + 3600 });
        for (k, v) in extra.as_object().expect("object") {
            c[k] = v.clone();
        }
        c
    };
    for bad in [
        json!({ "nbf": now.timestamp() + 600 }),
        json!({ "exp": now.timestamp() + 3_650 * 86_400 }),
        json!({ "state": "XXX" }),
        json!({ "role": "OBSERVER", "state": null }),
        json!({ "sub": "a\u{0}b" }),
    ] {
        let (status, body) = app
            .post_as(&minted(base(bad.clone())), "{ me { subject } }", json!({}))
            .await;
        assert_eq!(status, 401, "{bad}: {body}");
        assert_eq!(code(&body), "UNAUTHENTICATED");
    }
    let good = keys
        .mint(
            "someone",
            Role::Delegate,
            Some("NOR"),
            None,
            chrono::Duration::hours(1),
            now,
        )
        .expect("mint");
    let (status, _) = app.post_as(&good, "{ me { subject } }", json!({})).await;
    assert_eq!(status, 200);
    app.stop().await;
}

crate::on_both_databases!(
    expensive_documents_are_refused_before_they_run,
    the_standard_introspection_query_is_answered,
    text_that_the_database_cannot_store_is_bad_input,
    tokens_that_describe_no_real_account_get_401,
);
