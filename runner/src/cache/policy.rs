//! The header rules of RFC 9111 that the cache follows, as pure functions of
//! headers and durations: which answers may be stored and for how long,
//! what a request's own `Cache-Control` asks of a stored answer, `Vary`,
//! and `If-None-Match`. No clock is read here, so every rule is tested with
//! the ages it is given.

use std::time::Duration;

use hyper::StatusCode;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};

/// How a request's `Cache-Control` (or `Pragma`) lets a stored answer be
/// used (RFC 9111 §5.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestRule {
    /// Neither look up nor store: `no-store`, `no-cache`, `Pragma:
    /// no-cache`, or credentials.
    Bypass,
    /// Use a stored answer that satisfies these bounds, else compute (or,
    /// with `only_if_cached`, answer 504).
    Lookup(Acceptable),
}

/// The bounds a request puts on the stored answers it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Acceptable {
    /// `max-age`: no older than this.
    pub max_age: Option<Duration>,
    /// `min-fresh`: still fresh for at least this long.
    pub min_fresh: Duration,
    /// `only-if-cached`: never compute; 504 when nothing stored will do.
    pub only_if_cached: bool,
}

impl Acceptable {
    /// Whether an answer of `age`, fresh for `lifetime`, meets the bounds.
    /// `max-stale` is not among them: the cache never keeps a stale answer,
    /// so it has none to offer.
    pub fn accepts(&self, age: Duration, lifetime: Duration) -> bool {
        age < lifetime
            && self.max_age.is_none_or(|max_age| age <= max_age)
            && lifetime - age >= self.min_fresh
    }
}

/// What a request's headers let the cache do for it.
pub(crate) fn request_rule(headers: &HeaderMap) -> RequestRule {
    if headers.contains_key(header::AUTHORIZATION) {
        return RequestRule::Bypass;
    }
    let directives = directives(headers);
    if directives.is_empty() {
        let pragma_no_cache =
            list(headers, &header::PRAGMA).any(|value| value.eq_ignore_ascii_case(b"no-cache"));
        return if pragma_no_cache {
            RequestRule::Bypass
        } else {
            RequestRule::Lookup(Acceptable::default())
        };
    }
    let mut acceptable = Acceptable::default();
    for (name, value) in &directives {
        match name.as_str() {
            "no-store" | "no-cache" => return RequestRule::Bypass,
            "max-age" => acceptable.max_age = seconds(value.as_deref()),
            "min-fresh" => acceptable.min_fresh = seconds(value.as_deref()).unwrap_or_default(),
            "only-if-cached" => acceptable.only_if_cached = true,
            _ => {}
        }
    }
    RequestRule::Lookup(acceptable)
}

/// How long an answer to a `GET` with `status` and `headers` may be stored
/// and served, or `None` when it may not be: it must be a 200 with an
/// explicit lifetime (`s-maxage`, else `max-age`), and no `no-store`,
/// `no-cache`, `private`, `Set-Cookie` or `Vary: *` (RFC 9111 §3). `Expires`
/// is not read: without `max-age` an answer is not stored.
pub(crate) fn lifetime(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    if status != StatusCode::OK || headers.contains_key(header::SET_COOKIE) {
        return None;
    }
    if list(headers, &header::VARY).any(|name| name == b"*") {
        return None;
    }
    let directives = directives(headers);
    if directives
        .iter()
        .any(|(name, _)| matches!(name.as_str(), "no-store" | "no-cache" | "private"))
    {
        return None;
    }
    let find = |wanted: &str| {
        directives
            .iter()
            .find(|(name, _)| name == wanted)
            .and_then(|(_, value)| seconds(value.as_deref()))
    };
    find("s-maxage")
        .or_else(|| find("max-age"))
        .filter(|lifetime| !lifetime.is_zero())
}

/// Whether the request's `If-None-Match` names `etag`, by the weak
/// comparison (RFC 9110 §13.1.2).
pub(crate) fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let weak = |tag: &[u8]| -> Vec<u8> { tag.strip_prefix(b"W/").unwrap_or(tag).to_vec() };
    let etag = weak(etag.as_bytes());
    list(headers, &header::IF_NONE_MATCH).any(|tag| tag == b"*" || weak(tag) == etag)
}

/// The `Cache-Control` directives, names lowercased, values unquoted.
fn directives(headers: &HeaderMap) -> Vec<(String, Option<String>)> {
    list(headers, &header::CACHE_CONTROL)
        .filter_map(|directive| std::str::from_utf8(directive).ok())
        .map(|directive| match directive.split_once('=') {
            Some((name, value)) => (
                name.trim().to_ascii_lowercase(),
                Some(unquote(value.trim()).to_string()),
            ),
            None => (directive.to_ascii_lowercase(), None),
        })
        .collect()
}

/// A directive's value as whole seconds (RFC 9111 §1.2.2: a value too
/// large is the largest one).
fn seconds(value: Option<&str>) -> Option<Duration> {
    let value = value?;
    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)))
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|value| value.strip_suffix('"'))
        .unwrap_or(value)
}

