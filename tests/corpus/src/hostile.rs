//! The hostile-request corpus of `hostile.txt`: requests meant to break the
//! query parser, the router or the host, each with the answer `docs/contract.md`
//! gives it. The component's tests send them to wasmtime in-process and the
//! runner's send them over raw TCP; both judge every answer with
//! [`Case::check`]. The file's header documents its format.

use std::fmt;

use crate::ReceivedResponse;

/// The corpus, compiled in so that both test binaries read the same text.
const CORPUS: &str = include_str!("../hostile.txt");

/// Where a request is answered. The two differ only in what reaches the
/// component: the runner refuses heads over its limits, and the in-process
/// harness cannot build some requests at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServedBy {
    /// The component in wasmtime, in-process (`tests/all`).
    Component,
    /// The runner binary over TCP (`runner/tests/serve`).
    Runner,
}

/// What a host must do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Answer with this status and exact body; for `HEAD`, the body of the
    /// `GET`, which only `Content-Length` shows.
    Answer {
        /// The status code.
        status: u16,
        /// The body, byte for byte.
        body: Vec<u8>,
    },
    /// Nothing: the in-process harness cannot build this request, for the
    /// reason given.
    Skip(String),
}

/// One request of the corpus and its expected answers.
#[derive(Debug, Clone)]
pub struct Case {
    /// The line of `hostile.txt` it comes from.
    pub line: usize,
    /// The method, as sent.
    pub method: String,
    /// The request target, as sent.
    pub target: String,
    /// Header names and values, in order; a name may repeat.
    pub headers: Vec<(String, String)>,
    component: Expected,
    runner: Expected,
}

/// How a host fared on the corpus.
#[derive(Debug, Default)]
pub struct Tally {
    passed: usize,
    skipped: usize,
    failures: Vec<String>,
}

impl Tally {
    /// Counts the outcome of one [`Case::check`].
    pub fn record(&mut self, checked: Result<(), String>) {
        match checked {
            Ok(()) => self.passed += 1,
            Err(failure) => self.failures.push(failure),
        }
    }

    /// Counts a case the host skips.
    pub fn skip(&mut self) {
        self.skipped += 1;
    }

    /// Prints the counts and panics with every failure, if there was one.
    pub fn finish(self, host: ServedBy) {
        println!(
            "hostile corpus, {host:?}: {} passed, {} failed, {} skipped",
            self.passed,
            self.failures.len(),
            self.skipped
        );
        assert!(self.failures.is_empty(), "{}", self.failures.join("\n"));
    }
}

/// Every case of the corpus, in file order. A malformed line panics with its
/// number: the corpus is checked on every run.
pub fn cases() -> Vec<Case> {
    parse(CORPUS).unwrap_or_else(|error| panic!("hostile.txt:{error}"))
}

fn parse(corpus: &str) -> Result<Vec<Case>, String> {
    corpus
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(index, line)| parse_case(index + 1, line).map_err(|e| format!("{}: {e}", index + 1)))
        .collect()
}

impl Case {
    /// The headers, borrowed, as the test clients take them.
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect()
    }

    /// What `host` must do with this request.
    pub fn expected(&self, host: ServedBy) -> &Expected {
        match host {
            ServedBy::Component => &self.component,
            ServedBy::Runner => &self.runner,
        }
    }

    /// Checks `answer` against this case's expectation for `host` and
    /// against what the contract asks of every answer: never a 5xx, an exact
    /// `Content-Length`, the body's `Content-Type`, `Allow` on a 405, and
    /// the validators on a 304. Says everything that is wrong at once.
    pub fn check(&self, host: ServedBy, answer: &ReceivedResponse) -> Result<(), String> {
        let Expected::Answer { status, body } = self.expected(host) else {
            return Err(format!("{self}: sent, yet to be skipped on {host:?}"));
        };
        let mut problems = Vec::new();
        if answer.status >= 500 {
            problems.push(format!("a server error, {}", answer.status));
        }
        if answer.status != *status {
            problems.push(format!("status {} instead of {status}", answer.status));
        }
        let sent: &[u8] = if self.method == "HEAD" || *status == 304 {
            b""
        } else {
            body
        };
        if answer.body != sent {
            problems.push(format!(
                "body {} instead of {}",
                shorten(&answer.body),
                shorten(sent)
            ));
        }
        if *status == 304 {
            for name in ["etag", "cache-control", "vary"] {
                if answer.header(name).is_none() {
                    problems.push(format!("no {name} on a 304"));
                }
            }
        } else {
            let length = body.len().to_string();
            if answer.header("content-length") != Some(length.as_str()) {
                problems.push(format!(
                    "content-length {:?} instead of {length}",
                    answer.header("content-length")
                ));
            }
        }
        if !body.is_empty() {
            let content_type = if body.starts_with(b"{") {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            if answer.header("content-type") != Some(content_type) {
                problems.push(format!(
                    "content-type {:?} instead of {content_type}",
                    answer.header("content-type")
                ));
            }
        }
        if *status == 405 && answer.header("allow") != Some("GET, HEAD") {
            problems.push(format!("allow {:?} on a 405", answer.header("allow")));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{self}: {}", problems.join("; ")))
        }
    }
}

