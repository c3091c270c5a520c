//! What the fuzz targets assert. The query target checks the query parser
//! against [`number_oracle`], the contract's number grammar written plainly
//! and apart from `factorial::http::query`. The respond target checks every
//! answer of the router with [`check_response`]: statuses, bodies and
//! headers as the contract spells them (a summary's trailing zeros by
//! Legendre's formula, its digits against n! itself for small n), and 304
//! exactly when `If-None-Match` names the `ETag`. Which representation `Accept` prefers
//! is taken from `negotiate`, whose unit tests cover it; the check is that
//! the answer's type, `ETag` and body all follow that choice. The oracle is
//! itself checked against the corpus (`tests/corpus`): it must accept the
//! contract's answer to every request there.

use factorial::config::Config;
use factorial::http::HttpError;
use factorial::http::negotiate::{Representation, preferred_representation};
use factorial::http::query::form_value;
use factorial::http::{FACTORIAL_PATH, HEALTH_PATH, Method, Request, Response, SUMMARY_PATH};
use factorial::math::factorial_decimal;

/// A maximum small enough that every accepted n is cheap to compute, twice,
/// on every input.
pub const CONFIG: Config = Config { max_number: 2000 };

/// The white space the grammar allows around a number.
const SPACE: &[char] = &[' ', '\t', '\n', '\x0b', '\x0c', '\r'];

/// The contract's grammar for `number` (section 1), as its sentences read:
/// optional white space, an optional sign, one or more ASCII digits,
/// optional white space; `-0` is 0, any other negative is invalid; above
/// `max` is too large. The value is accumulated in `u128`, saturating just
/// above `u64::MAX`, rather than trimmed and parsed as the parser does.
pub fn number_oracle(value: &str, max: u64) -> Result<u64, HttpError> {
    let core = value.trim_matches(SPACE);
    let (negative, digits) = match core.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, core.strip_prefix('+').unwrap_or(core)),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(HttpError::InvalidValue);
    }
    let cap = u128::from(u64::MAX) + 1;
    let n = digits.bytes().fold(0u128, |n, digit| {
        (n * 10 + u128::from(digit - b'0')).min(cap)
    });
    match (negative, n) {
        (true, 0) => Ok(0),
        (true, _) => Err(HttpError::InvalidValue),
        (false, n) if n <= u128::from(max) => Ok(n as u64),
        (false, _) => Err(HttpError::TooLarge { max }),
    }
}

/// `value` written as a form-urlencoded value: a space as `+` or `%20`,
/// `%`, `+` and `&` always as `%XX`, and any other character as itself
/// when `raw` says so, else as the `%XX` of each of its UTF-8 bytes.
pub fn form_encode(value: &str, mut raw: impl FnMut() -> bool) -> String {
    let mut encoded = String::with_capacity(value.len() * 3);
    for c in value.chars() {
        match c {
            ' ' if raw() => encoded.push('+'),
            '%' | '+' | '&' | ' ' => push_escaped(&mut encoded, c),
            _ if raw() => encoded.push(c),
            _ => push_escaped(&mut encoded, c),
        }
    }
    encoded
}

fn push_escaped(encoded: &mut String, c: char) {
    let mut utf8 = [0; 4];
    for byte in c.encode_utf8(&mut utf8).bytes() {
        encoded.push_str(&format!("%{byte:02X}"));
    }
}

/// Checks the router's answer to `request` against the contract, under
/// `config`; panics on any difference.
pub fn check_response(request: &Request, response: &Response, config: &Config) {
    let status = response.status;
    assert!(
        matches!(status, 200 | 304 | 400 | 404 | 405),
        "status {status} is not in the contract"
    );
    if status == 304 {
        assert!(response.body.is_empty(), "a 304 with a body");
        assert_eq!(response.header("content-length"), None);
    } else {
        let length = response.body.len().to_string();
        assert_eq!(response.header("content-length"), Some(length.as_str()));
    }
    let (path, query) = request
        .path_and_query
        .split_once('?')
        .unwrap_or((request.path_and_query, ""));
    match path {
        FACTORIAL_PATH | SUMMARY_PATH | HEALTH_PATH if request.method == Method::Other => {
            assert_text(response, 405, "Method Not Allowed");
            assert_eq!(response.header("allow"), Some("GET, HEAD"));
        }
        FACTORIAL_PATH => check_factorial(request, query, response, config),
        SUMMARY_PATH => check_summary(request, query, response),
        HEALTH_PATH => assert_text(response, 200, "ok"),
        _ => assert_text(response, 404, "Not Found"),
    }
}

