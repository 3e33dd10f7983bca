//! The real binary: `serve` on a fresh SQLite file (migrated and seeded on
//! first start, graceful on SIGTERM), `seed` idempotent, bad configuration refused.

use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_ccm-committee");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test]
async fn serve_starts_on_an_empty_directory_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--dev", "--addr", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("CCM_JWT_SECRET")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the server became ready");
    assert!(
        dir.path().join("ccm.db").exists(),
        "ccm.db in the working directory"
    );
    let body: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({ "query": "{ state(code: \"NOR\") { name } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    assert_eq!(body["data"]["state"]["name"], "Norway");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().expect("wait") {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = exited.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the server did not stop on SIGTERM")
    });
    assert!(status.success(), "a graceful stop exits 0: {status}");
}

#[test]
fn seed_is_idempotent_and_bad_urls_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("seed.db").display());
    for _ in 0..2 {
        let output = Command::new(BIN)
            .args(["seed", "--database-url", &url])
            .output()
            .expect("seed");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let counts = runtime.block_on(async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let db = ccm_committee::db::Db::connect(&ccm_committee::config::DatabaseConfig::new(
            url.clone(),
        ))
        .await
        .expect("connect");
        (
            entity::state::Entity::find()
                .count(&db.conn)
                .await
                .expect("count"),
            entity::mandate::Entity::find()
                .count(&db.conn)
                .await
                .expect("count"),
            entity::meeting::Entity::find()
                .count(&db.conn)
                .await
                .expect("count"),
        )
    });
    assert_eq!(counts, (125, 104, 16), "a second seed adds nothing");

    let output = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", &url])
        .env_remove("CCM_JWT_SECRET")
        .env_remove("CCM_DEV")
        .output()
        .expect("serve");
    assert!(
        !output.status.success(),
        "no secret, no dev flag: no server"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("CCM_JWT_SECRET"));

    let output = Command::new(BIN)
        .args([
            "token", "--role", "delegate", "--state", "nor", "--sub", "ana", "--dev",
        ])
        .output()
        .expect("token");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .split('.')
            .count(),
        3
    );
    let output = Command::new(BIN)
        .args(["token", "--role", "delegate", "--sub", "ana", "--dev"])
        .output()
        .expect("token");
    assert!(!output.status.success(), "a delegate token names its State");

    let output = Command::new(BIN)
        .args(["migrate", "--database-url", "mysql://nowhere"])
        .output()
        .expect("migrate");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_URL"));
}
