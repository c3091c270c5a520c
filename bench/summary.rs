//! Times `math::summary` natively: `cargo bench --bench summary`.
//!
//! Prints one row per n and K with the median of repeated calls. Every call
//! starts from nothing, as in the component, where each request gets a fresh
//! instance: there is no cache to warm.

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use factorial::math::summary;

/// The n of issue 7's targets, and one in the exact range.
const NUMBERS: [u64; 5] = [
    1_000,
    100_000,
    1_000_000_000,
    1_000_000_000_000_000_000,
    u64::MAX,
];
const LEADINGS: [usize; 3] = [1, 30, 1000];
/// Calls per row: enough for a stable median at well under a second a row.
const SAMPLES: usize = 21;

fn main() {
    println!("{:>20}  {:>5}  {:>12}", "n", "K", "median");
    for n in NUMBERS {
        for leading in LEADINGS {
            let leading = NonZeroUsize::new(leading).expect("K is positive");
            let median = median_time(|| {
                black_box(summary(black_box(n), leading));
            });
            println!(
                "{n:>20}  {leading:>5}  {:>9.1} µs",
                median.as_secs_f64() * 1e6
            );
        }
    }
}

fn median_time(mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[SAMPLES / 2]
}
