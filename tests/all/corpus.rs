use factorial_corpus::{Answer, Expected, Host, Tally, cases};
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
    let mut tally = Tally::default();
    for case in cases() {
        if let Expected::Skip(reason) = case.expected(Host::Component) {
            assert!(
                unbuildable(&case.target),
                "{case}: skipped ({reason}), yet the harness can send it"
            );
            tally.skip();
            continue;
        }
        let reply = send(&service, &case.method, &case.target, &case.header_pairs()).await;
        tally.record(case.check(Host::Component, &answer(reply)));
    }
    tally.finish(Host::Component);
    let after = get("/api/v1/factorial?number=5").await;
    assert_eq!(
        (after.status, after.body_text()),
        (200, "{\"factorial\":120}\n"),
        "still serving"
    );
}