/// `hostile.txt:LINE: METHOD TARGET`, with a long target cut short.
impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hostile.txt:{}: {} ", self.line, cut(&self.method))?;
        f.write_str(&cut(&self.target))
    }
}

/// The first 80 characters of `text` and its length when it is longer.
fn cut(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()),
        None => text.to_string(),
    }
}

fn shorten(body: &[u8]) -> String {
    format!("{:?}", cut(&String::from_utf8_lossy(body)))
}

/// One line: `METHOD TARGET | header | … | expectation | …`.
fn parse_case(line: usize, text: &str) -> Result<Case, String> {
    let mut fields = text.split(" | ");
    let request = fields.next().unwrap_or_default();
    let (method, target) = request
        .split_once(' ')
        .ok_or("the line must start with `METHOD TARGET`")?;
    let mut headers = Vec::new();
    let mut all_hosts = None;
    let mut component = None;
    let mut runner = None;
    for field in fields {
        match parse_expectation(field)? {
            Some((host, expected)) => {
                let slot = match host {
                    None => &mut all_hosts,
                    Some(ServedBy::Component) => &mut component,
                    Some(ServedBy::Runner) => &mut runner,
                };
                if slot.replace(expected).is_some() {
                    return Err(format!("a second expectation: {field}"));
                }
            }
            None if all_hosts.is_none() && component.is_none() && runner.is_none() => {
                headers.extend(parse_header(field)?);
            }
            None => return Err(format!("a header after an expectation: {field}")),
        }
    }
    let (component, runner) = match (all_hosts, component, runner) {
        (Some(expected), None, None) => (expected.clone(), expected),
        (None, Some(component), Some(runner)) => (component, runner),
        _ => return Err("one expectation for both hosts, or one for each, is needed".into()),
    };
    Ok(Case {
        line,
        method: expand(method),
        target: expand(target),
        headers,
        component,
        runner,
    })
}

/// `STATUS [BODY]`, `component …`, `runner …` or `component skip REASON`;
/// `None` when the field is not an expectation.
fn parse_expectation(field: &str) -> Result<Option<(Option<ServedBy>, Expected)>, String> {
    let (host, rest) = if let Some(rest) = field.strip_prefix("component ") {
        (Some(ServedBy::Component), rest)
    } else if let Some(rest) = field.strip_prefix("runner ") {
        (Some(ServedBy::Runner), rest)
    } else if starts_with_status(field) {
        (None, field)
    } else {
        return Ok(None);
    };
    if let Some(reason) = rest.strip_prefix("skip ") {
        if host != Some(ServedBy::Component) {
            return Err("only the component may skip: the runner gets raw bytes".into());
        }
        return Ok(Some((host, Expected::Skip(reason.to_string()))));
    }
    if !starts_with_status(rest) {
        return Err(format!("no status in {field:?}"));
    }
    let status: u16 = rest[..3].parse().map_err(|_| "a bad status")?;
    if !(100..500).contains(&status) {
        return Err(format!("{status}: the contract never answers 5xx"));
    }
    let body = rest.get(4..).map(unescape).transpose()?.unwrap_or_default();
    Ok(Some((
        host,
        Expected::Answer {
            status,
            body: body.into_bytes(),
        },
    )))
}

/// Three digits, then the end or a space.
fn starts_with_status(field: &str) -> bool {
    let bytes = field.as_bytes();
    bytes.len() >= 3
        && bytes[..3].iter().all(u8::is_ascii_digit)
        && bytes.get(3).is_none_or(|&b| b == b' ')
}

/// `name: value`, or `N*name: value` for N copies.
fn parse_header(field: &str) -> Result<Vec<(String, String)>, String> {
    let (copies, header) = match field.split_once('*') {
        Some((count, header)) if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) => {
            (count.parse().map_err(|_| "a bad count")?, header)
        }
        _ => (1, field),
    };
    let (name, value) = header
        .split_once(':')
        .ok_or_else(|| format!("neither a header nor an expectation: {field:?}"))?;
    let header = (name.trim().to_string(), expand(value.trim_start()));
    Ok(vec![header; copies])
}

