//! Where the build leaves what the tests load: the workspace's target
//! directory, and in it the components built for `wasm32-wasip2`.

use std::path::{Path, PathBuf};

/// The workspace root: this crate is `tests/corpus` inside it.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/corpus lies two levels below the workspace root")
}

/// The target directory: `CARGO_TARGET_DIR` when set, as cargo itself
/// reads it, else `target` in the workspace root.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// A component as `cargo build --release --target wasm32-wasip2 -p PACKAGE`
/// leaves it, `file` being the package's name with `-` as `_` and `.wasm`.
/// Panics, saying how to build it, when it is not there.
pub fn built_component(file: &str) -> PathBuf {
    let path = target_dir().join("wasm32-wasip2/release").join(file);
    assert!(
        path.is_file(),
        "{} is missing: build it first with `cargo build --release --target wasm32-wasip2 \
         -p factorial -p runner-test-guest` (scripts/test.sh does)",
        path.display()
    );
    path
}

/// The factorial component.
pub fn component_path() -> PathBuf {
    built_component("factorial.wasm")
}

/// The misbehaving component of `runner/tests/guest`, for the runner's
/// tests of its limits.
pub fn test_guest_path() -> PathBuf {
    built_component("runner_test_guest.wasm")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_holds_the_workspace_manifest() {
        let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
        assert!(manifest.contains("\"tests/corpus\""), "{manifest}");
    }

    #[test]
    #[should_panic(expected = "build it first")]
    fn a_missing_component_says_how_to_build_it() {
        built_component("no-such-component.wasm");
    }
}
