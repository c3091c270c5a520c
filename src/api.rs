//! The typed export `factorial:api/compute`, for hosts that call the
//! component without HTTP.

use crate::Component;
use crate::bindings::exports::factorial::api::compute::{Error, Guest};
use crate::bindings::wasi::cli::environment;
use crate::config::Config;
use crate::math;

impl Guest for Component {
    fn factorial(n: u64) -> Result<String, Error> {
        let config = Config::from_env(environment::get_environment())
            .map_err(|error| Error::InvalidConfiguration(error.to_string()))?;
        if n > config.max_number {
            return Err(Error::TooLarge(config.max_number));
        }
        Ok(math::factorial_decimal(n))
    }
}
