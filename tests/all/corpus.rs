use factorial_corpus::{Answer, Expected, Host, cases};
use hyper::http::uri::PathAndQuery;

use crate::harness::{Reply, get, send, service};

/// Whether the harness, which sends an origin-form path through the `http`
/// crate, cannot build a request for `target`: the one reason a case may
/// skip the component.
fn unbuildable(target: &str) -> bool {
    !target.starts_with('/') || target.parse::<PathAndQuery>().is_err()
}

fn answer(reply: Reply) -> Answer {
    let headers = reply.headers.iter().map(|(name, value)| {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        (name.to_string(), value)
    });
    Answer {
        status: reply.status,
        headers: headers.collect(),
        body: reply.body,
    }
}

#[tokio::test]
async fn every_hostile_request_gets_the_contracts_answer() {
    let service = service();
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    for case in cases() {
        if let Expected::Skip(reason) = case.expected(Host::Component) {
            assert!(
                unbuildable(&case.target),
                "{case}: skipped ({reason}), yet the harness can send it"
            );
            skipped += 1;
            continue;
        }
        let headers: Vec<_> = case
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let reply = send(&service, &case.method, &case.target, &headers).await;
        match case.check(Host::Component, &answer(reply)) {
            Ok(()) => passed += 1,
            Err(failure) => failures.push(failure),
        }
    }
    println!(
        "hostile corpus, component: {passed} passed, {} failed, {skipped} skipped",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let after = get("/api/v1/factorial?number=5").await;
    assert_eq!(
        (after.status, after.body_text()),
        (200, "{\"factorial\":120}\n"),
        "still serving"
    );
}
