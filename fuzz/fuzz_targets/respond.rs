//! The router, `factorial::http::respond`: for any method, path, query,
//! `Accept` and `If-None-Match`, the answer is the contract's, and `HEAD`
//! gets exactly what `GET` gets (the glue then drops the body).
//!
//! Besides arbitrary text, the input can pick the known paths, a valid
//! `number`, the two media types and a well-formed `ETag`, so that 200s and
//! 304s are common rather than left for the fuzzer to spell.

#![no_main]

use factorial::http::{FACTORIAL_PATH, HEALTH_PATH, Method, Request, respond};
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
    Health,
    Other(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Query<'a> {
    Absent,
    /// `BEFORE&number=PREFIX N SUFFIX&AFTER`, with N up to a little above
    /// the maximum.
    Number {
        before: &'a str,
        prefix: &'a str,
        n: u16,
        suffix: &'a str,
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
    /// `[W/]"factorial-N-json"` or `…-text"`.
    Tag {
        weak: bool,
        n: u16,
        text: bool,
    },
    Other(&'a str),
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
fn small(n: u16) -> u64 {
    u64::from(n) % (CONFIG.max_number + 101)
}

fuzz_target!(|input: Input| {
    let mut path_and_query = match input.path {
        Path::Factorial => FACTORIAL_PATH,
        Path::Health => HEALTH_PATH,
        Path::Other(path) => path,
    }
    .to_string();
    match input.query {
        Query::Absent => {}
        Query::Number {
            before,
            prefix,
            n,
            suffix,
            after,
        } => {
            let n = small(n);
            path_and_query += &format!("?{before}&number={prefix}{n}{suffix}&{after}");
        }
        Query::Other(query) => path_and_query += &format!("?{query}"),
    }
    let accept = match input.accept {
        Accept::Absent => None,
        Accept::Text => Some("text/plain"),
        Accept::Json => Some("application/json"),
        Accept::Other(accept) => Some(accept),
    };
    let if_none_match = match input.if_none_match {
        IfNoneMatch::Absent => None,
        IfNoneMatch::Any => Some("*".to_string()),
        IfNoneMatch::Tag { weak, n, text } => Some(format!(
            "{}\"factorial-{}-{}\"",
            if weak { "W/" } else { "" },
            small(n),
            if text { "text" } else { "json" }
        )),
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
    check_response(&request, &response);
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
