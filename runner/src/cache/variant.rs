//! What an answer varies on: the request headers its `Vary` names, and the
//! values a request had for them (RFC 9111 §4.1). A value is kept only up
//! to a length, and compared in place, so that neither what a target holds
//! nor what a lookup costs grows with what clients send.

use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};

use super::policy;

/// The longest value of a header an answer varies on that the cache stores
/// an answer for. A browser's `Accept` is under 200 bytes; a longer value
/// is answered but its answer not stored, so that no client makes one
/// stored answer hold kilobytes of its headers.
pub(crate) const MAX_VARY_VALUE_BYTES: usize = 1024;

/// The values of the request headers an answer varies on, as the request
/// that got it had them.
pub(crate) type Variant = Vec<(HeaderName, Option<HeaderValue>)>;

/// The variant a request with `request` headers gets an answer with
/// `response` headers as; `Err` when a value is too long to keep.
pub(crate) fn variant_of(response: &HeaderMap, request: &HeaderMap) -> Result<Variant, TooLong> {
    vary_names(response)
        .into_iter()
        .map(|name| {
            let value = vary_value(request, &name)?;
            Ok((name, value))
        })
        .collect()
}

/// The names `Vary` lists, lowercased; names that are not header names are
/// left out.
fn vary_names(headers: &HeaderMap) -> Vec<HeaderName> {
    policy::list(headers, &header::VARY)
        .filter_map(|name| HeaderName::from_bytes(name).ok())
        .collect()
}

/// All of a request header's values as one, comma-separated, as a stored
/// answer's variant keeps it; `Err` when longer than
/// [`MAX_VARY_VALUE_BYTES`].
fn vary_value(headers: &HeaderMap, name: &HeaderName) -> Result<Option<HeaderValue>, TooLong> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let mut combined = first.as_bytes().to_vec();
    for value in values {
        combined.extend_from_slice(b", ");
        combined.extend_from_slice(value.as_bytes());
        if combined.len() > MAX_VARY_VALUE_BYTES {
            break;
        }
    }
    if combined.len() > MAX_VARY_VALUE_BYTES {
        return Err(TooLong);
    }
    Ok(HeaderValue::from_bytes(&combined).ok())
}

/// A header value an answer varies on is longer than
/// [`MAX_VARY_VALUE_BYTES`]: the answer is not stored for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong;

/// Whether a request with `headers` gets the answer stored for `variant`:
/// the headers the answer varies on have the values they had (RFC 9111
/// §4.1). Compared in place, value by value, so a lookup allocates nothing
/// and reads no more of a header than the stored value's length.
pub(crate) fn matches(variant: &Variant, headers: &HeaderMap) -> bool {
    variant.iter().all(|(name, stored)| {
        let mut values = headers.get_all(name).iter();
        let Some(stored) = stored else {
            return values.next().is_none();
        };
        let mut rest = stored.as_bytes();
        let mut any = false;
        for value in values {
            if any {
                let Some(after) = rest.strip_prefix(b", ") else {
                    return false;
                };
                rest = after;
            }
            let Some(after) = rest.strip_prefix(value.as_bytes()) else {
                return false;
            };
            rest = after;
            any = true;
        }
        any && rest.is_empty()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCEPT: HeaderName = header::ACCEPT;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn a_variant_keeps_the_values_of_the_headers_vary_names() {
        let mut response = HeaderMap::new();
        response.insert(
            header::VARY,
            HeaderValue::from_static("Accept, \"x\", Accept-Language"),
        );
        let mut request = accepting("text/plain");
        request.append(ACCEPT, HeaderValue::from_static("*/*"));
        let variant = variant_of(&response, &request).unwrap();
        assert_eq!(
            variant,
            [
                (ACCEPT, Some(HeaderValue::from_static("text/plain, */*"))),
                (header::ACCEPT_LANGUAGE, None)
            ]
        );
        assert!(matches(&variant, &request));
    }

    #[test]
    fn a_long_vary_value_is_refused() {
        let accept = ACCEPT;
        let mut short = accepting("text/plain");
        short.append(ACCEPT, HeaderValue::from_static("*/*"));
        assert_eq!(
            vary_value(&short, &accept),
            Ok(Some(HeaderValue::from_static("text/plain, */*")))
        );
        assert_eq!(vary_value(&HeaderMap::new(), &accept), Ok(None));
        let mut long = HeaderMap::new();
        let value = "a".repeat(MAX_VARY_VALUE_BYTES + 1);
        long.insert(&accept, HeaderValue::from_str(&value).unwrap());
        assert_eq!(vary_value(&long, &accept), Err(TooLong));
    }

    #[test]
    fn variants_match_by_the_values_the_request_had() {
        let variant: Variant = vec![(ACCEPT, Some(HeaderValue::from_static("a, b")))];
        let mut split = HeaderMap::new();
        split.append(ACCEPT, HeaderValue::from_static("a"));
        split.append(ACCEPT, HeaderValue::from_static("b"));
        assert!(matches(&variant, &split));
        assert!(matches(&variant, &accepting("a, b")));
        assert!(!matches(&variant, &accepting("a")));
        assert!(!matches(&variant, &accepting("a, b, c")));
        assert!(!matches(&variant, &HeaderMap::new()));
        let absent: Variant = vec![(ACCEPT, None)];
        assert!(matches(&absent, &HeaderMap::new()));
        assert!(!matches(&absent, &accepting("a")));
        let empty: Variant = vec![(ACCEPT, Some(HeaderValue::from_static("")))];
        assert!(matches(&empty, &accepting("")));
        assert!(!matches(&empty, &HeaderMap::new()));
    }
}
