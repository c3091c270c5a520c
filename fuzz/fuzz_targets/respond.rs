//! The router, `factorial::http::respond`: for any method, path, query,
//! `Accept` and `If-None-Match`, the answer is the contract's, and `HEAD`
//! gets exactly what `GET` gets (the glue then drops the body).
//!
//! Besides arbitrary text, the input can pick the known paths, a valid
//! `number` and `leading`, the two media types and a well-formed `ETag`, so
//! that 200s and 304s are common rather than left for the fuzzer to spell.
//! K stays below 256, where a summary costs microseconds, not milliseconds.

#![no_main]

use factorial::http::{FACTORIAL_PATH, HEALTH_PATH, Method, Request, SUMMARY_PATH, respond};
use factorial_fuzz::{CONFIG, check_response};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Verb {
    Get,
    Head,
    Other,
}

#[derive(Arbitrary, Debug)]
enum Path<'a> {
    Factorial,
    Summary,
    Health,
    Other(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Query<'a> {
    Absent,
    /// `BEFORE&number=PREFIX N SUFFIX[&leading=K]&AFTER`; for a factorial,
    /// N is taken up to a little above the maximum.
    Number {
        before: &'a str,
        prefix: &'a str,
        n: u64,
        suffix: &'a str,
        leading: Option<u8>,
        after: &'a str,
    },
    Other(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Accept<'a> {
    Absent,
    Text,
    Json,
    Other(&'a str),
}

#[derive(Arbitrary, Debug)]
enum IfNoneMatch<'a> {
    Absent,
    Any,
    /// `[W/]"factorial-N-json"`, `…-text"` or `[W/]"summary-N-30"`.
    Tag {
        weak: bool,
        n: u16,
        kind: TagKind,
    },
    Other(&'a str),
}

#[derive(Arbitrary, Debug)]
enum TagKind {
    Json,
    Text,
    Summary,
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    verb: Verb,
    path: Path<'a>,
    query: Query<'a>,
    accept: Accept<'a>,
    if_none_match: IfNoneMatch<'a>,
}

/// Up to 100 above the maximum, so that "too large" is common too.
fn small(n: u64) -> u64 {
    n % (CONFIG.max_number + 101)
}

fuzz_target!(|input: Input| {
    let (path, summary) = match input.path {
        Path::Factorial => (FACTORIAL_PATH, false),
        Path::Summary => (SUMMARY_PATH, true),
        Path::Health => (HEALTH_PATH, false),
        Path::Other(path) => (path, false),
    };
    let query = match input.query {
        Query::Absent => None,
        Query::Number {
            before,
            prefix,
            n,
            suffix,
            leading,
            after,
        } => {
            let n = if summary { n } else { small(n) };
            let leading = leading.map_or(String::new(), |k| format!("&leading={k}"));
            Some(format!(
                "{before}&number={prefix}{n}{suffix}{leading}&{after}"
            ))
        }
        Query::Other(query) => Some(query.to_string()),
    };
    let path_and_query = match query {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    let accept = match input.accept {
        Accept::Absent => None,
        Accept::Text => Some("text/plain"),
        Accept::Json => Some("application/json"),
        Accept::Other(accept) => Some(accept),
    };
    let if_none_match = match input.if_none_match {
        IfNoneMatch::Absent => None,
        IfNoneMatch::Any => Some("*".to_string()),
        IfNoneMatch::Tag { weak, n, kind } => {
            let n = small(n.into());
            let tag = match kind {
                TagKind::Json => format!("factorial-{n}-json"),
                TagKind::Text => format!("factorial-{n}-text"),
                TagKind::Summary => format!("summary-{n}-30"),
            };
            Some(format!("{}\"{tag}\"", if weak { "W/" } else { "" }))
        }
        IfNoneMatch::Other(header) => Some(header.to_string()),
    };
    let method = match input.verb {
        Verb::Get => Method::Get,
        Verb::Head => Method::Head,
        Verb::Other => Method::Other,
    };
    let request = Request {
        method,
        path_and_query: &path_and_query,
        accept,
        if_none_match: if_none_match.as_deref(),
    };
    let response = respond(&request, &CONFIG);
    check_response(&request, &response, &CONFIG);
    if method == Method::Head {
        let get = Request {
            method: Method::Get,
            ..request
        };
        let get = respond(&get, &CONFIG);
        assert_eq!(
            (response.status, &response.headers, &response.body),
            (get.status, &get.headers, &get.body)
        );
    }
});