/// The members of a header's comma-separated lists, across all its lines,
/// trimmed, empty ones left out. A comma inside a quoted string (an entity
/// tag, a directive's quoted value) does not separate (RFC 9110 §5.6.1).
pub(crate) fn list<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> impl Iterator<Item = &'a [u8]> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| split_list(value.as_bytes()))
        .map(<[u8]>::trim_ascii)
        .filter(|member| !member.is_empty())
}

fn split_list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut quoted = false;
    let mut escaped = false;
    value.split(move |&byte| {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b',' if !quoted => return true,
            _ => {}
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn stores_only_what_its_headers_allow() {
        let lifetime_of = |pairs: &[(&'static str, &'static str)]| {
            lifetime(StatusCode::OK, &headers(pairs)).map(|lifetime| lifetime.as_secs())
        };
        let year = "public, max-age=31536000, immutable";
        assert_eq!(lifetime_of(&[("cache-control", year)]), Some(31_536_000));
        assert_eq!(
            lifetime_of(&[("cache-control", "max-age=60, s-maxage=\"5\"")]),
            Some(5)
        );
        assert_eq!(
            lifetime_of(&[("cache-control", "max-age=99999999999999999999999")]),
            Some(u64::MAX)
        );
        assert_eq!(lifetime_of(&[]), None);
        assert_eq!(lifetime_of(&[("cache-control", "public")]), None);
        assert_eq!(lifetime_of(&[("cache-control", "max-age=0")]), None);
        assert_eq!(lifetime_of(&[("cache-control", "max-age=-5")]), None);
        for refused in [
            "no-store, max-age=60",
            "private, max-age=60",
            "max-age=60, No-Cache",
        ] {
            assert_eq!(
                lifetime_of(&[("cache-control", refused)]),
                None,
                "{refused}"
            );
        }
        assert_eq!(
            lifetime_of(&[("cache-control", year), ("set-cookie", "a=b")]),
            None
        );
        assert_eq!(
            lifetime_of(&[("cache-control", year), ("vary", "Accept, *")]),
            None
        );
        let not_ok = lifetime(StatusCode::NOT_FOUND, &headers(&[("cache-control", year)]));
        assert_eq!(not_ok, None);
    }

    #[test]
    fn a_comma_inside_quotes_does_not_split_a_list() {
        // Without quoting rules, `no-cache="a` would be read as a directive
        // and `b"` as another.
        let quoted = headers(&[("cache-control", "private=\"a, b\", max-age=60")]);
        assert_eq!(
            directives(&quoted),
            [
                ("private".to_string(), Some("a, b".to_string())),
                ("max-age".to_string(), Some("60".to_string()))
            ]
        );
        let etag = HeaderValue::from_static("\"x,y\"");
        assert!(none_match(
            &headers(&[("if-none-match", "\"a\", \"x,y\"")]),
            &etag
        ));
        assert!(!none_match(&headers(&[("if-none-match", "\"x\"")]), &etag));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let etag = HeaderValue::from_static("\"abc\"");
        let request = |value| headers(&[("if-none-match", value)]);
        assert!(none_match(&request("\"x\", W/\"abc\""), &etag));
        assert!(none_match(&request("*"), &etag));
        assert!(!none_match(&request("\"abcd\""), &etag));
        assert!(!none_match(&HeaderMap::new(), &etag));
    }

    #[test]
    fn requests_can_keep_the_cache_out() {
        for pairs in [
            &[("authorization", "Basic eA==")][..],
            &[("cache-control", "no-cache")],
            &[("cache-control", "max-age=5, No-Store")],
            &[("pragma", "no-cache")],
        ] {
            assert_eq!(
                request_rule(&headers(pairs)),
                RequestRule::Bypass,
                "{pairs:?}"
            );
        }
        // `Pragma` counts only without `Cache-Control` (RFC 9111 §5.4).
        let both = headers(&[("pragma", "no-cache"), ("cache-control", "max-age=5")]);
        assert!(matches!(request_rule(&both), RequestRule::Lookup(_)));
    }

    #[test]
    fn request_directives_bound_the_answers_accepted() {
        let rule = |value| match request_rule(&headers(&[("cache-control", value)])) {
            RequestRule::Lookup(acceptable) => acceptable,
            RequestRule::Bypass => panic!("{value} bypassed"),
        };
        let seconds = Duration::from_secs;
        let year = seconds(31_536_000);
        assert!(Acceptable::default().accepts(seconds(100), year));
        assert!(!Acceptable::default().accepts(year, year));

        let max_age = rule("max-age=10");
        assert_eq!(max_age.max_age, Some(seconds(10)));
        assert!(max_age.accepts(seconds(10), year));
        assert!(!max_age.accepts(seconds(11), year));
        assert!(!rule("max-age=0").accepts(seconds(1), year));

        let min_fresh = rule("min-fresh=50");
        assert!(min_fresh.accepts(seconds(50), seconds(100)));
        assert!(!min_fresh.accepts(seconds(51), seconds(100)));

        // Stale answers are never kept, so `max-stale` offers nothing more.
        assert!(!rule("max-stale=1000").accepts(seconds(101), seconds(100)));

        assert!(rule("only-if-cached").only_if_cached);
        assert!(!rule("max-age=5").only_if_cached);
    }
}
