use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{
    Runner, component_path, parse_response, read_until_closed, runner_command, send,
    test_guest_path,
};

/// A cache of 4 MiB: small, so that what escapes its bound shows.
const CACHE_BYTES: u64 = 4 << 20;

/// What the runner may grow by beyond the cache under the `Accept`
/// rotation: the allocator's arenas, the pool slots first used, hyper's
/// buffers.
const GROWTH_ALLOWANCE_KIB: u64 = 48 * 1024;

/// Sends a `GET` of `target` and leaves its answer unread.
fn ask(runner: &Runner, target: &str) -> TcpStream {
    let mut client = TcpStream::connect(runner.address).unwrap();
    write!(
        client,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    client
}

/// A request with an `Accept` of about `length` bytes, different for each
/// `seed`, that still negotiates JSON.
fn rotating_accept(seed: usize, length: usize) -> String {
    let prefix = format!("application/json, text/x-{seed}+");
    format!("{prefix}{}", "a".repeat(length - prefix.len()))
}

#[test]
fn rotating_accept_values_keep_memory_within_the_cache_bound() {
    let runner = Runner::start(&["--cache-bytes", &CACHE_BYTES.to_string()]);
    for n in 0..50 {
        runner.get(&format!("/api/v1/factorial?number={n}"));
    }
    let before = runner.resident_kib();
    // Each 32 KiB value is too long to vary a stored answer on: answered,
    // never stored.
    for seed in 0..3000 {
        let accept = rotating_accept(seed, 32 * 1024);
        let target = format!("/api/v1/factorial?number={}", seed % 50);
        let answer = runner.request("GET", &target, &[("accept", &accept)]);
        assert_eq!(answer.status, 200, "{seed}");
    }
    // Values of 1000 bytes may be stored, at most 8 variants of a target.
    let target = "/api/v1/factorial?number=7";
    for seed in 0..2000 {
        let accept = rotating_accept(seed, 1000);
        runner
            .request("GET", target, &[("accept", &accept)])
            .assert(200, "application/json", "{\"factorial\":5040}\n");
    }
    let after = runner.resident_kib();
    let held = runner.counter("factorial_cache_bytes");
    println!("resident memory {before} KiB before, {after} KiB after; cache {held} bytes");
    assert!(
        after <= before + CACHE_BYTES / 1024 + GROWTH_ALLOWANCE_KIB,
        "resident memory grew from {before} KiB to {after} KiB"
    );
    // The 8 variants kept are counted with their 1000-byte values.
    assert!((8 * 1000..=CACHE_BYTES).contains(&held), "{held}");
    assert!(runner.counter("factorial_cache_evictions_total") >= 2000 - 8);
}

#[test]
fn a_leader_that_reads_nothing_does_not_hold_its_followers() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    // 24 MiB: far more than the sockets' buffers hold, so the leader's
    // connection stalls; computed in half a second.
    let target = "/sleep?ms=500&cc=max-age%3D60&kib=24576";
    let length = 24576 * 1024;
    let started = Instant::now();
    let mut leader = ask(&runner, target);
    runner.wait_for_metric("factorial_cache_misses_total 1");
    let followers: Vec<Duration> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let answer = runner.get(target);
                    assert_eq!((answer.status, answer.body.len()), (200, length));
                    started.elapsed()
                })
            })
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let slowest = followers.iter().max().unwrap();
    println!("8 followers of a leader that reads nothing: the slowest done after {slowest:?}");
    assert!(*slowest < Duration::from_secs(10), "{followers:?}");
    assert_eq!(runner.counter("factorial_cache_coalesced_total"), 8);
    // The leader, which read nothing for 20 s, still gets its whole answer.
    std::thread::sleep(Duration::from_secs(20).saturating_sub(started.elapsed()));
    let answer = parse_response(&read_until_closed(&mut leader));
    assert_eq!((answer.status, answer.body.len()), (200, length));
}

