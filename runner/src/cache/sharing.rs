//! Shared computations: concurrent misses for one target share one
//! computation.
//!
//! The first miss leads a shared computation: its request is computed, and
//! the answer recorded from the guest's side (`record`), so that requests arriving
//! meanwhile read the same recording, each at its own pace, once its head
//! shows that they may have it (a shared cache may store it, and their
//! request has the values of the headers it varies on). The leader finishes
//! when the guest is done: a whole answer is stored, and the sharing ends,
//! whoever reads it and however slowly; a leader that disconnects cancels
//! nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use hyper::StatusCode;
use hyper::header::{self, HeaderMap, HeaderName};

use super::Cache;
use super::policy;
use super::record::{Head, Recording, Shareable};
use super::store::{Answer, MAX_VARIANTS};
use super::variant;

/// Response headers a cache does not store: they describe one connection,
/// or the cache sets them itself on each answer.
const UNSTORED_HEADERS: [HeaderName; 6] = [
    header::CONNECTION,
    header::TRANSFER_ENCODING,
    header::TE,
    header::UPGRADE,
    header::CONTENT_LENGTH,
    header::AGE,
];

/// The recordings of computations being shared, by target: at most
/// [`MAX_VARIANTS`] each, one per variant being computed.
#[derive(Default)]
pub(crate) struct SharedComputations {
    by_target: HashMap<Arc<str>, Vec<Arc<Recording>>>,
}

impl SharedComputations {
    /// The recordings of `key` being shared.
    pub fn of(&self, key: &str) -> &[Arc<Recording>] {
        self.by_target.get(key).map_or(&[], Vec::as_slice)
    }

    /// A new recording of `key` to share, unless it has as many as it may.
    pub fn start(&mut self, key: &Arc<str>) -> Option<Arc<Recording>> {
        let flying = self.by_target.entry(key.clone()).or_default();
        if flying.len() >= MAX_VARIANTS {
            return None;
        }
        let recording = Arc::new(Recording::default());
        flying.push(recording.clone());
        Some(recording)
    }

    /// Ends the sharing of `recording`; nothing when it has ended already.
    pub fn end(&mut self, key: &str, recording: &Arc<Recording>) {
        let Some(flying) = self.by_target.get_mut(key) else {
            return;
        };
        flying.retain(|other| !Arc::ptr_eq(other, recording));
        if flying.is_empty() {
            self.by_target.remove(key);
        }
    }
}

/// The leading request's side of a shared computation: ends the sharing
/// when dropped, finished or
/// not.
pub struct Leader {
    cache: Arc<Cache>,
    key: Arc<str>,
    recording: Arc<Recording>,
    /// The leading request's headers, until its answer's head says which
    /// of them the answer varies on.
    request_headers: HeaderMap,
}

impl Leader {
    pub(crate) fn new(
        cache: Arc<Cache>,
        key: Arc<str>,
        recording: Arc<Recording>,
        request_headers: HeaderMap,
    ) -> Leader {
        Leader {
            cache,
            key,
            recording,
            request_headers,
        }
    }

    /// The recording every request sharing the computation reads.
    pub(crate) fn recording(&self) -> &Arc<Recording> {
        &self.recording
    }

    /// The head the guest set, and how others may share its answer: when a
    /// shared cache may store it, and no header it varies on is longer
    /// than [`variant::MAX_VARY_VALUE_BYTES`].
    pub(crate) fn head(&mut self, status: StatusCode, headers: HeaderMap) -> Head {
        let request_headers = std::mem::take(&mut self.request_headers);
        let shared = policy::lifetime(status, &headers).and_then(|lifetime| {
            let variant = variant::variant_of(&headers, &request_headers).ok()?;
            Some(Shareable { variant, lifetime })
        });
        Head {
            status,
            headers,
            shared,
        }
    }

    /// The guest is done and its body `whole` or not: a whole, shareable
    /// answer whose length is its `Content-Length` is stored, and the
    /// sharing ends, in one step, so that a request never finds neither.
    pub(crate) fn finish(self, whole: bool) {
        let answer = whole.then(|| self.answer()).flatten();
        self.cache
            .finish_sharing(&self.key, &self.recording, answer);
    }

    /// The recorded answer, as the store keeps it, if it may be kept.
    fn answer(&self) -> Option<Answer> {
        let Ok(head) = self.recording.head_now()? else {
            return None;
        };
        let Shareable { variant, lifetime } = head.shared.as_ref()?;
        let (chunks, length) = self.recording.body();
        if !has_declared_length(&head.headers, length) {
            return None;
        }
        let mut headers = head.headers.clone();
        let initial_age = headers
            .get(header::AGE)
            .and_then(|age| age.to_str().ok()?.parse().ok())
            .map_or(Duration::ZERO, Duration::from_secs);
        for name in UNSTORED_HEADERS {
            headers.remove(name);
        }
        Some(Answer {
            variant: variant.clone(),
            headers,
            body: concatenate(chunks, length),
            received: Instant::now(),
            initial_age,
            lifetime: *lifetime,
        })
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        self.cache.end_sharing(&self.key, &self.recording);
    }
}

/// Whether a body of `length` bytes is as long as its `Content-Length`, if
/// it has one: a body that is not is never stored, whatever its guest said.
fn has_declared_length(headers: &HeaderMap, length: u64) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .is_none_or(|declared| declared.as_bytes() == length.to_string().as_bytes())
}

fn concatenate(chunks: Vec<Bytes>, length: u64) -> Bytes {
    match <[Bytes; 1]>::try_from(chunks) {
        Ok([one]) => one,
        Err(chunks) => {
            let mut body = BytesMut::with_capacity(usize::try_from(length).unwrap_or(0));
            for chunk in chunks {
                body.extend_from_slice(&chunk);
            }
            body.freeze()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_shares_at_most_one_computation_per_variant_kept() {
        let mut shared = SharedComputations::default();
        let key: Arc<str> = Arc::from("k /");
        let started: Vec<_> = (0..MAX_VARIANTS)
            .map(|_| shared.start(&key).unwrap())
            .collect();
        assert!(shared.start(&key).is_none());
        assert_eq!(shared.of(&key).len(), MAX_VARIANTS);
        shared.end(&key, &started[3]);
        shared.end(&key, &started[3]);
        assert_eq!(shared.of(&key).len(), MAX_VARIANTS - 1);
        for recording in &started {
            shared.end(&key, recording);
        }
        assert!(shared.of(&key).is_empty());
        assert!(shared.by_target.is_empty());
    }

    #[test]
    fn a_body_is_kept_only_at_its_declared_length() {
        let mut headers = HeaderMap::new();
        assert!(has_declared_length(&headers, 7));
        headers.insert(header::CONTENT_LENGTH, 22.into());
        assert!(has_declared_length(&headers, 22));
        assert!(!has_declared_length(&headers, 21));
        assert!(!has_declared_length(&headers, 23));
    }

    #[test]
    fn chunks_are_joined_in_order() {
        let chunks = vec![Bytes::from_static(b"12"), Bytes::from_static(b"0\n")];
        assert_eq!(&concatenate(chunks, 4)[..], b"120\n");
        assert_eq!(&concatenate(vec![Bytes::from_static(b"1")], 1)[..], b"1");
        assert!(concatenate(Vec::new(), 0).is_empty());
    }
}
