//! `schema.graphql` is what `ccm-committee schema` prints.

use std::process::Command;

#[test]
fn the_checked_in_schema_is_what_the_binary_prints() {
    let output = Command::new(env!("CARGO_BIN_EXE_ccm-committee"))
        .arg("schema")
        .output()
        .expect("run ccm-committee schema");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("utf-8");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        printed == checked_in,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`"
    );
    assert_eq!(printed, ccm_committee::server::schema::sdl());
}