/// Replaces each `{TEXT*N}` with N copies of TEXT; other braces stand for
/// themselves.
fn expand(text: &str) -> String {
    let mut expanded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        expanded.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let repetition = after.find('}').and_then(|close| {
            let (unit, count) = after[..close].rsplit_once('*')?;
            Some((unit, count.parse::<usize>().ok()?, close))
        });
        match repetition {
            Some((unit, count, close)) => {
                expanded.push_str(&unit.repeat(count));
                rest = &after[close + 1..];
            }
            None => {
                expanded.push('{');
                rest = after;
            }
        }
    }
    expanded.push_str(rest);
    expanded
}

/// A body: `\n` is a line feed and `\\` a backslash.
fn unescape(body: &str) -> Result<String, String> {
    let mut text = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => text.push('\n'),
            Some('\\') => text.push('\\'),
            other => return Err(format!("an unknown escape \\{other:?} in a body")),
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Expected {
        Expected::Answer {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_line_has_a_request_headers_and_expectations() {
        let case = parse_case(
            7,
            "GET /x?n={9*3} | accept: text/plain | 2*x-a: {ab*2} | 200 a \\\\ b\\n",
        )
        .unwrap();
        assert_eq!((case.line, case.method.as_str()), (7, "GET"));
        assert_eq!(case.target, "/x?n=999");
        let headers = [("accept", "text/plain"), ("x-a", "abab"), ("x-a", "abab")];
        let headers: Vec<_> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(case.headers, headers);
        assert_eq!(case.expected(ServedBy::Component), &answer(200, "a \\ b\n"));
        assert_eq!(case.expected(ServedBy::Runner), &answer(200, "a \\ b\n"));
    }

    #[test]
    fn hosts_may_expect_different_answers() {
        let case = parse_case(1, "GET /{a*9} | component skip too long | runner 431").unwrap();
        assert_eq!(
            case.expected(ServedBy::Component),
            &Expected::Skip("too long".into())
        );
        assert_eq!(case.expected(ServedBy::Runner), &answer(431, ""));
    }

    #[test]
    fn malformed_lines_are_refused() {
        for line in [
            "GET",
            "GET /x",
            "GET /x | 200 ok | 200 ok",
            "GET /x | component 200 ok",
            "GET /x | runner skip no reason to",
            "GET /x | 500 Internal Server Error",
            "GET /x | 200 ok | accept: text/plain",
            "GET /x | 200 \\t",
            "GET /x | no-colon | 200",
        ] {
            assert!(parse_case(1, line).is_err(), "{line}");
        }
    }

    #[test]
    fn braces_without_a_count_stand_for_themselves() {
        assert_eq!(expand("{5}{a*2}{*x}{b*"), "{5}aa{*x}{b*");
    }

    #[test]
    fn check_reports_every_difference() {
        let case = parse_case(3, "POST /api/v1/factorial | 405 Method Not Allowed").unwrap();
        let wrong = ReceivedResponse {
            status: 404,
            headers: vec![("content-length".into(), "9".into())],
            body: b"Not Found".to_vec(),
        };
        let error = case.check(ServedBy::Runner, &wrong).unwrap_err();
        for part in [
            "hostile.txt:3: POST /api/v1/factorial",
            "status 404 instead of 405",
            "body",
            "content-length",
            "content-type",
            "allow",
        ] {
            assert!(error.contains(part), "{part} in {error}");
        }
        let right = ReceivedResponse {
            status: 405,
            headers: vec![
                ("content-type".into(), "text/plain; charset=utf-8".into()),
                ("content-length".into(), "18".into()),
                ("allow".into(), "GET, HEAD".into()),
            ],
            body: b"Method Not Allowed".to_vec(),
        };
        assert_eq!(case.check(ServedBy::Runner, &right), Ok(()));
    }

    #[test]
    fn head_is_judged_by_the_length_of_the_get() {
        let case = parse_case(1, "HEAD /healthz | 200 ok").unwrap();
        let answer = ReceivedResponse {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/plain; charset=utf-8".into()),
                ("content-length".into(), "2".into()),
            ],
            body: Vec::new(),
        };
        assert_eq!(case.check(ServedBy::Component, &answer), Ok(()));
    }

    #[test]
    fn the_corpus_has_at_least_200_requests() {
        let cases = parse(CORPUS).unwrap();
        assert!(cases.len() >= 200, "{} cases", cases.len());
    }
}
