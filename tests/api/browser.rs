//! The pages a browser gets, in headless Chromium (Debian's `chromium`,
//! driven by puppeteer-core from `tests/js`): GraphiQL served offline, the
//! committee console through a whole nomination round, and calls from web
//! pages on other origins (CORS and WebSocket `Origin`).

use ccm_committee::auth::Role;
use serde_json::json;

use crate::helpers::{Backend, TestApp, add_meeting, spawn_app, spawn_app_with, token};
use crate::nominations::SUPPORTERS;

/// Runs a browser test script; it prints `<name>: ok` when every check passed.
async fn node(script: &str, args: Vec<String>, env: Vec<(&'static str, String)>) {
    let stdout = crate::audit::node(script, args, env).await;
    assert!(stdout.contains(": ok"), "{stdout}");
}

/// A meeting scheduled through the API, so that its log has an update.
async fn scheduled(app: &TestApp, presidency: &str, code: &str) -> String {
    let data = app
        .as_ok(
            presidency,
            "mutation($code: String!) { scheduleMeeting(input: { code: $code, kind: MSP, startsOn: \"2028-09-11\", endsOn: \"2028-09-14\" }) { id } }",
            json!({ "code": code }),
        )
        .await;
    data["scheduleMeeting"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_works_offline_with_queries_subscriptions_and_docs() {
    let app = spawn_app(Backend::Sqlite).await;
    let presidency = token("isu-officer", Role::Presidency, None);
    let meeting = scheduled(&app, &presidency, "15MSP").await;
    node(
        "graphiql.mjs",
        vec![app.address.clone(), meeting, presidency],
        vec![],
    )
    .await;
    app.stop().await;
}

async fn the_console_carries_a_nomination_round(backend: Backend) {
    // The meeting opens in the test's time, well before its dates.
    let app = spawn_app_with(backend, |config| config.policy.open_window_days = 400).await;
    add_meeting(&app, "14MSP", "PLANNED", "2027-09-13", "2027-09-16").await;
    add_meeting(&app, "16MSP", "PLANNED", "2029-09-10", "2029-09-14").await;
    let responders: Vec<(String, String)> = SUPPORTERS
        .iter()
        .map(|code| {
            (
                (*code).to_owned(),
                token(&format!("{code}-delegate"), Role::Delegate, Some(code)),
            )
        })
        .collect();
    let scenario = json!({
        "base": app.address,
        "meeting": "14MSP",
        "asOf": "2027-10-01",
        "presidency": token("isu-officer", Role::Presidency, None),
        "nominee": ["NOR", token("nor-delegate", Role::Delegate, Some("NOR"))],
        "nomineeName": "Norway",
        "responders": responders,
    });
    node(
        "console.mjs",
        vec![],
        vec![("CCM_SCENARIO", scenario.to_string())],
    )
    .await;
    app.stop().await;
}

/// A member State of the committee on `day`, by the API's composition.
async fn a_member_on(app: &TestApp, day: &str) -> String {
    let data = app
        .query(
            "query($d: Date) { committee(asOf: $d) { positions { holders { state { code } } } } }",
            json!({ "d": day }),
        )
        .await;
    data["committee"]["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .flat_map(|p| p["holders"].as_array().cloned().unwrap_or_default())
        .find_map(|h| h["state"]["code"].as_str().map(str::to_owned))
        .expect("a member")
}

async fn the_console_carries_a_committee_month(backend: Backend) {
    // The next month's meeting opens in the test's time.
    let app = spawn_app_with(backend, |config| config.policy.open_window_days = 400).await;
    let member = a_member_on(&app, "2026-11-26").await;
    let scenario = json!({
        "base": app.address,
        "presidency": token("isu-officer", Role::Presidency, None),
        "member": [member, token("member-delegate", Role::Delegate, Some(&member))],
    });
    node(
        "month.mjs",
        vec![],
        vec![("CCM_SCENARIO", scenario.to_string())],
    )
    .await;
    app.stop().await;
}

async fn the_console_carries_topics_and_working_groups(backend: Backend) {
    // The meetings open in the test's time, well before their dates.
    let app = spawn_app_with(backend, |config| config.policy.open_window_days = 400).await;
    crate::topics::seat_coordinators(&app).await;
    let presidency = token("isu-officer", Role::Presidency, None);
    app.as_ok(
        &presidency,
        "mutation { scheduleMeeting(input: { code: \"CC-2026-12\", kind: COORDINATION_COMMITTEE, startsOn: \"2026-12-10\", endsOn: \"2026-12-10\", city: \"Geneva\" }) { id } }",
        json!({}),
    )
    .await;
    add_meeting(&app, "14MSP", "PLANNED", "2027-09-14", "2027-09-17").await;
    let scenario = json!({
        "base": app.address,
        "presidency": presidency,
        "coordinator": token("mwi-coordinator", Role::Coordinator, Some("MWI")),
        "other": token("nzl-coordinator", Role::Coordinator, Some("NZL")),
    });
    node(
        "topics.mjs",
        vec![],
        vec![("CCM_SCENARIO", scenario.to_string())],
    )
    .await;
    app.stop().await;
}

crate::on_both_databases!(
    the_console_carries_a_nomination_round,
    the_console_carries_a_committee_month,
    the_console_carries_topics_and_working_groups
);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_on_listed_origins_may_call_the_api_and_others_may_not() {
    let (listed, unlisted) = (free_port(), free_port());
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.cors_origins = vec![format!("http://127.0.0.1:{listed}/")];
    })
    .await;
    let presidency = token("isu-officer", Role::Presidency, None);
    let meeting = scheduled(&app, &presidency, "15MSP").await;

    // The preflight, as a browser sends it.
    let preflight = |origin: String| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,authorization",
            )
            .send()
    };
    let allowed = preflight(format!("http://127.0.0.1:{listed}"))
        .await
        .expect("preflight");
    let headers = allowed.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        format!("http://127.0.0.1:{listed}").as_str()
    );
    let methods = headers["access-control-allow-methods"]
        .to_str()
        .expect("ascii");
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let allowed_headers = headers["access-control-allow-headers"]
        .to_str()
        .expect("ascii");
    assert!(
        allowed_headers.contains("content-type") && allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    let refused = preflight(format!("http://127.0.0.1:{unlisted}"))
        .await
        .expect("preflight");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    node(
        "cors.mjs",
        vec![
            app.address.clone(),
            listed.to_string(),
            unlisted.to_string(),
            meeting,
            presidency.clone(),
        ],
        vec![],
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_that_is_not_one_is_refused_at_start() {
    let config = |origins: Vec<String>| {
        let mut config = ccm_committee::config::Config::new(
            "127.0.0.1:0".parse().expect("addr"),
            ccm_committee::config::DatabaseConfig::new("sqlite::memory:"),
        );
        config.cors_origins = origins;
        config
    };
    let refused = ccm_committee::server::state::AppState::init(
        config(vec!["intranet.example.org/path".to_owned()]),
        std::sync::Arc::new(ccm_committee::clock::SystemClock),
    )
    .await;
    assert!(
        matches!(
            refused,
            Err(ccm_committee::server::state::StartError::Origins(_))
        ),
        "a path is not an origin"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_assets_come_from_the_binary() {
    let app = spawn_app(Backend::Sqlite).await;
    let get = |path: &str, accept: &str| {
        app.client
            .get(app.url(path))
            .header("accept", accept)
            .header("accept-encoding", "gzip")
            .send()
    };
    for path in ["/", "/meetings/14MSP", "/nominations", "/states/NOR"] {
        let page = get(path, "text/html").await.expect("page");
        assert_eq!(page.status(), 200, "{path}");
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        let host = app.address.trim_start_matches("http://");
        assert!(
            csp.contains(&format!("connect-src 'self' ws://{host} wss://{host}")),
            "{csp}"
        );
        let html = page.text().await.expect("html");
        assert!(html.contains("/assets/console/app.js"), "{path}");
        assert!(
            !html.contains("https://"),
            "{path} loads nothing from outside"
        );
    }
    let graphiql = get("/graphql", "text/html").await.expect("graphiql");
    assert!(
        graphiql.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .contains("default-src 'self'")
    );
    let html = graphiql.text().await.expect("html");
    assert!(html.contains("/assets/vendor/graphiql.min.js"));
    assert!(!html.contains("unpkg") && !html.contains("https://"));

    // The large libraries travel compressed.
    let library = get("/assets/vendor/graphiql.min.js", "*/*")
        .await
        .expect("asset");
    assert_eq!(library.status(), 200);
    assert_eq!(library.headers()["content-encoding"], "gzip");
    assert!(
        library.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/javascript")
    );
    let missing = get("/assets/../Cargo.toml", "*/*").await.expect("missing");
    assert_eq!(missing.status(), 404);
    let missing = get("/assets/vendor/nothing.js", "*/*")
        .await
        .expect("missing");
    assert_eq!(missing.status(), 404);
    app.stop().await;
}
