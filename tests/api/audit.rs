//! The graphql-http server audit (npm), run against the real server: every
//! MUST and every SHOULD passes.

use std::path::Path;
use std::process::Command;

use crate::helpers::{Backend, spawn_app};

pub fn js_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js"))
}

/// Installs the JavaScript test clients when they are missing.
pub fn ensure_npm_packages() {
    let installed = [
        "graphql",
        "graphql-http",
        "graphql-ws",
        "ws",
        "puppeteer-core",
        "axe-core",
    ]
    .iter()
    .all(|p| js_dir().join("node_modules").join(p).exists());
    if installed {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(js_dir())
        .status()
        .expect("npm must be installed (Node 20)");
    assert!(status.success(), "npm ci failed");
}

/// Runs `node <script> <args>` from `tests/js` with `env` (installing the
/// packages first when missing); fails with its output unless it succeeds.
/// Its standard output.
pub async fn node(script: &str, args: Vec<String>, env: Vec<(&'static str, String)>) -> String {
    tokio::task::spawn_blocking(ensure_npm_packages)
        .await
        .expect("npm");
    let script = script.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .args(args)
            .envs(env)
            .current_dir(js_dir())
            .output()
            .expect("node must be installed (Node 20)")
    })
    .await
    .expect("node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "node failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphql_over_http_audit_passes() {
    let app = spawn_app(Backend::Sqlite).await;
    let stdout = node("audit.mjs", vec![app.url("/graphql")], vec![]).await;
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    app.stop().await;
}
