use crate::harness::{Reply, get, send, service, service_with_guest_env, service_with_options};

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

fn assert_reply(reply: &Reply, status: u16, content_type: &str, body: &str) {
    assert_eq!(reply.status, status, "status of {reply:?}");
    assert_eq!(
        reply.header("content-type"),
        Some(content_type),
        "{reply:?}"
    );
    assert_eq!(reply.body_text(), body);
    assert_eq!(
        reply.header("content-length"),
        Some(body.len().to_string().as_str())
    );
}

// Section 1: compatible with the original service.

#[tokio::test]
async fn five() {
    assert_reply(
        &get("/api/v1/factorial?number=5").await,
        200,
        JSON,
        "{\"factorial\":120}\n",
    );
}

#[tokio::test]
async fn zero() {
    assert_reply(
        &get("/api/v1/factorial?number=0").await,
        200,
        JSON,
        "{\"factorial\":1}\n",
    );
}

#[tokio::test]
async fn fifty() {
    let body =
        "{\"factorial\":30414093201713378043612608166064768844377641568960512000000000000}\n";
    assert_reply(&get("/api/v1/factorial?number=50").await, 200, JSON, body);
}

#[tokio::test]
async fn no_number_key() {
    for path in [
        "/api/v1/factorial",
        "/api/v1/factorial?capsicum=5",
        "/api/v1/factorial?",
    ] {
        assert_reply(
            &get(path).await,
            400,
            TEXT,
            "Please supply number parameter",
        );
    }
}

#[tokio::test]
async fn invalid_values() {
    for value in [
        "-1",
        "0.2",
        "abc",
        "",
        "1e3",
        "0x10",
        "1_000",
        "%EF%BC%95",
        "5%00",
    ] {
        let reply = get(&format!("/api/v1/factorial?number={value}")).await;
        assert_reply(&reply, 400, TEXT, "Invalid value");
    }
}

#[tokio::test]
async fn other_paths_are_not_found() {
    for path in [
        "/",
        "/api",
        "/api/v1/factorial/",
        "/API/v1/factorial?number=5",
        "/favicon.ico",
    ] {
        assert_reply(&get(path).await, 404, TEXT, "Not Found");
    }
}

#[tokio::test]
async fn the_query_is_form_urlencoded() {
    let cases = [
        ("number=+5+", "{\"factorial\":120}\n"),
        ("number=%35", "{\"factorial\":120}\n"),
        ("num%62er=5", "{\"factorial\":120}\n"),
        ("number=5&number=6", "{\"factorial\":120}\n"),
        ("x=1&number=3", "{\"factorial\":6}\n"),
    ];
    for (query, body) in cases {
        let reply = get(&format!("/api/v1/factorial?{query}")).await;
        assert_reply(&reply, 200, JSON, body);
    }
    for query in ["number=%zz", "number=%ff", "number=%C3%28", "number=%"] {
        let reply = get(&format!("/api/v1/factorial?{query}")).await;
        assert_reply(&reply, 400, TEXT, "Invalid value");
    }
}

#[tokio::test]
async fn the_number_grammar() {
    let accepted = [
        ("%09%0A7%20", 7),
        ("%2B5", 5),
        ("0005", 5),
        ("-0", 0),
        ("-000", 0),
    ];
    for (value, n) in accepted {
        let reply = get(&format!("/api/v1/factorial?number={value}")).await;
        let body = format!(
            "{{\"factorial\":{}}}\n",
            factorial::math::factorial_decimal(n)
        );
        assert_reply(&reply, 200, JSON, &body);
    }
}

// Section 2: beyond the original.

#[tokio::test]
async fn above_the_default_maximum() {
    let expected = "Number too large: the maximum is 300000";
    // The longest number an HTTP/1.1 request target can carry through the
    // `http` crate, which caps a URI just under 64 KiB.
    let huge = "9".repeat(60_000);
    for value in ["300001", "18446744073709551616", huge.as_str()] {
        let reply = get(&format!("/api/v1/factorial?number={value}")).await;
        assert_reply(&reply, 400, TEXT, expected);
    }
}

