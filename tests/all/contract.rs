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
    let expected = "Number too large: the maximum is 100000";
    // The longest number an HTTP/1.1 request target can carry through the
    // `http` crate, which caps a URI just under 64 KiB.
    let huge = "9".repeat(60_000);
    for value in ["100001", "18446744073709551616", huge.as_str()] {
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