#[test]
fn a_client_reading_a_stored_answer_slowly_is_cut_off_at_the_deadline() {
    let deadline = Duration::from_secs(3);
    let runner = Runner::start_with(&test_guest_path(), &["--request-timeout", "3s"]);
    let target = "/big?cc=max-age%3D60&kib=32768";
    let length = 32768 * 1024;
    assert_eq!(runner.get(target).body.len(), length);

    let mut client = ask(&runner, target);
    let asked = Instant::now();
    let mut byte = [0];
    while runner.counter("factorial_response_timeouts_total") == 0 {
        assert!(asked.elapsed() < deadline * 3, "still connected");
        client.read_exact(&mut byte).unwrap();
        std::thread::sleep(Duration::from_secs(1));
    }
    let cut = asked.elapsed();
    println!("a client reading a byte a second was cut off after {cut:?}");
    assert!(cut >= deadline, "{cut:?}");
    // What the sockets held arrives, then the end, well short of the body.
    let mut rest = Vec::new();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The end may come as a reset: the server closed with bytes unsent.
    let _ = client.read_to_end(&mut rest);
    assert!(rest.len() < length, "{} bytes", rest.len());
    let logged = runner.wait_for_logs("request", 2);
    assert_eq!(logged[1]["cache"], "hit");
}

#[test]
fn a_listener_out_of_file_descriptors_waits_instead_of_spinning() {
    // The runner's own descriptors (listeners, epoll, the log's pipe) fit
    // under 40; connections to the admin port beyond that cannot be
    // accepted, and stay queued.
    let mut command = Command::new("sh");
    command
        .args(["-c", "ulimit -n 40 && exec \"$@\"", "sh"])
        .arg(runner_command().get_program())
        .args(["--listen", "127.0.0.1:0", "--component"])
        .arg(component_path());
    let runner = Runner::spawn(command);
    let held: Vec<TcpStream> = (0..60)
        .map(|_| TcpStream::connect(runner.admin_address).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let before = runner.cpu_ticks();
    std::thread::sleep(Duration::from_secs(2));
    let spent = runner.cpu_ticks() - before;
    // A listener that retries at once spends the whole 2 s (200 ticks).
    assert!(spent < 50, "{spent} ticks of CPU in 2 s");
    // The API still answers once descriptors are free again.
    drop(held);
    std::thread::sleep(Duration::from_millis(500));
    let answer = send(runner.address, "GET", "/api/v1/factorial?number=5", &[]);
    answer.assert(200, "application/json", "{\"factorial\":120}\n");
}

#[test]
fn the_response_buffer_holds_no_more_than_its_bound_whoever_reads_nothing() {
    let bound: u64 = 4 << 20;
    let runner = Runner::start_with(
        &test_guest_path(),
        &[
            "--response-buffer-bytes",
            &bound.to_string(),
            "--request-timeout",
            "3s",
        ],
    );
    // Eight answers of 2 MiB, none stored, each to a client that reads
    // nothing: two fill the buffer, the others wait for room until their
    // deadline.
    let clients: Vec<TcpStream> = (0..8)
        .map(|index| ask(&runner, &format!("/{index}?kib=2048")))
        .collect();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let held = runner.counter("factorial_response_buffer_bytes");
        assert!(held <= bound, "{held} bytes held");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(clients);
    // Once the clients are gone, their answers' bytes are given back.
    runner.wait_for_metric("factorial_response_buffer_bytes 0");
    assert_eq!(runner.get("/?kib=2048").body.len(), 2048 * 1024);
}

#[test]
fn a_leader_that_leaves_cancels_nothing_its_followers_wait_for() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    let target = "/sleep?ms=1000&cc=max-age%3D60&stamp";
    let leader = ask(&runner, target);
    runner.wait_for_metric("factorial_cache_misses_total 1");
    let followers: Vec<_> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..4).map(|_| scope.spawn(|| runner.get(target))).collect();
        runner.wait_for_metric("factorial_requests_in_flight 5");
        // The leader goes before the guest has answered.
        drop(leader);
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });
    for answer in &followers {
        assert_eq!((answer.status, &answer.body), (200, &followers[0].body));
    }
    // Computed once, and stored.
    assert_eq!(runner.get(target).body, followers[0].body);
    assert_eq!(runner.counter("factorial_cache_misses_total"), 1);
    assert_eq!(runner.counter("factorial_cache_coalesced_total"), 4);
    assert_eq!(runner.counter("factorial_cache_hits_total"), 1);
}