#[tokio::test]
async fn other_methods_are_not_allowed() {
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"] {
        let reply = send(&service(), method, "/api/v1/factorial?number=5", &[]).await;
        assert_reply(&reply, 405, TEXT, "Method Not Allowed");
        assert_eq!(reply.header("allow"), Some("GET, HEAD"));
    }
}

#[tokio::test]
async fn head_has_the_headers_of_get_and_no_body() {
    let paths = [
        "/api/v1/factorial?number=5",
        "/api/v1/factorial?number=1000",
        "/api/v1/factorial?number=abc",
        "/api/v1/factorial",
        "/nowhere",
        "/healthz",
    ];
    for path in paths {
        let full = get(path).await;
        let head = send(&service(), "HEAD", path, &[]).await;
        assert_eq!(head.status, full.status, "{path}");
        assert_eq!(head.headers, full.headers, "{path}");
        assert!(head.body.is_empty(), "{path}");
        assert_eq!(
            head.header("content-length"),
            Some(full.body.len().to_string().as_str())
        );
    }
}

#[tokio::test]
async fn health() {
    assert_reply(&get("/healthz").await, 200, TEXT, "ok");
}

#[tokio::test]
async fn text_when_preferred() {
    let cases = [
        ("text/plain", true),
        ("text/plain, application/json", true),
        ("application/json, text/plain", false),
        ("application/json;q=0.5, text/plain;q=0.8", true),
        ("text/plain;q=0.2, */*", false),
        ("image/png", false),
    ];
    for (accept, text) in cases {
        let reply = send(
            &service(),
            "GET",
            "/api/v1/factorial?number=5",
            &[("accept", accept)],
        )
        .await;
        if text {
            assert_reply(&reply, 200, TEXT, "120\n");
        } else {
            assert_reply(&reply, 200, JSON, "{\"factorial\":120}\n");
        }
    }
}

#[tokio::test]
async fn a_result_is_cacheable_for_good() {
    let json = get("/api/v1/factorial?number=7").await;
    let text = send(
        &service(),
        "GET",
        "/api/v1/factorial?number=7",
        &[("accept", "text/plain")],
    )
    .await;
    for reply in [&json, &text] {
        assert_eq!(
            reply.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(reply.header("vary"), Some("Accept"));
        let etag = reply.header("etag").unwrap();
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "a strong ETag: {etag}"
        );
    }
    let other_n = get("/api/v1/factorial?number=8").await;
    assert_ne!(json.header("etag"), text.header("etag"));
    assert_ne!(json.header("etag"), other_n.header("etag"));
    assert_eq!(
        json.header("etag"),
        get("/api/v1/factorial?number=007").await.header("etag")
    );
}

#[tokio::test]
async fn a_matching_etag_is_not_modified() {
    let first = get("/api/v1/factorial?number=9").await;
    let etag = first.header("etag").unwrap();
    for if_none_match in [
        etag.to_string(),
        format!("W/{etag}"),
        format!("\"x\", {etag}"),
        "*".into(),
    ] {
        for method in ["GET", "HEAD"] {
            let headers = [("if-none-match", if_none_match.as_str())];
            let reply = send(&service(), method, "/api/v1/factorial?number=9", &headers).await;
            assert_eq!(reply.status, 304);
            assert!(reply.body.is_empty());
            assert_eq!(reply.header("etag"), Some(etag));
            assert_eq!(reply.header("cache-control"), first.header("cache-control"));
            assert_eq!(reply.header("vary"), Some("Accept"));
        }
    }
    let stale = [("if-none-match", "\"factorial-8-json\"")];
    let reply = send(&service(), "GET", "/api/v1/factorial?number=9", &stale).await;
    assert_eq!(reply.status, 200);
}

// Section 3: limits and configuration.

#[tokio::test]
async fn the_maximum_is_configurable() {
    let service = service_with_options(&["--max-number", "20"]);
    let reply = send(&service, "GET", "/api/v1/factorial?number=21", &[]).await;
    assert_reply(&reply, 400, TEXT, "Number too large: the maximum is 20");
    let reply = send(&service, "GET", "/api/v1/factorial?number=20", &[]).await;
    assert_reply(&reply, 200, JSON, "{\"factorial\":2432902008176640000}\n");
}

