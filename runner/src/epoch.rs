//! The clock behind request deadlines.
//!
//! Wasmtime checks an epoch counter at function entries and loop heads; a
//! thread advances it every [`EPOCH_PERIOD`], and each store traps once the
//! epoch passes its deadline. A guest stuck in a loop is thus stopped within
//! one period of its deadline, at the cost of one load and compare per check.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::Engine;

/// How often the epoch advances: the precision of every deadline. Wasmtime
/// serve uses the same 50 ms.
pub const EPOCH_PERIOD: Duration = Duration::from_millis(50);

/// The ticks of [`EPOCH_PERIOD`] in `deadline`, at least one.
pub fn ticks(deadline: Duration) -> u64 {
    (deadline.as_millis() / EPOCH_PERIOD.as_millis()).max(1) as u64
}

/// Advances an engine's epoch until dropped; dropping it stops and joins the
/// thread.
pub struct EpochThread {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochThread {
    /// Starts advancing `engine`'s epoch every [`EPOCH_PERIOD`].
    pub fn spawn(engine: Engine) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new().name("epoch".into()).spawn({
            let stop = stop.clone();
            move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_PERIOD);
                    engine.increment_epoch();
                }
            }
        })?;
        Ok(EpochThread {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
