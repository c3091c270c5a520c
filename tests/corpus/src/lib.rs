//! What the component's tests (`tests/all`, `src`'s unit tests, `fuzz/`,
//! the bench) and the runner's (`runner/tests`) share, so that each is
//! written once:
//!
//! - the hostile-request corpus, the one table of requests and the answers
//!   the contract gives them, with the checks every answer must pass
//!   ([`cases`], [`Case::check`]);
//! - [`ReceivedResponse`], a response as a test client read it;
//! - [`XorShift`], reproducible random inputs;
//! - [`HUGE_FACTORIALS`] and [`trailing_zeros`], figures of n! for huge n
//!   from sources independent of the component's arithmetic;
//! - where the build leaves the components ([`component_path`]);
//! - [`without_factorial_settings`], a child process that inherits none of
//!   the settings of the shell that runs the tests.

mod environment;
mod hostile;
mod paths;
mod reference;
mod response;
mod xorshift;

pub use environment::without_factorial_settings;
pub use hostile::{Case, Expected, ServedBy, Tally, cases};
pub use paths::{built_component, component_path, target_dir, test_guest_path, workspace_root};
pub use reference::{HUGE_FACTORIALS, HugeFactorial, huge_factorial, trailing_zeros};
pub use response::ReceivedResponse;
pub use xorshift::XorShift;