#[tokio::test]
async fn an_unusable_maximum_is_an_error_on_the_first_request() {
    let service = service_with_guest_env(&[("FACTORIAL_MAX_NUMBER", "lots")]);
    let reply = send(&service, "GET", "/api/v1/factorial?number=5", &[]).await;
    assert_eq!(reply.status, 500);
    assert!(
        reply.body_text().contains("FACTORIAL_MAX_NUMBER=\"lots\""),
        "{}",
        reply.body_text()
    );
}

#[tokio::test]
async fn a_large_body_is_written_within_the_hosts_budget() {
    // wasmtime traps a guest that writes more than `check-write` allows, so
    // a whole body under a small budget shows the writes were chunked.
    let service = service_with_options(&["--body-chunk-size", "1000"]);
    let reply = send(&service, "GET", "/api/v1/factorial?number=20000", &[]).await;
    let body = format!(
        "{{\"factorial\":{}}}\n",
        factorial::math::factorial_decimal(20000)
    );
    assert_reply(&reply, 200, JSON, &body);
}

#[tokio::test]
async fn hostile_requests_get_4xx_not_a_crash() {
    let paths = [
        "/api/v1/factorial?number=%",
        "/api/v1/factorial?number=%%%%",
        "/api/v1/factorial?=&=&number",
        "/api/v1/factorial?number=-99999999999999999999999",
        "/api/v1/factorial?number=%F0%9F%92%A9",
        "/api/v1/factorial?number=1%0D%0A",
        "/api/v1/factorial?number=%2B%2D5",
        "/api/v1/factorial?number=5&number=%zz",
        "/api/v1/factorial?number=%zz&number=5",
    ];
    for path in paths {
        let reply = get(path).await;
        assert!(
            (400..500).contains(&reply.status) || reply.status == 200,
            "{path}: {reply:?}"
        );
    }
    assert_eq!(get("/healthz").await.status, 200, "still serving");
}

// Section 5: the summary of n! for any 64-bit n.

const SUMMARY_100000: &str = concat!(
    "{\"number\":100000,\"digits\":456574,\"trailing_zeros\":24999,",
    "\"leading_digits\":\"282422940796034787429342157802\",",
    "\"scientific\":\"2.82422940796034787429342157802e456573\"}\n"
);

#[tokio::test]
async fn summaries() {
    let cases = [
        ("number=100000", SUMMARY_100000),
        (
            "number=0",
            concat!(
                "{\"number\":0,\"digits\":1,\"trailing_zeros\":0,",
                "\"leading_digits\":\"1\",\"scientific\":\"1e0\"}\n"
            ),
        ),
        (
            "number=25&leading=1000",
            concat!(
                "{\"number\":25,\"digits\":26,\"trailing_zeros\":6,",
                "\"leading_digits\":\"15511210043330985984000000\",",
                "\"scientific\":\"1.5511210043330985984000000e25\"}\n"
            ),
        ),
        (
            "number=1000000000000000000",
            concat!(
                "{\"number\":1000000000000000000,\"digits\":17565705518096748182,",
                "\"trailing_zeros\":249999999999999995,",
                "\"leading_digits\":\"559707356731039518045078190084\",",
                "\"scientific\":\"5.59707356731039518045078190084e17565705518096748181\"}\n"
            ),
        ),
        (
            "number=18446744073709551615&leading=1",
            concat!(
                "{\"number\":18446744073709551615,\"digits\":347382171305201285695,",
                "\"trailing_zeros\":4611686018427387890,",
                "\"leading_digits\":\"1\",\"scientific\":\"1e347382171305201285694\"}\n"
            ),
        ),
    ];
    for (query, body) in cases {
        let reply = get(&format!("/api/v1/factorial/summary?{query}")).await;
        assert_reply(&reply, 200, JSON, body);
    }
}

