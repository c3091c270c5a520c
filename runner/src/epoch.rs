//! The clock behind request deadlines, and the time slices of guests.
//!
//! Wasmtime checks an epoch counter at function entries and loop heads; a
//! thread advances it every [`EPOCH_PERIOD`]. At every tick a guest yields
//! to the async runtime, and traps once its deadline has passed. A guest
//! stuck in a loop is thus stopped within one period of its deadline, at
//! the cost of one load and compare per check.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::{Engine, Store, UpdateDeadline};

/// How often the epoch advances: the precision of every deadline, and the
/// longest a guest computes before it lets other tasks run. Wasmtime serve
/// uses the same 50 ms.
pub const EPOCH_PERIOD: Duration = Duration::from_millis(50);

/// Makes the guest in `store` yield to the runtime at every epoch tick, and
/// trap at the first tick once `deadline` has passed from now.
///
/// Without the yields, a guest computes on its runtime worker thread until
/// it is done. There is one worker per core: two requests for a large
/// factorial on two cores held every other request, `/healthz` included,
/// for as long as they ran, and the limit of computations was never reached since
/// the waiting requests were not read.
pub fn time_slice<T>(store: &mut Store<T>, deadline: Duration) {
    let started = Instant::now();
    store.epoch_deadline_callback(move |_| {
        if started.elapsed() >= deadline {
            return Ok(UpdateDeadline::Interrupt);
        }
        // Tokio's own yield puts the task behind the others that are ready,
        // where a bare wake-up could be polled again at once.
        Ok(UpdateDeadline::YieldCustom(
            1,
            Box::pin(tokio::task::yield_now()),
        ))
    });
    store.set_epoch_deadline(1);
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