/// `GET /api/v1/factorial`: the error the oracle expects, or n! in the
/// preferred representation.
fn check_factorial(request: &Request, query: &str, response: &Response, config: &Config) {
    let n = match number(query, config.max_number) {
        Ok(n) => n,
        Err(error) => return assert_text(response, 400, &contract_body(&error)),
    };
    // The ETag, type and body of each representation, spelled out rather
    // than taken from the code under test.
    let representation = preferred_representation(request.accept);
    let (tag, content_type) = match representation {
        Representation::Json => ("json", "application/json"),
        Representation::Text => ("text", "text/plain; charset=utf-8"),
    };
    let etag = format!("\"factorial-{n}-{tag}\"");
    // n! only for a 200: a 304 may name an n too large to compute cheaply.
    check_immutable(request, response, &etag, content_type, |body| {
        let digits = factorial_decimal(n);
        let expected = match representation {
            Representation::Json => format!("{{\"factorial\":{digits}}}\n"),
            Representation::Text => format!("{digits}\n"),
        };
        assert_eq!(body, expected);
    });
}

/// `GET /api/v1/factorial/summary`: the error the oracle expects, or the
/// summary of n! with K leading digits, JSON whatever `Accept` says.
fn check_summary(request: &Request, query: &str, response: &Response) {
    let (n, k) = match number(query, u64::MAX).and_then(|n| Ok((n, leading(query)?))) {
        Ok(summarised) => summarised,
        Err(error) => return assert_text(response, 400, &contract_body(&error)),
    };
    let etag = format!("\"summary-{n}-{k}\"");
    check_immutable(request, response, &etag, "application/json", |body| {
        check_summary_body(body, n, k);
    });
}

/// Below this n, a summary is checked against n! computed whole.
const SUMMARY_CHECKED_WHOLE: u64 = 3000;

/// `{"number":N,"digits":D,"trailing_zeros":Z,"leading_digits":"L","scientific":"S"}`
/// and a newline: keys in this order, Z by Legendre's formula, L the first
/// K digits (all D when fewer), S the same digits as `d.ddde(D-1)`; for
/// small n, D and L as n! has them.
fn check_summary_body(body: &str, n: u64, k: u64) {
    let fields = body
        .strip_prefix(&format!("{{\"number\":{n},\"digits\":"))
        .and_then(|rest| rest.strip_suffix("\"}\n"))
        .unwrap_or_else(|| panic!("not a summary of {n}: {body:?}"));
    let (digits, rest) = fields
        .split_once(",\"trailing_zeros\":")
        .expect("trailing_zeros");
    let (zeros, rest) = rest
        .split_once(",\"leading_digits\":\"")
        .expect("leading_digits");
    let (leading, scientific) = rest.split_once("\",\"scientific\":\"").expect("scientific");
    // More than 2^64 for n above about 10^18: n! has about n log10 n digits.
    let digits: u128 = digits.parse().expect("digits is a whole number");
    assert_eq!(zeros.parse::<u64>(), Ok(fives_in_factorial(n)), "{body}");
    assert_eq!(leading.len() as u128, u128::from(k).min(digits), "{body}");
    assert!(
        leading.bytes().all(|b| b.is_ascii_digit()) && !leading.starts_with('0'),
        "{body}"
    );
    let (first, rest) = leading.split_at(1);
    let mantissa = match rest {
        "" => first.to_string(),
        rest => format!("{first}.{rest}"),
    };
    assert_eq!(scientific, format!("{mantissa}e{}", digits - 1), "{body}");
    if n < SUMMARY_CHECKED_WHOLE {
        let whole = factorial_decimal(n);
        assert_eq!(digits, whole.len() as u128, "{body}");
        assert!(whole.starts_with(leading), "{body}");
    }
}

/// The trailing zeros of n!: its factors of 5, by Legendre's formula
/// (there are more factors of 2).
fn fives_in_factorial(n: u64) -> u64 {
    let (mut fives, mut multiple) = (0, n);
    while multiple >= 5 {
        multiple /= 5;
        fives += multiple;
    }
    fives
}

/// The `number` parameter as the oracle reads it, at most `max`.
fn number(query: &str, max: u64) -> Result<u64, HttpError> {
    match form_value(query, "number") {
        None => Err(HttpError::MissingNumber),
        Some(Err(_)) => Err(HttpError::InvalidValue),
        Some(Ok(value)) => number_oracle(&value, max),
    }
}

