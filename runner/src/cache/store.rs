//! The stored answers: by target, then by variant (the values of the
//! request headers an answer's `Vary` names), at most [`MAX_VARIANTS`] per
//! target, within a byte bound, the least recently used evicted first.
//!
//! The bound counts what memory really holds. Each stored answer is
//! counted, body, headers, key, variant values and bookkeeping, from when
//! it is stored until its last reader lets it go: an answer evicted while
//! a slow client still reads it stays counted, so that evicting cannot
//! make room that is still in use. Time is the caller's `now`, so the
//! tests give ages instead of sleeping.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderValue};
use prometheus_client::metrics::gauge::Gauge;

use super::policy::Acceptable;
use super::variant::{self, Variant};

/// Variants kept per target. The factorial component has two (JSON and
/// text); a client rotating a header the answer varies on evicts its own
/// variants beyond this, and a lookup never compares more than this many.
pub(crate) const MAX_VARIANTS: usize = 8;

/// What a stored answer is counted as beyond its body, headers, key and
/// variant values: its place in the maps and its bookkeeping.
pub(crate) const ENTRY_OVERHEAD: u64 = 256;

/// An answer to store: a 200 to a `GET`, its headers less those that
/// describe one connection.
pub(crate) struct Answer {
    pub variant: Variant,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// When it was received, and its `Age` then.
    pub received: Instant,
    pub initial_age: Duration,
    /// How long it is fresh.
    pub lifetime: Duration,
}

/// A stored answer, counted against the bound while it is alive.
pub(crate) struct Stored {
    pub answer: Answer,
    bytes: u64,
    held: Gauge,
}

impl Stored {
    /// The answer's age at `now` (RFC 9111 §4.2.3, with no clock skew to
    /// correct: the answer was made in this process).
    pub fn age(&self, now: Instant) -> Duration {
        self.answer.initial_age + now.saturating_duration_since(self.answer.received)
    }
}

impl Drop for Stored {
    fn drop(&mut self) {
        self.held.dec_by(self.bytes as i64);
    }
}

/// The bytes `answer` is counted as under `key`.
pub(crate) fn counted_bytes(key: &str, answer: &Answer) -> u64 {
    let headers: usize = answer
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let variant: usize = answer
        .variant
        .iter()
        .map(|(name, value)| name.as_str().len() + value.as_ref().map_or(0, HeaderValue::len))
        .sum();
    (answer.body.len() + headers + key.len() + variant) as u64 + ENTRY_OVERHEAD
}

/// The stored answers and their recency.
pub(crate) struct Store {
    capacity: u64,
    /// Bytes of every stored answer alive, in the maps or being sent: the
    /// `factorial_cache_bytes` gauge itself.
    held: Gauge,
    entries: HashMap<Arc<str>, Bucket>,
    /// Targets by when they were last used, oldest first.
    recency: BTreeMap<u64, Arc<str>>,
    clock: u64,
}

/// One target's variants.
struct Bucket {
    variants: Vec<(Arc<Stored>, u64)>,
    last_used: u64,
}

/// What [`Store::insert`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// Stored, after evicting this many answers.
    Stored { evicted: u64 },
    /// Not stored: it does not fit beside the answers still being sent.
    TooLarge,
}

impl Store {
    /// A store of at most `capacity` bytes, counted in `held`.
    pub fn new(capacity: u64, held: Gauge) -> Store {
        Store {
            capacity,
            held,
            entries: HashMap::new(),
            recency: BTreeMap::new(),
            clock: 0,
        }
    }

    /// Bytes of the answers alive: stored, or evicted and still being sent.
    pub fn held_bytes(&self) -> u64 {
        self.held.get().unsigned_abs()
    }

