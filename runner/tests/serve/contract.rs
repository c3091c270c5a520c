use crate::support::Runner;

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

#[test]
fn the_contract_over_http() {
    let runner = Runner::start(&[]);
    runner
        .get("/api/v1/factorial?number=5")
        .assert(200, JSON, "{\"factorial\":120}\n");
    runner
        .get("/api/v1/factorial?number=0")
        .assert(200, JSON, "{\"factorial\":1}\n");
    let fifty =
        "{\"factorial\":30414093201713378043612608166064768844377641568960512000000000000}\n";
    runner
        .get("/api/v1/factorial?number=50")
        .assert(200, JSON, fifty);
    for target in ["/api/v1/factorial", "/api/v1/factorial?capsicum=5"] {
        runner
            .get(target)
            .assert(400, TEXT, "Please supply number parameter");
    }
    for value in ["-1", "0.2", "abc", ""] {
        let target = format!("/api/v1/factorial?number={value}");
        runner.get(&target).assert(400, TEXT, "Invalid value");
    }
    for target in ["/", "/api/v1/factorial/", "/anything"] {
        runner.get(target).assert(404, TEXT, "Not Found");
    }
    let too_large = "Number too large: the maximum is 100000";
    runner
        .get("/api/v1/factorial?number=100001")
        .assert(400, TEXT, too_large);
    runner.get("/healthz").assert(200, TEXT, "ok");
}

#[test]
fn methods_head_negotiation_and_caching_over_http() {
    let runner = Runner::start(&[]);
    let posted = runner.request(
        "POST",
        "/api/v1/factorial?number=5",
        &[("content-length", "0")],
    );
    posted.assert(405, TEXT, "Method Not Allowed");
    assert_eq!(posted.header("allow"), Some("GET, HEAD"));

    let get = runner.get("/api/v1/factorial?number=10");
    let head = runner.request("HEAD", "/api/v1/factorial?number=10", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for name in [
        "content-type",
        "content-length",
        "etag",
        "cache-control",
        "vary",
    ] {
        assert_eq!(head.header(name), get.header(name), "{name}");
    }

    let text = runner.request(
        "GET",
        "/api/v1/factorial?number=10",
        &[("accept", "text/plain")],
    );
    text.assert(200, TEXT, "3628800\n");

    let etag = get.header("etag").unwrap();
    let cached = runner.request(
        "GET",
        "/api/v1/factorial?number=10",
        &[("if-none-match", etag)],
    );
    assert_eq!(cached.status, 304);
    assert_eq!(cached.header("etag"), Some(etag));
    assert!(cached.body.is_empty());
}

#[test]
fn a_large_factorial_arrives_whole() {
    let runner = Runner::start(&[]);
    let reply = runner.get("/api/v1/factorial?number=100000");
    let digits = factorial_digits(&reply.body);
    assert_eq!(digits.len(), 456_574);
    assert!(digits.starts_with("28242294079603478742"));
    assert_eq!(digits.len() - digits.trim_end_matches('0').len(), 24_999);
}

#[test]
fn the_maximum_is_set_by_flag_or_environment() {
    let runner = Runner::start(&["--max-number", "12"]);
    runner.get("/api/v1/factorial?number=13").assert(
        400,
        TEXT,
        "Number too large: the maximum is 12",
    );
    runner
        .get("/api/v1/factorial?number=12")
        .assert(200, JSON, "{\"factorial\":479001600}\n");

    let mut command = crate::support::runner_command();
    command
        .env("FACTORIAL_MAX_NUMBER", "3")
        .env("FACTORIAL_LISTEN", "127.0.0.1:0")
        .env("FACTORIAL_COMPONENT", crate::support::component_path());
    let runner = Runner::spawn(command);
    runner.get("/api/v1/factorial?number=4").assert(
        400,
        TEXT,
        "Number too large: the maximum is 3",
    );
}

/// The digits inside `{"factorial":…}\n`.
fn factorial_digits(body: &[u8]) -> String {
    let text = std::str::from_utf8(body).unwrap();
    let digits = text
        .strip_prefix("{\"factorial\":")
        .and_then(|rest| rest.strip_suffix("}\n"));
    digits.expect("a factorial body").to_string()
}

#[test]
fn the_summary_over_http() {
    let runner = Runner::start(&["--max-number", "10"]);
    let body = concat!(
        "{\"number\":18446744073709551615,\"digits\":347382171305201285695,",
        "\"trailing_zeros\":4611686018427387890,",
        "\"leading_digits\":\"127051750565407845537435230097\",",
        "\"scientific\":\"1.27051750565407845537435230097e347382171305201285694\"}\n"
    );
    let reply = runner.get("/api/v1/factorial/summary?number=18446744073709551615");
    reply.assert(200, JSON, body);
    let head = runner.request(
        "HEAD",
        "/api/v1/factorial/summary?number=18446744073709551615",
        &[],
    );
    assert_eq!(
        head.header("content-length"),
        reply.header("content-length")
    );
    runner
        .get("/api/v1/factorial/summary?number=5&leading=1001")
        .assert(400, TEXT, "Invalid value");
    runner
        .get("/api/v1/factorial/summary?number=18446744073709551616")
        .assert(
            400,
            TEXT,
            "Number too large: the maximum is 18446744073709551615",
        );
}