/// The summary's `leading` parameter: 30 when absent, else 1 to 1000 in the
/// grammar of `number`; anything else is invalid, never too large.
fn leading(query: &str) -> Result<u64, HttpError> {
    match form_value(query, "leading") {
        None => Ok(30),
        Some(value) => value
            .ok()
            .and_then(|value| number_oracle(&value, u64::MAX).ok())
            .filter(|k| (1..=1000).contains(k))
            .ok_or(HttpError::InvalidValue),
    }
}

/// A result that never changes: the caching headers, then 304 exactly when
/// `If-None-Match` names `etag`, else 200 of `content_type` with a body that
/// passes `check_body`.
fn check_immutable(
    request: &Request,
    response: &Response,
    etag: &str,
    content_type: &str,
    check_body: impl FnOnce(&str),
) {
    assert_eq!(response.header("etag"), Some(etag));
    assert_eq!(
        response.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(response.header("vary"), Some("Accept"));
    let (status, body) = status_and_body(response);
    if request
        .if_none_match
        .is_some_and(|header| names_etag(header, etag))
    {
        assert_eq!((status, body), (304, ""));
    } else {
        assert_eq!(status, 200);
        assert_eq!(response.header("content-type"), Some(content_type));
        check_body(body);
    }
}

/// Whether an `If-None-Match` header names `etag`: `*`, or any of its
/// comma-separated tags, `W/` dropped (RFC 9110's weak comparison).
fn names_etag(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|tag| {
        let opaque = tag.strip_prefix("W/").unwrap_or(tag);
        tag == "*" || opaque == etag
    })
}

/// The body docs/contract.md gives a 400, word for word.
fn contract_body(error: &HttpError) -> String {
    match error {
        HttpError::MissingNumber => "Please supply number parameter".into(),
        HttpError::InvalidValue => "Invalid value".into(),
        HttpError::TooLarge { max } => format!("Number too large: the maximum is {max}"),
        other => panic!("{other:?} is no 400 of the contract"),
    }
}

fn assert_text(response: &Response, status: u16, body: &str) {
    assert_eq!(status_and_body(response), (status, body));
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
}

fn status_and_body(response: &Response) -> (u16, &str) {
    let body = std::str::from_utf8(&response.body).expect("a UTF-8 body");
    (response.status, body)
}

#[cfg(test)]
mod tests {
    use factorial::http::respond;
    use factorial_corpus::{Case, Expected, ReceivedResponse, ServedBy, Tally, cases};

    use super::*;

    /// All the values of the header `name` in `case`, joined with commas,
    /// as the component's glue (`http::wasi`) hands them to the router.
    fn joined_header(case: &Case, name: &str) -> Option<String> {
        let values: Vec<&str> = case
            .headers
            .iter()
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    #[test]
    fn the_oracle_accepts_the_contracts_answer_to_every_corpus_request() {
        let config = Config::default();
        let mut tally = Tally::default();
        for case in cases() {
            if let Expected::Skip(_) = case.expected(ServedBy::Component) {
                tally.skip();
                continue;
            }
            let method = match case.method.as_str() {
                "GET" => Method::Get,
                "HEAD" => Method::Head,
                _ => Method::Other,
            };
            // HTTP parsers drop a fragment: the component never sees one.
            let path_and_query = case.target.split('#').next().unwrap_or_default();
            let accept = joined_header(&case, "accept");
            let if_none_match = joined_header(&case, "if-none-match");
            let request = Request {
                method,
                path_and_query,
                accept: accept.as_deref(),
                if_none_match: if_none_match.as_deref(),
            };
            let response = respond(&request, &config);
            let received = ReceivedResponse {
                status: response.status,
                headers: response
                    .headers
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.clone()))
                    .collect(),
                body: match method {
                    Method::Head => Vec::new(),
                    _ => response.body.clone(),
                },
            };
            tally.record(case.check(ServedBy::Component, &received));
            check_response(&request, &response, &config);
        }
        tally.finish(ServedBy::Component);
    }

    #[test]
    fn form_encoding_round_trips() {
        for value in ["", " 5 ", "a+b&c=d%", "é ٥\0"] {
            for raw in [true, false] {
                let query = format!("number={}&number=x", form_encode(value, || raw));
                assert_eq!(form_value(&query, "number"), Some(Ok(value.to_string())));
            }
        }
    }
}
