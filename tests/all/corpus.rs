use factorial_corpus::{Expected, ServedBy, Tally, cases};
use hyper::http::uri::PathAndQuery;

use crate::harness::{get, send, service};

/// Whether the harness, which sends an origin-form path through the `http`
/// crate, cannot build a request for `target`: the one reason a case may
/// skip the component.
fn unbuildable(target: &str) -> bool {
    !target.starts_with('/') || target.parse::<PathAndQuery>().is_err()
}

#[tokio::test]
async fn every_hostile_request_gets_the_contracts_answer() {
    let service = service();
    let mut tally = Tally::default();
    for case in cases() {
        if let Expected::Skip(reason) = case.expected(ServedBy::Component) {
            assert!(
                unbuildable(&case.target),
                "{case}: skipped ({reason}), yet the harness can send it"
            );
            tally.skip();
            continue;
        }
        let response = send(&service, &case.method, &case.target, &case.header_pairs()).await;
        tally.record(case.check(ServedBy::Component, &response));
    }
    tally.finish(ServedBy::Component);
    get("/api/v1/factorial?number=5").await.assert(
        200,
        "application/json",
        "{\"factorial\":120}\n",
    );
}
