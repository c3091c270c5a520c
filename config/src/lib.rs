//! The component's settings, read from its environment (`wasi:cli/environment`)
//! so that every host can set them: the runner, `spin.toml`'s `environment`,
//! `wasmtime serve --env`.

use std::fmt;

/// The environment variable that sets the largest `n` whose factorial is
/// served.
pub const MAX_NUMBER_VAR: &str = "FACTORIAL_MAX_NUMBER";

/// The largest `n` served when [`MAX_NUMBER_VAR`] is unset: what a
/// 0.25 vCPU Fargate task answers in under a second (`bench/max-number.sh`,
/// and "The default maximum" in `docs/performance.md`). 900000! has 4967957
/// digits.
pub const DEFAULT_MAX_NUMBER: u64 = 900_000;

/// The settings in force for one request or call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The largest `n` whose factorial is computed.
    pub max_number: u64,
}

/// A setting is present but unusable. It is reported, never replaced by a
/// default, so a typo in a deployment cannot go unnoticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    variable: &'static str,
    value: String,
}

impl Config {
    /// Reads the settings from environment variables, as `wasi:cli/environment`
    /// lists them.
    pub fn from_env<I>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let raw = vars.into_iter().find(|(name, _)| name == MAX_NUMBER_VAR);
        let max_number = match raw {
            None => DEFAULT_MAX_NUMBER,
            Some((_, value)) => parse_whole_number(&value).ok_or(ConfigError {
                variable: MAX_NUMBER_VAR,
                value,
            })?,
        };
        Ok(Config { max_number })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_number: DEFAULT_MAX_NUMBER,
        }
    }
}

/// Digits only, with optional white space around them.
fn parse_whole_number(value: &str) -> Option<u64> {
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?} is not a whole number from 0 to {}",
            self.variable,
            self.value,
            u64::MAX
        )
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn unset_means_the_default() {
        assert_eq!(
            Config::from_env(env(&[("PATH", "/bin")])),
            Ok(Config::default())
        );
    }

    #[test]
    fn a_whole_number_is_taken() {
        let config = Config::from_env(env(&[(MAX_NUMBER_VAR, " 2500 ")])).unwrap();
        assert_eq!(config.max_number, 2500);
    }

    #[test]
    fn anything_else_is_an_error_that_names_the_value() {
        for bad in [
            "",
            "abc",
            "-1",
            "+5",
            "1e6",
            "1_000",
            "18446744073709551616",
        ] {
            let error = Config::from_env(env(&[(MAX_NUMBER_VAR, bad)])).unwrap_err();
            assert!(error.to_string().contains(&format!("{bad:?}")), "{error}");
        }
    }
}
