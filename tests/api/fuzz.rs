//! Generated requests against the real schema: random selections over the
//! types the server describes (read by introspection), random arguments and
//! variables, and random bytes. Whatever arrives, the answer is never a 5xx
//! nor `INTERNAL`, and the server keeps answering. The cases are fixed by a
//! seed (`CCM_PROPTEST_SEED`, `PROPTEST_CASES` to explore more locally;
//! `FUZZ_SHOW=1` prints each generated query and the start of its answer).

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

/// A field of an object type: its name, its arguments (name, input type name,
/// non-null) and the named type it returns.
#[derive(Clone, Debug)]
struct FieldInfo {
    name: String,
    args: Vec<(String, String)>,
    returns: String,
}

/// The object types and their fields, read from the server.
async fn schema(app: &TestApp) -> HashMap<String, Vec<FieldInfo>> {
    let data = app
        .query(
            "{ __schema { types { name kind fields { name args { name type { ...T } } type { ...T } } } } }
             fragment T on __Type { name kind ofType { name kind ofType { name kind ofType { name kind } } } }",
            json!({}),
        )
        .await;
    fn named(t: &Value) -> String {
        let mut t = t;
        while t["name"].is_null() && !t["ofType"].is_null() {
            t = &t["ofType"];
        }
        t["name"].as_str().unwrap_or_default().to_owned()
    }
    let mut out = HashMap::new();
    for t in data["__schema"]["types"].as_array().expect("types") {
        let name = t["name"].as_str().unwrap_or_default();
        if t["kind"] != "OBJECT" || name.starts_with("__") {
            continue;
        }
        let fields = t["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| FieldInfo {
                        name: f["name"].as_str().unwrap_or_default().to_owned(),
                        args: f["args"]
                            .as_array()
                            .map(|args| {
                                args.iter()
                                    .map(|a| {
                                        (
                                            a["name"].as_str().unwrap_or_default().to_owned(),
                                            named(&a["type"]),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        returns: named(&f["type"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.insert(name.to_owned(), fields);
    }
    out
}

/// A literal for an argument of `type_name`, picked by `pick`: valid-looking
/// values, edge cases and garbage alike.
fn literal(type_name: &str, pick: u32) -> String {
    let strings = [
        "\"NOR\"",
        "\"\"",
        "\"14MSP\"",
        "\"bm86MQ\"",
        "\"2014-12-01\"",
        "\"-262143-01-01\"",
        "\"9999-99-99\"",
        "\"\\u0000\"",
        "\"\\\\\"",
        "\"%_%\"",
        "\"UNIVERSALIZATION\"",
    ];
    match type_name {
        "Int" => [
            "0",
            "-1",
            "1",
            "100",
            "101",
            "2147483647",
            "-2147483648",
            "3",
        ][pick as usize % 8]
            .to_owned(),
        "Boolean" => ["true", "false"][pick as usize % 2].to_owned(),
        "Date" => [
            "\"2014-12-01\"",
            "\"1989-12-31\"",
            "\"2201-01-01\"",
            "\"x\"",
            "\"2026-02-29\"",
        ][pick as usize % 5]
            .to_owned(),
        "DateTime" => [
            "\"2027-01-01T00:00:00Z\"",
            "\"nope\"",
            "\"9999-12-31T23:59:59Z\"",
        ][pick as usize % 3]
            .to_owned(),
        _ => strings[pick as usize % strings.len()].to_owned(),
    }
}

/// Renders a random selection of `type_name`'s fields, `depth` levels deep.
fn selection(
    types: &HashMap<String, Vec<FieldInfo>>,
    type_name: &str,
    picks: &[u32],
    cursor: &mut usize,
    depth: usize,
) -> String {
    let Some(fields) = types.get(type_name).filter(|f| !f.is_empty()) else {
        return String::new();
    };
    fn next(picks: &[u32], cursor: &mut usize) -> u32 {
        let p = picks[*cursor % picks.len()];
        *cursor += 1;
        p
    }
    let count = 1 + next(picks, cursor) as usize % 3;
    let mut out = Vec::new();
    for _ in 0..count {
        let field = &fields[next(picks, cursor) as usize % fields.len()];
        let mut text = field.name.clone();
        let mut args = Vec::new();
        for (name, t) in &field.args {
            let scalar = matches!(
                t.as_str(),
                "Int" | "String" | "ID" | "Boolean" | "Date" | "DateTime"
            );
            if scalar && next(picks, cursor).is_multiple_of(2) {
                args.push(format!("{name}: {}", literal(t, next(picks, cursor))));
            }
        }
        if !args.is_empty() {
            text.push_str(&format!("({})", args.join(", ")));
        }
        if types.contains_key(&field.returns) {
            let inner = if depth == 0 {
                "__typename".to_owned()
            } else {
                selection(types, &field.returns, picks, cursor, depth - 1)
            };
            let inner = if inner.is_empty() {
                "__typename".to_owned()
            } else {
                inner
            };
            text.push_str(&format!(" {{ {inner} }}"));
        }
        out.push(text);
    }
    out.join(" ")
}

fn runner(cases: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let seed: u64 = std::env::var("CCM_PROPTEST_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x0CC0_F022);
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&seed.wrapping_add(i as u64).to_le_bytes());
    }
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

fn never_our_fault(status: u16, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "status {status}: {body}");
    let internal = body["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["extensions"]["code"] == "INTERNAL"));
    prop_assert!(!internal, "INTERNAL: {body}");
    Ok(())
}

async fn generated_queries_never_get_internal(backend: Backend) {
    let app = spawn_app(backend).await;
    let types = schema(&app).await;
    let runtime = tokio::runtime::Handle::current();
    let mut runner = runner(48);
    let result = tokio::task::block_in_place(|| {
        runner.run(
            &(prop::collection::vec(any::<u32>(), 8..64), 0usize..4),
            |(picks, depth)| {
                let mut cursor = 0;
                let query = format!(
                    "{{ {} }}",
                    selection(&types, "Query", &picks, &mut cursor, depth)
                );
                let (status, body) = runtime.block_on(app.post(&query, json!({})));
                if std::env::var("FUZZ_SHOW").is_ok() {
                    eprintln!(
                        "{query}\n=> {status} {}",
                        body.to_string().chars().take(200).collect::<String>()
                    );
                }
                never_our_fault(status, &body)
            },
        )
    });
    result.expect("no generated query is our fault");
    let bytes_result = tokio::task::block_in_place(|| {
        runner.run(&prop::collection::vec(any::<u8>(), 0..512), |bytes| {
            let response = runtime.block_on(
                app.client
                    .post(app.url("/graphql"))
                    .header("content-type", "application/json")
                    .body(bytes)
                    .send(),
            );
            let response = response.expect("the server answers");
            prop_assert!(response.status().as_u16() < 500);
            Ok(())
        })
    });
    bytes_result.expect("no random body is our fault");
    let variables = tokio::task::block_in_place(|| {
        runner.run(&(any::<u32>(), "\\PC{0,40}"), |(pick, text)| {
            let q = "query($s: String, $d: Date, $n: Int) { states(filter: { search: $s, relationAsOf: $d }, first: $n) { totalCount } meetings(first: $n) { totalCount } }";
            let vars = json!({ "s": text, "d": literal("Date", pick).trim_matches('"'), "n": (pick % 300) as i64 - 100 });
            let (status, body) = runtime.block_on(app.post(q, vars));
            never_our_fault(status, &body)
        })
    });
    variables.expect("no random variable is our fault");
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("still answering");
    assert_eq!(health.status(), 200);
    app.stop().await;
}

crate::on_both_databases!(generated_queries_never_get_internal);
