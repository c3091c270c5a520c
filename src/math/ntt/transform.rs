//! The transform itself: its lengths (2^k or 3·2^k), loading an integer's
//! words as residues, and the forward and inverse transforms of one residue
//! vector, with the butterflies whose loops decide the speed.

use super::modular::{Prime, Twiddle, reduce};
use super::roots::RootTable;

/// Below this many points a block is transformed stage by stage rather than
/// recursively: 1024 words per prime fit in the L1 cache with room to spare.
const ITERATIVE_BLOCK: usize = 1024;

/// The shortest transform: 16 points keep the last two stages (four points
/// at a time) whole; products this short are far below every threshold at
/// which transforms are used.
pub(super) const MIN_LEN: usize = 16;

/// The number of points of the transform for a product of `words` words:
/// the least 2^k or 3·2^k that holds it.
pub fn transform_len(words: usize) -> usize {
    let power = words.max(MIN_LEN).next_power_of_two();
    if power / 4 * 3 >= words && power / 4 * 3 >= MIN_LEN {
        power / 4 * 3
    } else {
        power
    }
}

/// The length of the power-of-two transform that a transform of `len` points
/// is part of: `len` itself, or 4/3 of it.
pub(super) fn full_len(len: usize) -> usize {
    if len.is_power_of_two() {
        len
    } else {
        len / 3 * 4
    }
}

/// The transform modulo one prime, at `len` points, of the integer whose
/// 32-bit coefficients are `words`, least significant first.
pub(super) fn transformed(
    words: impl Iterator<Item = u32>,
    len: usize,
    roots: &mut RootTable,
    prime: Prime,
) -> Vec<u32> {
    let mut residue = load(words, len, prime.p);
    forward(&mut residue, roots, prime);
    residue
}

/// The 32-bit `words` modulo `p`, zero-padded to `len` or, beyond
/// `len` words, folded (word `k` added to slot `k mod len`, as a cyclic
/// convolution wants), each in `[0, 2p)`. A word is below 2^32 < 3p, so one
/// [`reduce`] brings it below 2p.
///
/// The first `len` words, all of them unless folding, are reduced in a
/// loop of their own, which LLVM vectorizes and unrolls: a loop turn per
/// word would also be an epoch check per word in the runner.
fn load(mut words: impl Iterator<Item = u32>, len: usize, p: u32) -> Vec<u32> {
    let mut residue = Vec::with_capacity(len);
    residue.extend(words.by_ref().take(len).map(|word| reduce(word, p)));
    residue.resize(len, 0);
    let mut slot = 0;
    for word in words {
        residue[slot] = reduce(residue[slot], p) + reduce(reduce(word, p), p);
        slot = if slot + 1 == len { 0 } else { slot + 1 };
    }
    residue
}

/// The forward transform of one residue vector, in place.
fn forward(data: &mut [u32], roots: &mut RootTable, prime: Prime) {
    let len = data.len();
    roots.extend_to(full_len(len) / 2, prime);
    if len.is_power_of_two() {
        forward_block(data, 0, &roots.forward, prime.p);
    } else {
        // Three quarters of a transform of 4m points, the input being zero
        // beyond 3m: the first stage maps (f0, f1, f2, 0) to block 0
        // (f0 + f2, f1), of x^2m − 1, and to (f0 − f2, f1) of x^2m + 1,
        // of which only block 2, of x^m − i, is kept: f0 − f2 + i·f1.
        let third = len / 3;
        let p = prime.p;
        let i = roots.forward[1];
        let (low, high) = data.split_at_mut(2 * third);
        let (f0, f1) = low.split_at_mut(third);
        for ((a, b), c) in f0.iter_mut().zip(f1.iter()).zip(high.iter_mut()) {
            let (a_, c_) = (reduce(*a, p), reduce(*c, p));
            let twisted = reduce(i.mul(*b, p), p);
            *a = a_ + c_;
            *c = reduce(a_ + p - c_, p) + twisted;
        }
        forward_block(low, 0, &roots.forward, p);
        forward_block(high, 2, &roots.forward, p);
    }
}

/// The inverse of [`forward`], times [`full_len`].
pub(super) fn inverse(data: &mut [u32], roots: &mut RootTable, prime: Prime) {
    let len = data.len();
    roots.extend_to(full_len(len) / 2, prime);
    if len.is_power_of_two() {
        inverse_block(data, 0, &roots.inverse, prime.p);
    } else {
        // Undo the first stage: from A = h mod (x^2m − 1) and
        // C = h mod (x^m − i), with h of degree below 3m, split as
        // h = h0 + x^m h1 + x^2m h2: h1 = A1, and E = 2C − 2i·A1 is
        // 2(h0 − h2), A0 = h0 + h2. The inverse of block 0 (2m points)
        // carries a factor 2m and that of block 2 (m points) a factor m,
        // so all of h comes out times 4m.
        let third = len / 3;
        let p = prime.p;
        let i = roots.forward[1];
        let (low, high) = data.split_at_mut(2 * third);
        inverse_block(low, 0, &roots.inverse, p);
        inverse_block(high, 2, &roots.inverse, p);
        let (a0, a1) = low.split_at_mut(third);
        for ((a, b), c) in a0.iter_mut().zip(a1.iter_mut()).zip(high.iter_mut()) {
            let c2 = reduce(2 * reduce(*c, p), p);
            let e = reduce(c2 + p - reduce(i.mul(*b, p), p), p);
            let a_ = reduce(*a, p);
            *a = a_ + e;
            *c = a_ + p - e;
            *b = 2 * reduce(*b, p);
        }
    }
}