    /// The stored answer of `key` for a request with `headers`, marked as
    /// used, if it is fresh at `now` and meets `acceptable`. A stale one is
    /// removed.
    pub fn find(
        &mut self,
        key: &str,
        headers: &HeaderMap,
        acceptable: &Acceptable,
        now: Instant,
    ) -> Option<Arc<Stored>> {
        let bucket = self.entries.get(key)?;
        let index = bucket
            .variants
            .iter()
            .position(|(stored, _)| variant::matches(&stored.answer.variant, headers))?;
        let stored = bucket.variants[index].0.clone();
        let age = stored.age(now);
        if age >= stored.answer.lifetime {
            self.remove(key, index);
            return None;
        }
        if !acceptable.accepts(age, stored.answer.lifetime) {
            return None;
        }
        let clock = self.tick();
        let bucket = self.entries.get_mut(key)?;
        bucket.variants[index].1 = clock;
        let previous = std::mem::replace(&mut bucket.last_used, clock);
        if let Some(key) = self.recency.remove(&previous) {
            self.recency.insert(clock, key);
        }
        Some(stored)
    }

    /// Stores `answer` under `key`, replacing the answer for the same
    /// variant and, past [`MAX_VARIANTS`], the target's least recently used
    /// one; then evicts the least recently used targets until within the
    /// bound.
    pub fn insert(&mut self, key: &Arc<str>, answer: Answer) -> Inserted {
        let bytes = counted_bytes(key, &answer);
        if bytes > self.capacity {
            return Inserted::TooLarge;
        }
        let mut evicted = 0;
        if let Some(bucket) = self.entries.get(key) {
            let same = bucket
                .variants
                .iter()
                .position(|(stored, _)| stored.answer.variant == answer.variant);
            let oldest =
                || (0..bucket.variants.len()).min_by_key(|&index| bucket.variants[index].1);
            let replaced = same.or_else(|| (bucket.variants.len() >= MAX_VARIANTS).then(oldest)?);
            if let Some(index) = replaced {
                evicted += u64::from(same.is_none());
                self.remove(key, index);
            }
        }
        while self.held_bytes() + bytes > self.capacity {
            let Some((_, oldest)) = self.recency.pop_first() else {
                return Inserted::TooLarge;
            };
            if let Some(bucket) = self.entries.remove(&oldest) {
                evicted += bucket.variants.len() as u64;
            }
        }
        self.held.inc_by(bytes as i64);
        let stored = Arc::new(Stored {
            answer,
            bytes,
            held: self.held.clone(),
        });
        let clock = self.tick();
        let bucket = self.entries.entry(key.clone()).or_insert(Bucket {
            variants: Vec::with_capacity(1),
            last_used: clock,
        });
        bucket.variants.push((stored, clock));
        let previous = std::mem::replace(&mut bucket.last_used, clock);
        self.recency.remove(&previous);
        self.recency.insert(clock, key.clone());
        Inserted::Stored { evicted }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Removes the variant at `index` of `key`, and the target with its
    /// last variant.
    fn remove(&mut self, key: &str, index: usize) {
        let Some(bucket) = self.entries.get_mut(key) else {
            return;
        };
        bucket.variants.swap_remove(index);
        if bucket.variants.is_empty() {
            let last_used = bucket.last_used;
            self.entries.remove(key);
            self.recency.remove(&last_used);
        }
    }
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderName;

    use super::*;

    const ACCEPT: HeaderName = hyper::header::ACCEPT;

    fn answer(accept: Option<&str>, body: usize, lifetime: u64, received: Instant) -> Answer {
        Answer {
            variant: vec![(
                ACCEPT,
                accept.map(|value| HeaderValue::from_str(value).unwrap()),
            )],
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'7'; body]),
            received,
            initial_age: Duration::ZERO,
            lifetime: Duration::from_secs(lifetime),
        }
    }

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn every_byte_of_an_answer_is_counted_its_variant_included() {
        let now = Instant::now();
        let mut store = Store::new(1 << 20, Gauge::default());
        let key: Arc<str> = Arc::from("localhost /a");
        let long = "x".repeat(1000);
        let stored = answer(Some(&long), 10, 60, now);
        let expected = 10 + key.len() as u64 + "accept".len() as u64 + 1000 + ENTRY_OVERHEAD;
        assert_eq!(counted_bytes(&key, &stored), expected);
        assert_eq!(store.insert(&key, stored), Inserted::Stored { evicted: 0 });
        assert_eq!(store.held_bytes(), expected);
    }

    #[test]
    fn a_target_keeps_at_most_its_variants_least_recently_used_first() {
        let now = Instant::now();
        let mut store = Store::new(1 << 20, Gauge::default());
        let key: Arc<str> = Arc::from("localhost /a");
        for index in 0..MAX_VARIANTS {
            store.insert(&key, answer(Some(&format!("v{index}")), 10, 60, now));
        }
        let none = Acceptable::default();
        assert!(store.find(&key, &accepting("v0"), &none, now).is_some());
        let per_answer = store.held_bytes() / MAX_VARIANTS as u64;
        // v1 is now the least recently used.
        let inserted = store.insert(&key, answer(Some("v8"), 10, 60, now));
        assert_eq!(inserted, Inserted::Stored { evicted: 1 });
        assert!(store.find(&key, &accepting("v1"), &none, now).is_none());
        for kept in ["v0", "v2", "v8"] {
            assert!(
                store.find(&key, &accepting(kept), &none, now).is_some(),
                "{kept}"
            );
        }
        assert_eq!(store.held_bytes(), per_answer * MAX_VARIANTS as u64);
    }

    #[test]
    fn the_least_recently_used_targets_go_first() {
        let now = Instant::now();
        let none = Acceptable::default();
        let one = counted_bytes("k a", &answer(None, 100, 60, now));
        let mut store = Store::new(2 * one, Gauge::default());
        let keys: Vec<Arc<str>> = ["k a", "k b", "k c"].map(Arc::from).into();
        store.insert(&keys[0], answer(None, 100, 60, now));
        store.insert(&keys[1], answer(None, 100, 60, now));
        assert!(
            store
                .find(&keys[0], &HeaderMap::new(), &none, now)
                .is_some()
        );
        let inserted = store.insert(&keys[2], answer(None, 100, 60, now));
        assert_eq!(inserted, Inserted::Stored { evicted: 1 });
        assert!(
            store
                .find(&keys[1], &HeaderMap::new(), &none, now)
                .is_none()
        );
        assert_eq!(store.held_bytes(), 2 * one);
    }

    #[test]
    fn an_answer_still_being_sent_stays_counted_after_eviction() {
        let now = Instant::now();
        let none = Acceptable::default();
        let one = counted_bytes("k a", &answer(None, 100, 60, now));
        let mut store = Store::new(one, Gauge::default());
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("k a"), Arc::from("k b"));
        store.insert(&a, answer(None, 100, 60, now));
        let reader = store.find(&a, &HeaderMap::new(), &none, now).unwrap();
        // Evicting `a` frees nothing while it is read: `b` cannot fit.
        assert_eq!(
            store.insert(&b, answer(None, 100, 60, now)),
            Inserted::TooLarge
        );
        assert_eq!(store.held_bytes(), one);
        drop(reader);
        assert_eq!(store.held_bytes(), 0);
        assert!(matches!(
            store.insert(&b, answer(None, 100, 60, now)),
            Inserted::Stored { .. }
        ));
    }

    #[test]
    fn freshness_follows_the_given_clock() {
        let stored_at = Instant::now();
        let mut store = Store::new(1 << 20, Gauge::default());
        let key: Arc<str> = Arc::from("k a");
        store.insert(&key, answer(None, 10, 60, stored_at));
        let none = Acceptable::default();
        let at = |seconds| stored_at + Duration::from_secs(seconds);
        let no_older_than_10 = Acceptable {
            max_age: Some(Duration::from_secs(10)),
            ..Acceptable::default()
        };
        assert!(
            store
                .find(&key, &HeaderMap::new(), &no_older_than_10, at(10))
                .is_some()
        );
        assert!(
            store
                .find(&key, &HeaderMap::new(), &no_older_than_10, at(11))
                .is_none()
        );
        assert!(store.find(&key, &HeaderMap::new(), &none, at(59)).is_some());
        // Stale at 60 s: removed, and not found again even by a lenient
        // request.
        assert!(store.find(&key, &HeaderMap::new(), &none, at(60)).is_none());
        assert_eq!(store.held_bytes(), 0);
    }
}
