//! The roots of unity the transforms use, one table per prime, grown on
//! demand and kept for the life of the thread.

use std::cell::RefCell;

use super::modular::{MAX_LOG_LEN, PRIMES, Prime, Twiddle, inverse_mod, pow_mod, reduce};

/// Roots of unity for one prime: `forward[b]` is the twiddle of block `b`,
/// ω^bitrev(b) for a primitive root ω of twice the table's length, and
/// `inverse[b]` its inverse. A longer table extends a shorter one, so the
/// table grows to the longest transform seen and serves all shorter ones.
pub(super) struct RootTable {
    pub(super) forward: Vec<Twiddle>,
    pub(super) inverse: Vec<Twiddle>,
}

impl RootTable {
    pub(super) fn new(p: u32) -> Self {
        RootTable {
            forward: vec![Twiddle::new(1, p)],
            inverse: vec![Twiddle::new(1, p)],
        }
    }

    /// Grows the table to `entries`, a power of two. Doubling from `s`
    /// entries, entry `s + b` is entry `b` times a primitive `4s`-th root.
    pub(super) fn extend_to(&mut self, entries: usize, prime: Prime) {
        while self.forward.len() < entries {
            let len = self.forward.len();
            let order = (4 * len).trailing_zeros();
            let step = pow_mod(prime.root, 1 << (MAX_LOG_LEN - order), prime.p);
            let forward = Twiddle::new(step, prime.p);
            let inverse = Twiddle::new(inverse_mod(step, prime.p), prime.p);
            for b in 0..len {
                let value = reduce(forward.mul(self.forward[b].value, prime.p), prime.p);
                self.forward.push(Twiddle::new(value, prime.p));
                let value = reduce(inverse.mul(self.inverse[b].value, prime.p), prime.p);
                self.inverse.push(Twiddle::new(value, prime.p));
            }
        }
    }
}

thread_local! {
    /// The root tables of the three primes, kept for the life of the thread
    /// (a component instance): building them is linear in the longest
    /// transform, so repeated products share that cost.
    pub(super) static ROOTS: RefCell<[RootTable; 3]> =
        RefCell::new(PRIMES.map(|prime| RootTable::new(prime.p)));
}