#[tokio::test]
async fn a_summary_with_a_thousand_leading_digits_matches_the_factorial() {
    let reply = get("/api/v1/factorial/summary?number=5000&leading=1000").await;
    let digits = factorial::math::factorial_decimal(5000);
    let body = format!(
        "{{\"number\":5000,\"digits\":16326,\"trailing_zeros\":1249,\
         \"leading_digits\":\"{}\",\"scientific\":\"{}.{}e16325\"}}\n",
        &digits[..1000],
        &digits[..1],
        &digits[1..1000]
    );
    assert_reply(&reply, 200, JSON, &body);
}

#[tokio::test]
async fn summary_errors() {
    let missing = "Please supply number parameter";
    for query in ["", "?leading=5", "?capsicum=5"] {
        let reply = get(&format!("/api/v1/factorial/summary{query}")).await;
        assert_reply(&reply, 400, TEXT, missing);
    }
    let invalid = [
        "number=-1",
        "number=0.2",
        "number=abc",
        "number=",
        "number=%zz",
        "number=5&leading=0",
        "number=5&leading=1001",
        "number=5&leading=18446744073709551616",
        "number=5&leading=-1",
        "number=5&leading=",
        "number=5&leading=1e3",
    ];
    for query in invalid {
        let reply = get(&format!("/api/v1/factorial/summary?{query}")).await;
        assert_reply(&reply, 400, TEXT, "Invalid value");
    }
    let too_large = "Number too large: the maximum is 18446744073709551615";
    let huge = "9".repeat(60_000);
    for value in ["18446744073709551616", huge.as_str()] {
        let reply = get(&format!("/api/v1/factorial/summary?number={value}")).await;
        assert_reply(&reply, 400, TEXT, too_large);
    }
    let reply = get("/api/v1/factorial/summary/?number=5").await;
    assert_reply(&reply, 404, TEXT, "Not Found");
}

#[tokio::test]
async fn the_configured_maximum_does_not_limit_a_summary() {
    let service = service_with_options(&["--max-number", "20"]);
    let reply = send(
        &service,
        "GET",
        "/api/v1/factorial/summary?number=100000",
        &[],
    )
    .await;
    assert_reply(&reply, 200, JSON, SUMMARY_100000);
}

#[tokio::test]
async fn a_summary_has_methods_and_caching_as_a_factorial() {
    let path = "/api/v1/factorial/summary?number=100000";
    for method in ["POST", "PUT", "DELETE"] {
        let reply = send(&service(), method, path, &[]).await;
        assert_reply(&reply, 405, TEXT, "Method Not Allowed");
        assert_eq!(reply.header("allow"), Some("GET, HEAD"));
    }
    let full = get(path).await;
    let head = send(&service(), "HEAD", path, &[]).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.headers, full.headers);
    assert!(head.body.is_empty());

    assert_eq!(
        full.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(full.header("vary"), Some("Accept"));
    let etag = full.header("etag").unwrap();
    let other_leading = get("/api/v1/factorial/summary?number=100000&leading=31").await;
    let other_n = get("/api/v1/factorial/summary?number=100001").await;
    let factorial = get("/api/v1/factorial?number=100000").await;
    for other in [&other_leading, &other_n, &factorial] {
        assert_ne!(other.header("etag"), Some(etag));
    }
    let same = get("/api/v1/factorial/summary?number=0100000&leading=30").await;
    assert_eq!(same.header("etag"), Some(etag));

    for method in ["GET", "HEAD"] {
        let reply = send(&service(), method, path, &[("if-none-match", etag)]).await;
        assert_eq!(reply.status, 304);
        assert!(reply.body.is_empty());
        assert_eq!(reply.header("etag"), Some(etag));
    }
}

/// The contract is silent on `Accept` here: a summary has no plain-text
/// form, so it stays JSON.
#[tokio::test]
async fn a_summary_is_json_whatever_the_accept_header() {
    let path = "/api/v1/factorial/summary?number=100000";
    for accept in ["text/plain", "application/json", "image/png"] {
        let reply = send(&service(), "GET", path, &[("accept", accept)]).await;
        assert_reply(&reply, 200, JSON, SUMMARY_100000);
    }
}
