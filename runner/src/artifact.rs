//! Where the component is found when none is given: the artifacts the build
//! and the image leave, the precompiled one for the best CPU level the host
//! runs first.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::engine;

/// The component as the build produces it, and the name looked for.
const COMPONENT_FILE: &str = "factorial.wasm";
/// The component precompiled by `factorial-runner compile`, preferred when
/// both sit beside the executable (as in the container).
const PRECOMPILED_FILE: &str = "factorial.cwasm";

/// The component precompiled for a CPU level (`compile --cpu LEVEL`), as
/// the image holds it beside the portable `factorial.cwasm`.
fn precompiled_file_for(level: &str) -> String {
    format!("factorial.{level}.cwasm")
}

/// The component file to load: the one given, or the first one found.
pub fn component_path(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let candidates = default_component_paths();
    match candidates.iter().find(|path| path.is_file()) {
        Some(path) => Ok(path.clone()),
        None => bail!(
            "no component given (--component or FACTORIAL_COMPONENT) and none found at {}; \
             build it with `cargo build --release --target wasm32-wasip2 -p factorial`",
            candidates
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Where a component is looked for when none is given: beside the executable
/// (the container's layout) the artifact of the best CPU level the host runs,
/// then the portable one and the `.wasm`, then the cargo build's output seen from the
/// executable (`target/release/` or `target/debug/`) and from the working
/// directory.
fn default_component_paths() -> Vec<PathBuf> {
    let cargo_output = Path::new("wasm32-wasip2")
        .join("release")
        .join(COMPONENT_FILE);
    let mut paths = Vec::new();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    if let Some(dir) = exe_dir {
        for level in engine::host_levels() {
            paths.push(dir.join(precompiled_file_for(level)));
        }
        paths.push(dir.join(PRECOMPILED_FILE));
        paths.push(dir.join(COMPONENT_FILE));
        if let Some(target) = dir.parent() {
            paths.push(target.join(&cargo_output));
        }
    }
    paths.push(Path::new("target").join(cargo_output));
    paths
}