/// One butterfly: `(x, y) → (x + w·y, x − w·y)`, inputs and outputs in
/// `[0, 2p)`.
#[inline(always)]
fn forward_pair(x: &mut u32, y: &mut u32, w: Twiddle, p: u32) {
    let a = reduce(*x, p);
    let t = reduce(w.mul(*y, p), p);
    *x = a + t;
    *y = a + p - t;
}

/// The inverse butterfly: `(x, y) → (x + y, (x − y)·w⁻¹)`, twice the
/// original pair.
#[inline(always)]
fn inverse_pair(x: &mut u32, y: &mut u32, w_inverse: Twiddle, p: u32) {
    let a = reduce(*x, p);
    let b = reduce(*y, p);
    *x = a + b;
    *y = w_inverse.mul(a + p - b, p);
}

/// One stage on one block, one twiddle for all its pairs.
#[inline(always)]
fn forward_butterflies(low: &mut [u32], high: &mut [u32], w: Twiddle, p: u32) {
    for_each_pair(low, high, |x, y| forward_pair(x, y, w, p));
}

#[inline(always)]
fn inverse_butterflies(low: &mut [u32], high: &mut [u32], w_inverse: Twiddle, p: u32) {
    for_each_pair(low, high, |x, y| inverse_pair(x, y, w_inverse, p));
}

/// The pairs [`for_each_pair`] takes a loop turn, where there are as many.
///
/// wasmtime checks its epoch (how the runner stops a request at its
/// deadline) on every loop's back edge, and around that check Cranelift
/// spills and reloads the loop's vectors. More pairs a turn spread that
/// cost over more work, until the turn's body itself runs slower: 32 pairs
/// is where the two meet (`wasmtime run -W timeout=…`, 300000!; the times
/// are in docs/performance.md, "Tuning").
const UNROLLED_PAIRS: usize = 32;

/// `pair` on each `(low[i], high[i])`, [`UNROLLED_PAIRS`] of them a loop
/// turn.
#[inline(always)]
fn for_each_pair(low: &mut [u32], high: &mut [u32], mut pair: impl FnMut(&mut u32, &mut u32)) {
    let (low_chunks, low_rest) = low.as_chunks_mut::<UNROLLED_PAIRS>();
    let (high_chunks, high_rest) = high.as_chunks_mut::<UNROLLED_PAIRS>();
    for (low, high) in low_chunks.iter_mut().zip(high_chunks) {
        for (x, y) in low.iter_mut().zip(high) {
            pair(x, y);
        }
    }
    for (x, y) in low_rest.iter_mut().zip(high_rest) {
        pair(x, y);
    }
}

/// Transforms block `block` (in the numbering of [`RootTable`]) in place.
fn forward_block(data: &mut [u32], block: usize, roots: &[Twiddle], p: u32) {
    if data.len() > ITERATIVE_BLOCK {
        let (low, high) = data.split_at_mut(data.len() / 2);
        forward_butterflies(low, high, roots[block], p);
        forward_block(low, 2 * block, roots, p);
        forward_block(high, 2 * block + 1, roots, p);
        return;
    }
    let mut half = data.len() / 2;
    let mut first = block;
    while half > 2 {
        for (offset, chunk) in data.chunks_exact_mut(2 * half).enumerate() {
            let (low, high) = chunk.split_at_mut(half);
            forward_butterflies(low, high, roots[first + offset], p);
        }
        half /= 2;
        first *= 2;
    }
    // The last two stages together, four points at a time: as blocks of
    // two, they would be all loop overhead.
    for (offset, [a, b, c, d]) in data.as_chunks_mut::<4>().0.iter_mut().enumerate() {
        let block = first + offset;
        forward_pair(a, c, roots[block], p);
        forward_pair(b, d, roots[block], p);
        forward_pair(a, b, roots[2 * block], p);
        forward_pair(c, d, roots[2 * block + 1], p);
    }
}

/// Undoes [`forward_block`], up to a factor of the block's length.
fn inverse_block(data: &mut [u32], block: usize, roots: &[Twiddle], p: u32) {
    if data.len() > ITERATIVE_BLOCK {
        let (low, high) = data.split_at_mut(data.len() / 2);
        inverse_block(low, 2 * block, roots, p);
        inverse_block(high, 2 * block + 1, roots, p);
        inverse_butterflies(low, high, roots[block], p);
        return;
    }
    let stages = data.len().trailing_zeros();
    let first = block << (stages - 2);
    for (offset, [a, b, c, d]) in data.as_chunks_mut::<4>().0.iter_mut().enumerate() {
        let block = first + offset;
        inverse_pair(a, b, roots[2 * block], p);
        inverse_pair(c, d, roots[2 * block + 1], p);
        inverse_pair(a, c, roots[block], p);
        inverse_pair(b, d, roots[block], p);
    }
    let mut half = 4;
    for stage in (0..stages - 2).rev() {
        let first = block << stage;
        for (offset, chunk) in data.chunks_exact_mut(2 * half).enumerate() {
            let (low, high) = chunk.split_at_mut(half);
            inverse_butterflies(low, high, roots[first + offset], p);
        }
        half *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transform_lengths_are_powers_of_two_or_three_times_one() {
        assert_eq!(transform_len(1), 16);
        assert_eq!(transform_len(24), 24);
        assert_eq!(transform_len(25), 32);
        assert_eq!(transform_len(33), 48);
        assert_eq!(transform_len(48), 48);
        assert_eq!(transform_len(49), 64);
        assert_eq!(transform_len(1 << 20), 1 << 20);
    }
}
