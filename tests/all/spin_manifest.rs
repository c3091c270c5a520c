use std::path::Path;

use factorial_corpus::component_path;

fn manifest() -> toml::Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("spin.toml");
    std::fs::read_to_string(path).unwrap().parse().unwrap()
}

#[test]
fn source_is_the_file_the_build_produces() {
    let manifest = manifest();
    let component = &manifest["component"]["factorial"];
    let source = component["source"].as_str().unwrap();
    assert_eq!(source, "target/wasm32-wasip2/release/factorial.wasm");
    let built = component_path().canonicalize().unwrap();
    let declared = Path::new(env!("CARGO_MANIFEST_DIR")).join(source);
    // With CARGO_TARGET_DIR elsewhere, only the tail of the path can match.
    assert!(built.ends_with(Path::new(source).strip_prefix("target").unwrap()));
    if std::env::var_os("CARGO_TARGET_DIR").is_none() {
        assert_eq!(declared.canonicalize().unwrap(), built);
    }
    let build = component["build"]["command"].as_str().unwrap();
    assert_eq!(
        build,
        "cargo build --release --target wasm32-wasip2 -p factorial"
    );
}

#[test]
fn one_http_trigger_no_network_and_the_maximum() {
    let manifest = manifest();
    assert_eq!(manifest["spin_manifest_version"].as_integer(), Some(2));
    let triggers = manifest["trigger"]["http"].as_array().unwrap();
    assert_eq!(triggers.len(), 1);
    assert_eq!(triggers[0]["route"].as_str(), Some("/..."));
    assert_eq!(triggers[0]["component"].as_str(), Some("factorial"));
    let component = &manifest["component"]["factorial"];
    assert_eq!(
        component["allowed_outbound_hosts"].as_array().map(Vec::len),
        Some(0)
    );
    let max = component["environment"]["FACTORIAL_MAX_NUMBER"]
        .as_str()
        .unwrap();
    assert!(max.parse::<u64>().is_ok(), "{max}");
}
