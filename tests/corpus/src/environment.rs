//! Child processes that start from a known configuration: every setting of
//! the runner and the component is a `FACTORIAL_*` environment variable, so
//! one exported in the shell that runs the tests would otherwise leak into
//! every process they start.

use std::process::Command;

/// The prefix of every setting's environment variable.
const SETTINGS_PREFIX: &str = "FACTORIAL_";

/// Removes from `command`'s environment every `FACTORIAL_*` variable this
/// process has; a test then sets the ones it means.
pub fn without_factorial_settings(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with(SETTINGS_PREFIX) {
            command.env_remove(name);
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    const TEST_NAME: &str = "environment::tests::a_setting_of_this_process_is_removed";
    const PROBE: &str = "FACTORIAL_TEST_SUPPORT_PROBE";

    #[test]
    fn a_setting_of_this_process_is_removed() {
        if std::env::var_os(PROBE).is_none() {
            // Run this test again in a process that has a setting to remove.
            let output = Command::new(std::env::current_exe().unwrap())
                .args(["--exact", TEST_NAME])
                .env(PROBE, "1")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(stdout.contains("1 passed"), "{stdout}");
            return;
        }
        let mut command = Command::new("true");
        without_factorial_settings(&mut command).env("FACTORIAL_SET_BY_THE_TEST", "1");
        let changes: Vec<_> = command.get_envs().collect();
        assert!(changes.contains(&(OsStr::new(PROBE), None)), "{changes:?}");
        let set = (
            OsStr::new("FACTORIAL_SET_BY_THE_TEST"),
            Some(OsStr::new("1")),
        );
        assert!(changes.contains(&set), "{changes:?}");
    }
}
