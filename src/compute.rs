//! The typed export `factorial:api/compute`, for hosts that call the
//! component without HTTP.

use crate::Component;
use crate::bindings::exports::factorial::api::compute::{Error, FactorialSummary, Guest};
use crate::bindings::wasi::cli::environment;
use crate::config::Config;
use crate::leading_digits::{MAX_LEADING_DIGITS, valid_leading_digits};
use crate::math;

impl Guest for Component {
    fn factorial(n: u64) -> Result<String, Error> {
        let config = config()?;
        if n > config.max_number {
            return Err(Error::TooLarge(config.max_number));
        }
        Ok(math::factorial_decimal(n))
    }

    fn summary(n: u64, leading: u32) -> Result<FactorialSummary, Error> {
        // No setting applies, but an unusable one fails every call, as it
        // fails every HTTP request.
        config()?;
        let leading = valid_leading_digits(leading.into())
            .ok_or(Error::InvalidLeading(MAX_LEADING_DIGITS))?;
        let summary = math::summary(n, leading);
        Ok(FactorialSummary {
            scientific: summary.scientific(),
            number: summary.number,
            digits: summary.digits.to_string(),
            trailing_zeros: summary.trailing_zeros,
            leading_digits: summary.leading_digits,
        })
    }
}

/// The settings, or why they are unusable.
fn config() -> Result<Config, Error> {
    Config::from_env(environment::get_environment())
        .map_err(|error| Error::InvalidConfiguration(error.to_string()))
}
