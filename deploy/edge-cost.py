"""What the CloudFront distribution in front of the factorial API does at scale.

Models a month of steady traffic at 1 k, 100 k and 10 M requests a minute,
with the distribution (Origin Shield, a year's TTL, a cache key of n and the
representation, compression at the edge, the web ACL and the viewer-request
function on every request) and without it (every request to the origin,
whose runner keeps its own per-task cache). For each it gives the origin's
load (requests, CPU, Fargate tasks, Lambda concurrency), the bytes sent to
clients and the month's bill at AWS's public us-east-1 prices, before free
tiers. It prints the body of a Markdown section: the tables, then every
assumption, then a summary.

Run it from the repository's root, with Python 3.11 and nothing else:

    python3 deploy/edge-cost.py

It needs no network and takes a few seconds, most of them spent printing
the digits of a few large factorials to measure how well they compress.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# The traffic.
RATES_PER_MINUTE = (1_000, 100_000, 10_000_000)
MONTH_HOURS = 730
MONTH_SECONDS = MONTH_HOURS * 3600

# Bytes of a response besides its body: the origin's status line and headers
# (Content-Type, Cache-Control, ETag, Vary, Content-Length, Date), and those
# CloudFront adds (Via, X-Cache, X-Amz-Cf-Pop, X-Amz-Cf-Id, Age, Content-Encoding).
ORIGIN_HEADER_BYTES = 200
CLOUDFRONT_HEADER_BYTES = 220

# CloudFront compresses bodies of 1,000 to 10,000,000 bytes, and only those.
COMPRESSIBLE_BYTES = (1_000, 10_000_000)
REGIONAL_EDGE_CACHES = 13

# The runner's cache (docs/operations.md): 64 MiB per task or Lambda
# environment; an answer counts its body plus its headers, key, Accept value
# and 256 bytes of bookkeeping, taken together as 512 bytes.
RUNNER_CACHE_BYTES = 64 * 2**20
CACHE_ENTRY_OVERHEAD_BYTES = 512

# Fargate: tasks of 0.5 vCPU and 1 GB, at least 2, sized for 50 % CPU.
TASK_VCPU = 0.5
TASK_GB = 1.0
MIN_TASKS = 2
TARGET_CPU = 0.5

# Lambda: 1769 MB arm64, billed by the started millisecond.
LAMBDA_GB = 1769 / 1024

GB = 2**30  # as AWS bills data: a GB is 2^30 bytes, a TB 1024 GB.
TB = 1024 * GB

# Prices, before free tiers: CloudFront's, the data out, LCU, Fargate and WAF
# from AWS's public price list, December 2026, us-east-1 / North America; the
# rest as in the cost tables of docs/deploy.md. Data out: (bytes in the tier,
# price per byte).
CLOUDFRONT_OUT_TIERS = (
    (10 * TB, 0.085 / GB),
    (40 * TB, 0.080 / GB),
    (100 * TB, 0.060 / GB),
    (350 * TB, 0.040 / GB),
    (524 * TB, 0.030 / GB),
    (4096 * TB, 0.025 / GB),
    (math.inf, 0.020 / GB),
)
INTERNET_OUT_TIERS = (
    (10 * TB, 0.09 / GB),
    (40 * TB, 0.085 / GB),
    (100 * TB, 0.07 / GB),
    (math.inf, 0.05 / GB),
)
CLOUDFRONT_PER_REQUEST = 0.0100 / 10_000
ORIGIN_SHIELD_PER_REQUEST = 0.0075 / 10_000
CLOUDFRONT_FUNCTION_PER_INVOCATION = 0.10 / 1e6
CLOUDFRONT_METRICS_MONTH = 8 * 0.30
WAF_ACL_AND_RULES_MONTH = 5.00 + 4 * 1.00
WAF_PER_REQUEST = 0.60 / 1e6
FARGATE_TASK_HOUR = TASK_VCPU * 0.04048 + TASK_GB * 0.004445
NAT_GATEWAYS_HOUR = 2 * 0.045
NAT_PER_GB = 0.045
LOAD_BALANCER_HOUR = 0.0225
LCU_HOUR = 0.008
LOGS_PER_GB = 0.50
LAMBDA_PER_REQUEST = 0.20 / 1e6
LAMBDA_PER_GB_SECOND = 0.0000133334
HTTP_API_TIERS = ((300e6, 1.00 / 1e6), (math.inf, 0.90 / 1e6))
RUNNER_METRICS_AND_ALARMS_MONTH = {"fargate": 17 * 0.30 + 3 * 0.10, "lambda": 17 * 0.30 + 5 * 0.10}

# Logs the origin writes: on Fargate the runner's access line per request and
# an EMF record of about 1 KB a minute per task; on Lambda the function's
# lines per invocation, and without CloudFront the HTTP API's access line.
FARGATE_LOG_BYTES_PER_REQUEST = 300
FARGATE_LOG_BYTES_PER_TASK_MINUTE = 1_000
LAMBDA_LOG_BYTES_PER_REQUEST = 2_000
HTTP_API_LOG_BYTES_PER_REQUEST = 300

# The load balancer's capacity unit: the largest of these per hour.
LCU_NEW_CONNECTIONS_PER_SECOND = 25
LCU_ACTIVE_CONNECTIONS = 3_000
LCU_GB_PER_HOUR = 1.0
CONNECTION_SECONDS = 1.0  # one connection a request, open for about a second


@dataclass(frozen=True)
class NumberClass:
    label: str
    share: float
    low: int
    high: int
    samples: tuple[int, ...]  # n whose digits are compressed to measure the class's ratio

    @property
    def numbers(self) -> range:
        return range(self.low, self.high + 1)


@dataclass(frozen=True)
class Representation:
    label: str
    share: float
    framing_bytes: int  # bytes around the digits


CLASSES = (
    NumberClass("0 ≤ n ≤ 1000", 0.90, 0, 1_000, (500, 750, 1_000)),
    NumberClass("1000 < n ≤ 10^4", 0.09, 1_001, 10_000, (2_500, 5_500, 10_000)),
    NumberClass("10^4 < n ≤ 10^5", 0.01, 10_001, 100_000, (20_000, 40_000, 60_000)),
)
REPRESENTATIONS = (
    Representation("JSON", 0.80, len('{"factorial":') + len("}\n")),
    Representation("text", 0.20, len("\n")),
)


@dataclass(frozen=True)
class ServingTimes:
    """Seconds an origin spends on one answer: computed, by n, or from its own cache, by bytes."""

    computed: tuple[tuple[int, float], ...]  # (n, seconds), n rising; flat below the first
    cached_base: float
    cached_per_byte: float

    def computing(self, n: int) -> float:
        """The time at n, interpolated on a log-log scale between the measured points."""
        first_n, first_seconds = self.computed[0]
        if n <= first_n:
            return first_seconds
        for (n0, t0), (n1, t1) in zip(self.computed, self.computed[1:]):
            if n <= n1:
                slope = math.log(t1 / t0) / math.log(n1 / n0)
                return t0 * (n / n0) ** slope
        raise ValueError(f"n = {n} is beyond the measured points")

    def from_cache(self, body_bytes: float) -> float:
        return self.cached_base + self.cached_per_byte * body_bytes


# The benchmarks' results (docs/performance.md renders them): bench/lambda.sh
# times the runner and the function for n = 50, 10^4 and 10^5, computed and
# from the cache; bench/runner.sh the cache-on runner's CPU per request and
# its time for a repeated 100000!. n = 50 stands for every n up to 1000.
RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results"
MEASURED_N = {"50": 1_000, "10^4": 10_000, "10^5": 100_000}
LARGEST_CACHED_BYTES = 456_575  # 100000!'s body as text: its digits and a line feed


def lambda_times(cache: str, field: str) -> dict[int, float]:
    """Seconds by n from bench/results/lambda.json's rows of `cache`."""
    rows = json.loads((RESULTS / "lambda.json").read_text())["requests"]
    return {MEASURED_N[row["n"]]: row[field] / 1e3 for row in rows if row["cache"] == cache}


def runner_measure(name: str) -> float:
    """The cache-on runner's `name` from bench/results/runner.csv."""
    with (RESULTS / "runner.csv").open(newline="") as results:
        return next(float(row["cache_on"]) for row in csv.DictReader(results) if row["measure"] == name)


def serving_times(field: str, cached_base: float, cached_largest: float) -> ServingTimes:
    return ServingTimes(
        computed=tuple(sorted(lambda_times("computed", field).items())),
        cached_base=cached_base,
        cached_per_byte=(cached_largest - cached_base) / LARGEST_CACHED_BYTES,
    )


# Fargate, CPU seconds: the runner end to end, taken as CPU; a cached answer
# the cache-on runner's CPU per request, up to its time for 100000!.
FARGATE_TIMES = serving_times(
    "runner_ms", runner_measure("cpu_same_us") / 1e6, runner_measure("repeated_100000_ms") / 1e3
)
# Lambda, the function's own duration, computed and from its cache.
LAMBDA_CACHED = lambda_times("from the cache", "own_ms")
LAMBDA_TIMES = serving_times("own_ms", LAMBDA_CACHED[1_000], LAMBDA_CACHED[100_000])


def mean_computing(times: ServingTimes, number_class: NumberClass) -> float:
    return sum(map(times.computing, number_class.numbers)) / len(number_class.numbers)


def digit_count(n: int) -> int:
    """Decimal digits of n!, from the log-gamma function."""
    return math.floor(math.lgamma(n + 1) / math.log(10)) + 1


def gzip_level_6(body: bytes) -> bytes:
    return zlib.compress(body, 6)


def measured_compression() -> tuple[str, dict[str, float]]:
    """Compressed over raw bytes of the sampled digit strings, per class, and how they were measured.

    Brotli when the brotli module is there (CloudFront's choice for a client
    that accepts both), else gzip for both.
    """
    sys.set_int_max_str_digits(0)
    try:
        import brotli
    except ImportError:
        method = "gzip (zlib level 6), Brotli taken as gzip's ratio (no brotli module to measure it)"
        compress = gzip_level_6
    else:
        method, compress = "Brotli (the brotli module's defaults)", brotli.compress
    ratios = {}
    for number_class in CLASSES:
        bodies = [str(math.factorial(n)).encode() + b"\n" for n in number_class.samples]
        ratios[number_class.label] = sum(len(compress(b)) for b in bodies) / sum(len(b) for b in bodies)
    return method, ratios


@dataclass(frozen=True)
class Segment:
    """Requests for one class of n in one representation: shares, sizes and times."""

    share: float
    keys: int
    body_bytes: float  # mean over n
    edge_body_bytes: float  # mean, after CloudFront's compression
    stored_bytes: float  # sum over n, as the runner's cache counts them
    computing: dict[str, float]  # mean seconds per origin ('fargate', 'lambda')
    from_cache: dict[str, float]
    billed_computing_ms: float  # Lambda's mean billed milliseconds, computed
    billed_from_cache_ms: float

    def per_key(self, requests: float) -> float:
        return requests * self.share / self.keys


def billed_ms(seconds: float) -> int:
    """Lambda bills each invocation by the started millisecond."""
    return math.ceil(seconds * 1e3)


def segment(number_class: NumberClass, representation: Representation, ratio: float) -> Segment:
    bodies = [digit_count(n) + representation.framing_bytes for n in number_class.numbers]
    low, high = COMPRESSIBLE_BYTES
    edge = [b * ratio if low <= b <= high else b for b in bodies]
    keys = len(bodies)
    mean_body = sum(bodies) / keys
    times = {"fargate": FARGATE_TIMES, "lambda": LAMBDA_TIMES}
    from_cache = {k: t.from_cache(mean_body) for k, t in times.items()}
    return Segment(
        share=number_class.share * representation.share,
        keys=keys,
        body_bytes=mean_body,
        edge_body_bytes=sum(edge) / keys,
        stored_bytes=sum(bodies) + keys * CACHE_ENTRY_OVERHEAD_BYTES,
        computing={k: mean_computing(t, number_class) for k, t in times.items()},
        from_cache=from_cache,
        billed_computing_ms=sum(billed_ms(LAMBDA_TIMES.computing(n)) for n in number_class.numbers) / keys,
        billed_from_cache_ms=billed_ms(from_cache["lambda"]),
    )


def distinct_keys(segments: Sequence[Segment], requests: float) -> list[float]:
    """Expected keys requested at least once among `requests`, per segment: Σ_k (1 − e^(−N·p_k))."""
    return [s.keys * -math.expm1(-s.per_key(requests)) for s in segments]


def cache_hit_ratios(segments: Sequence[Segment], rate_per_second: float) -> list[float]:
    """Hit ratio per segment of one runner's LRU cache fed `rate_per_second`, by Che's approximation.

    Each key stays for the characteristic time T that fills the cache
    (Σ bytes·(1 − e^(−λT)) = capacity), at most the month; a key requested
    at λ a second is then a hit with probability 1 − e^(−λT).
    """

    def kept(s: Segment, seconds: float) -> float:
        return -math.expm1(-s.per_key(rate_per_second) * seconds)

    def filled(seconds: float) -> float:
        return sum(s.stored_bytes * kept(s, seconds) for s in segments)

    # Bisect for T between 0 and the month; `longest` ends as T.
    shortest, longest = 0.0, float(MONTH_SECONDS)
    if filled(longest) > RUNNER_CACHE_BYTES:
        for _ in range(100):
            middle = (shortest + longest) / 2
            if filled(middle) < RUNNER_CACHE_BYTES:
                shortest = middle
            else:
                longest = middle
    return [kept(s, longest) for s in segments]


@dataclass(frozen=True)
class OriginLoad:
    requests_per_second: float
    cache_hit_ratio: float  # of the runner's own cache
    busy_seconds_per_second: float  # CPU on Fargate, concurrency on Lambda
    workers: int  # tasks on Fargate, environments on Lambda
    billed_ms_per_second: float  # Lambda only
    body_bytes_per_second: float


def origin_without_edge(segments: Sequence[Segment], rate: float, origin: str) -> OriginLoad:
    """Every request reaches the origin; the workers' caches, each fed its share, answer repeats.

    More workers mean colder caches and more work: the count is raised until it suffices.
    """
    workers = workers_for(origin, 0.0)
    while True:
        hits = cache_hit_ratios(segments, rate / workers)
        busy = rate * sum(
            s.share * (h * s.from_cache[origin] + (1 - h) * s.computing[origin])
            for s, h in zip(segments, hits)
        )
        needed = workers_for(origin, busy)
        if needed <= workers:
            break
        workers = needed
    billed = sum(
        s.share * (h * s.billed_from_cache_ms + (1 - h) * s.billed_computing_ms) for s, h in zip(segments, hits)
    )
    return OriginLoad(
        requests_per_second=rate,
        cache_hit_ratio=sum(s.share * h for s, h in zip(segments, hits)),
        busy_seconds_per_second=busy,
        workers=workers,
        billed_ms_per_second=rate * billed,
        body_bytes_per_second=rate * sum(s.share * s.body_bytes for s in segments),
    )


def origin_behind_edge(segments: Sequence[Segment], requests: float, origin: str) -> OriginLoad:
    """Each key requested in the month is computed once, through Origin Shield; averaged over the month."""
    fetched = distinct_keys(segments, requests)

    def per_second(per_fetch: Callable[[Segment], float]) -> float:
        return sum(f * per_fetch(s) for s, f in zip(segments, fetched)) / MONTH_SECONDS

    busy = per_second(lambda s: s.computing[origin])
    return OriginLoad(
        requests_per_second=per_second(lambda s: 1.0),
        cache_hit_ratio=0.0,
        busy_seconds_per_second=busy,
        workers=workers_for(origin, busy),
        billed_ms_per_second=per_second(lambda s: s.billed_computing_ms),
        body_bytes_per_second=per_second(lambda s: s.body_bytes),
    )


def workers_for(origin: str, busy_seconds_per_second: float) -> int:
    """Fargate tasks at the target CPU, at least the minimum; Lambda environments, at least one."""
    if origin == "fargate":
        return max(MIN_TASKS, math.ceil(busy_seconds_per_second / (TASK_VCPU * TARGET_CPU)))
    return max(1, math.ceil(busy_seconds_per_second))


def tiered(amount: float, tiers: Sequence[tuple[float, float]]) -> float:
    """The price of `amount` under (tier size, unit price) tiers, in order."""
    cost, left = 0.0, amount
    for size, price in tiers:
        cost += min(left, size) * price
        left -= min(left, size)
    return cost


def load_balancer_capacity_units(origin: OriginLoad) -> float:
    """LCUs for one new connection a request, each open about a second, and the bytes it carries."""
    rate = origin.requests_per_second
    return max(
        rate / LCU_NEW_CONNECTIONS_PER_SECOND,
        rate * CONNECTION_SECONDS / LCU_ACTIVE_CONNECTIONS,
        (origin.body_bytes_per_second + rate * ORIGIN_HEADER_BYTES) * 3600 / GB / LCU_GB_PER_HOUR,
    )


@dataclass(frozen=True)
class Scenario:
    """One rate, with the distribution or without, on both origins."""

    rate_per_minute: int
    edge: bool
    requests: float  # a month
    bytes_out: float  # a month, to clients
    origin_shield_requests: float
    fargate: OriginLoad
    lambda_: OriginLoad


def scenario(segments: Sequence[Segment], rate_per_minute: int, edge: bool) -> Scenario:
    rate = rate_per_minute / 60
    requests = rate * MONTH_SECONDS
    if edge:
        body = sum(s.share * s.edge_body_bytes for s in segments)
        headers = ORIGIN_HEADER_BYTES + CLOUDFRONT_HEADER_BYTES
        per_edge_cache = distinct_keys(segments, requests / REGIONAL_EDGE_CACHES)
        shield = REGIONAL_EDGE_CACHES * sum(per_edge_cache)
        fargate, lambda_ = (origin_behind_edge(segments, requests, o) for o in ("fargate", "lambda"))
    else:
        body = sum(s.share * s.body_bytes for s in segments)
        headers = ORIGIN_HEADER_BYTES
        shield = 0.0
        fargate, lambda_ = (origin_without_edge(segments, rate, o) for o in ("fargate", "lambda"))
    return Scenario(rate_per_minute, edge, requests, requests * (body + headers), shield, fargate, lambda_)


CostLines = list[tuple[str, float]]


def total(costs: CostLines) -> float:
    return sum(cost for _, cost in costs)


def origin_side(costs: CostLines) -> float:
    """What the lines other than CloudFront's and WAF's add up to: what the distribution can spare."""
    return sum(cost for label, cost in costs if not label.startswith(("CloudFront:", "WAF:")))


def edge_costs(s: Scenario) -> CostLines:
    """CloudFront's lines: nothing without the distribution."""
    lines = [
        ("CloudFront: HTTPS requests", s.requests * CLOUDFRONT_PER_REQUEST),
        ("CloudFront: the viewer-request function", s.requests * CLOUDFRONT_FUNCTION_PER_INVOCATION),
        ("CloudFront: Origin Shield requests", s.origin_shield_requests * ORIGIN_SHIELD_PER_REQUEST),
        ("CloudFront: data out to the internet", tiered(s.bytes_out, CLOUDFRONT_OUT_TIERS)),
        ("CloudFront: 8 additional metrics", CLOUDFRONT_METRICS_MONTH),
    ]
    return [(label, cost if s.edge else 0.0) for label, cost in lines]


def waf_costs(s: Scenario, guarded: bool) -> CostLines:
    fixed, inspected = (WAF_ACL_AND_RULES_MONTH, s.requests * WAF_PER_REQUEST) if guarded else (0.0, 0.0)
    return [("WAF: web ACL and 4 rules", fixed), ("WAF: requests inspected", inspected)]


def fargate_costs(s: Scenario) -> CostLines:
    origin = s.fargate
    origin_requests = origin.requests_per_second * MONTH_SECONDS
    log_bytes = (
        origin_requests * FARGATE_LOG_BYTES_PER_REQUEST
        + origin.workers * MONTH_HOURS * 60 * FARGATE_LOG_BYTES_PER_TASK_MINUTE
    )
    internet = 0.0 if s.edge else tiered(s.bytes_out, INTERNET_OUT_TIERS)
    return [
        *edge_costs(s),
        *waf_costs(s, guarded=True),
        ("NAT gateways (2), the load balancer's hours", (NAT_GATEWAYS_HOUR + LOAD_BALANCER_HOUR) * MONTH_HOURS),
        ("Fargate tasks", origin.workers * FARGATE_TASK_HOUR * MONTH_HOURS),
        ("load balancer capacity units", load_balancer_capacity_units(origin) * LCU_HOUR * MONTH_HOURS),
        ("load balancer: data out to the internet", internet),
        ("logs at the origin (ingestion and NAT)", log_bytes / GB * (LOGS_PER_GB + NAT_PER_GB)),
        ("the runner's 17 metrics, 3 alarms", RUNNER_METRICS_AND_ALARMS_MONTH["fargate"]),
    ]


def lambda_costs(s: Scenario) -> CostLines:
    origin = s.lambda_
    invocations = origin.requests_per_second * MONTH_SECONDS
    gb_seconds = origin.billed_ms_per_second * MONTH_SECONDS / 1e3 * LAMBDA_GB
    internet = 0.0 if s.edge else tiered(s.bytes_out, INTERNET_OUT_TIERS)
    log_bytes_per_request = LAMBDA_LOG_BYTES_PER_REQUEST + (0 if s.edge else HTTP_API_LOG_BYTES_PER_REQUEST)
    return [
        *edge_costs(s),
        *waf_costs(s, guarded=s.edge),
        ("Lambda: requests", invocations * LAMBDA_PER_REQUEST),
        ("Lambda: compute", gb_seconds * LAMBDA_PER_GB_SECOND),
        # Behind CloudFront the function's URL is the origin, at no charge of its own.
        ("HTTP API: requests", 0.0 if s.edge else tiered(invocations, HTTP_API_TIERS)),
        ("HTTP API: data out to the internet", internet),
        ("logs at the origin", invocations * log_bytes_per_request / GB * LOGS_PER_GB),
        ("the runner's 17 metrics, 5 alarms", RUNNER_METRICS_AND_ALARMS_MONTH["lambda"]),
    ]


# Formatting.


def significant(x: float, digits: int = 2) -> str:
    if x == 0:
        return "0"
    decimals = digits - 1 - math.floor(math.log10(abs(x)))
    return f"{round(x, decimals):,.{max(0, decimals)}f}"


def count(x: float) -> str:
    for size, unit in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if x >= size:
            return significant(x / size, 3) + unit
    return significant(x, 3)


def data(x: float) -> str:
    for size, unit in ((1024 * TB, "PB"), (TB, "TB"), (GB, "GB")):
        if x >= size:
            return f"{significant(x / size, 3)} {unit}"
    return f"{significant(x / 2**20, 3)} MB"


def hit_ratio(h: float) -> str:
    """The ratio with two significant digits in what it misses: 0.99954, 0.87."""
    miss = 1 - h
    if miss <= 0:
        return "1"
    if h <= 0:
        return "0"
    decimals = max(2, 1 - math.floor(math.log10(miss)))
    return f"{h:.{decimals}f}"


def percent(share: float) -> str:
    return f"{share * 100:g} %"


def money(x: float) -> str:
    """Dollars, to the cent under $100; nothing to pay is a dash."""
    if x == 0:
        return "–"
    return f"${x:,.0f}" if x >= 100 else f"${x:,.2f}"


def rate_label(rate_per_minute: int) -> str:
    return {1_000: "1 k", 100_000: "100 k", 10_000_000: "10 M"}[rate_per_minute] + "/min"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def column_header(scenarios: Sequence[Scenario]) -> list[str]:
    return [""] + [f"{rate_label(s.rate_per_minute)}, {'CloudFront' if s.edge else 'without'}" for s in scenarios]


def origin_requests(s: Scenario) -> float:
    return s.fargate.requests_per_second * MONTH_SECONDS


def load_table(scenarios: Sequence[Scenario]) -> str:
    def edge_only(cell: Callable[[Scenario], str]) -> Callable[[Scenario], str]:
        return lambda s: cell(s) if s.edge else "–"

    def without_only(cell: Callable[[Scenario], str]) -> Callable[[Scenario], str]:
        return lambda s: "–" if s.edge else cell(s)

    def cache_ratio(load: Callable[[Scenario], OriginLoad]) -> Callable[[Scenario], str]:
        return without_only(lambda s: hit_ratio(load(s).cache_hit_ratio))

    rows: list[tuple[str, Callable[[Scenario], str]]] = [
        ("requests a month", lambda s: count(s.requests)),
        ("hit ratio at the edge", edge_only(lambda s: hit_ratio(1 - origin_requests(s) / s.requests))),
        ("Origin Shield requests a month", edge_only(lambda s: count(s.origin_shield_requests))),
        ("origin requests a month", lambda s: count(origin_requests(s))),
        ("origin requests/s, the month's average", lambda s: significant(s.fargate.requests_per_second, 3)),
        ("hit ratio of the runner's cache, Fargate", cache_ratio(lambda s: s.fargate)),
        ("origin CPU, Fargate (vCPU)", lambda s: significant(s.fargate.busy_seconds_per_second)),
        ("Fargate tasks needed", lambda s: str(s.fargate.workers)),
        ("hit ratio of the runner's cache, Lambda", cache_ratio(lambda s: s.lambda_)),
        ("Lambda concurrency needed", lambda s: significant(s.lambda_.busy_seconds_per_second)),
        ("bytes out to clients a month", lambda s: data(s.bytes_out)),
    ]
    return table(column_header(scenarios), [[label, *map(cell, scenarios)] for label, cell in rows])


def cost_table(scenarios: Sequence[Scenario], costs: Callable[[Scenario], CostLines], total_label: str) -> str:
    columns = [costs(s) for s in scenarios]
    rows = [[label, *(money(lines[i][1]) for lines in columns)] for i, (label, _) in enumerate(columns[0])]
    rows.append([f"**{total_label}**", *(f"**{money(total(lines))}**" for lines in columns)])
    return table(column_header(scenarios), rows)


def tiers_text(tiers: Sequence[tuple[float, float]]) -> str:
    """'$0.09 up to 10 TB, $0.085 up to 50 TB, …, $0.05 beyond', per GB."""
    parts, reached = [], 0.0
    for size, price in tiers:
        reached += size
        if math.isinf(reached):
            limit = "beyond"
        elif reached >= 1024 * TB:
            limit = f"up to {reached / (1024 * TB):g} PB"
        else:
            limit = f"up to {reached / TB:g} TB"
        parts.append(f"${price * GB:.3f}".rstrip("0") + f" {limit}")
    return ", ".join(parts)


def times_text(times: ServingTimes) -> str:
    """'0.5 ms up to n = 1000, 2 ms at n = 10000, …'."""
    (first_n, first_seconds), *rest = times.computed
    return ", ".join(
        [f"{first_seconds * 1e3:g} ms up to n = {first_n}", *(f"{t * 1e3:g} ms at n = {n}" for n, t in rest)]
    )


def mean_bytes(segments: Sequence[Segment], field: str) -> float:
    return sum(s.share * getattr(s, field) for s in segments)


def assumptions(segments: Sequence[Segment], method: str, ratios: dict[str, float]) -> list[str]:
    top = max(RATES_PER_MINUTE)
    mix = "; ".join(
        [
            ", ".join(f"{percent(c.share)} with n uniform in {c.low}..={c.high}" for c in CLASSES),
            ", ".join(f"{percent(r.share)} {r.label}" for r in REPRESENTATIONS),
        ]
    )
    ratio_text = ", ".join(f"{significant(r)} for {label}" for label, r in ratios.items())
    class_cpu = ", ".join(
        f"{significant(mean_computing(FARGATE_TIMES, c) * 1e3)} ms for {c.label}" for c in CLASSES
    )
    return [
        f"Traffic: steady over a {MONTH_HOURS}-hour month; only `GET /api/v1/factorial`, {mix}.",
        "Bodies: JSON `{\"factorial\":` + digits + `}\\n`, text digits + `\\n`, the digits of n! as "
        "floor(lgamma(n+1)/ln 10) + 1: "
        f"{significant(mean_bytes(segments, 'body_bytes'), 2)} bytes on average; responses carry "
        f"{ORIGIN_HEADER_BYTES} bytes of headers, {CLOUDFRONT_HEADER_BYTES} more through CloudFront.",
        "Compression at the edge: every client accepts it. Compressed over raw bytes, measured on the digits "
        f"of n! for {', '.join(str(n) for c in CLASSES for n in c.samples)} with {method}: {ratio_text}. "
        "CloudFront compresses bodies of 1,000 to 10,000,000 bytes only, so n! below about 450 goes out as is: "
        f"{significant(mean_bytes(segments, 'edge_body_bytes'), 2)} bytes a body on average. "
        "The runner does not compress, so without CloudFront bodies go out whole.",
        "CloudFront: each key (n, representation) requested in the month is fetched from the origin once, "
        "Origin Shield collapsing the regional edge caches' misses: Σ_k (1 − e^(−N·p_k)) origin requests "
        f"for N requests; each of {REGIONAL_EDGE_CACHES} regional edge caches gets an equal share of the "
        "traffic and sends Origin Shield each key it is asked for once. Nothing is evicted before its year. "
        "Origin figures are the month's average: the hours after the caches are empty carry more.",
        "Origin work, computed: the runner's end-to-end times taken as CPU (the runner column of "
        "[Performance's Lambda table](performance.md#as-a-lambda-function), computed, for n = 50, 10^4 and "
        "10^5; the small n's time measured at n = 50), interpolated on a log-log scale and averaged over "
        f"each class: {class_cpu}. From the runner's cache: the cache-on runner's CPU per request for n = 50 "
        "([serving table](performance.md#serving-the-runner-against-wasmtime-serve)) plus a share of its "
        "time for a repeated 100000! in proportion to the body's bytes. On Lambda the function's own "
        "durations (the Lambda table's last column, computed and cached), each invocation billed by the "
        "started millisecond. `edge-cost.py` reads these from `bench/results/`.",
        "Without CloudFront every request reaches the origin, and the runner's 64 MiB cache in each task or "
        "Lambda environment (as many environments as the concurrency) answers repeats: an LRU cache by Che's "
        "approximation, each worker fed an equal share of the requests. Its hit ratio is then the same at "
        "every rate: it depends on the mix and the cache's size, not on the rate.",
        f"Fargate: tasks of 0.5 vCPU and 1 GB ({money(FARGATE_TASK_HOUR * MONTH_HOURS)} a month each), at least "
        "2, enough to keep CPU at 50 %; Lambda: concurrency by Little's law, requests a second × duration.",
        "Load balancer capacity units: one new connection a request, open about a second, and the bytes of "
        "the responses; behind CloudFront, the same for each origin request.",
        "Prices, before free tiers, from AWS's public price list, December 2026, us-east-1 / North America. "
        f"CloudFront data out per GB: {tiers_text(CLOUDFRONT_OUT_TIERS)}; HTTPS requests $0.0100 per 10,000; "
        "Origin Shield $0.0075 per 10,000 requests it receives; CloudFront Functions $0.10 per million; "
        "additional metrics $0.30 each; origin to CloudFront free. Load balancer or HTTP API data out per "
        f"GB: {tiers_text(INTERNET_OUT_TIERS)}; LCU $0.008 an hour; Fargate $0.04048 per vCPU-hour and "
        "$0.004445 per GB-hour; WAF $5 a web ACL, $1 a rule, $0.60 per million requests; HTTP API $1.00 per "
        "million, $0.90 above 300 million. The fixed costs (two NAT gateways, the load balancer's hours), "
        "logs, metrics and Lambda's prices are those of [What each mode costs](#what-each-mode-costs) and "
        "[What the protection and the monitoring cost](#what-the-protection-and-the-monitoring-cost).",
        "Lambda mode: behind CloudFront the web ACL guards the distribution, as on Fargate; without it there "
        "is none (WAF cannot guard an HTTP API). Behind CloudFront the origin is the function's URL, which has no charge of its own; without it every request goes through the HTTP API.",
        f"{rate_label(top)} is {significant(top / 60, 3)} requests a second: inside CloudFront's default quota "
        "of 250,000 a second per distribution, and far above the HTTP API's default stage throttle "
        "(`apiThrottleRate`, 500) and Fargate's default `maxCount` (6), which the figures without CloudFront "
        "take as raised.",
    ]


def pairs(scenarios: Sequence[Scenario]) -> list[tuple[Scenario, Scenario]]:
    """(with CloudFront, without) per rate."""
    by_key = {(s.rate_per_minute, s.edge): s for s in scenarios}
    return [(by_key[(rate, True)], by_key[(rate, False)]) for rate in RATES_PER_MINUTE]


def verdict(scenarios: Sequence[Scenario], costs: Callable[[Scenario], CostLines], mode: str) -> str:
    compared = pairs(scenarios)
    paying = [rate_label(w.rate_per_minute) for w, wo in compared if total(costs(w)) < total(costs(wo))]
    if not paying:
        outcome = "costs more than it spares at every rate here"
    elif len(paying) == len(compared):
        outcome = "pays for itself at every rate here"
    else:
        outcome = f"pays for itself at {' and '.join(paying)} only"
    figures = "; ".join(
        f"{money(total(costs(w)))} against {money(total(costs(wo)))} at {rate_label(w.rate_per_minute)}"
        for w, wo in compared
    )
    return f"On {mode}, CloudFront {outcome}: {figures}."


def largest_lines(costs: CostLines, how_many: int = 2) -> str:
    ranked = sorted(costs, key=lambda line: line[1], reverse=True)[:how_many]
    return " and ".join(f"“{label}” ({significant(100 * cost / total(costs))} %)" for label, cost in ranked)


def summary(scenarios: Sequence[Scenario]) -> list[str]:
    behind = [s for s in scenarios if s.edge]
    top_edge, top_without = pairs(scenarios)[-1]
    top = rate_label(top_edge.rate_per_minute)
    edge_per_million = (CLOUDFRONT_PER_REQUEST + CLOUDFRONT_FUNCTION_PER_INVOCATION) * 1e6
    edge_data_out = dict(edge_costs(top_edge))["CloudFront: data out to the internet"]

    def spared_per_million(costs: Callable[[Scenario], CostLines]) -> str:
        spared = origin_side(costs(top_without)) - origin_side(costs(top_edge))
        return money(spared / top_edge.requests * 1e6)

    return [
        "Behind CloudFront the origin computes each answer about once a month: at most "
        f"{count(max(map(origin_requests, behind)))} requests a month and "
        f"{significant(max(s.fargate.busy_seconds_per_second for s in behind))} vCPU on average, which the "
        f"minimum of {MIN_TASKS} tasks, or a single Lambda environment, serves at any of these rates; without "
        "it, "
        f"{top} takes {significant(top_without.fargate.busy_seconds_per_second)} vCPU, "
        f"{top_without.fargate.workers} tasks, or a Lambda concurrency of "
        f"{significant(top_without.lambda_.busy_seconds_per_second)}.",
        f"CloudFront's HTTPS requests and function cost {money(edge_per_million)} per million requests, and at "
        f"{top} its data out {money(edge_data_out / top_edge.requests * 1e6)}; there it spares the origin "
        f"{spared_per_million(fargate_costs)} per million on Fargate (data out, capacity units, logs, tasks) and "
        f"{spared_per_million(lambda_costs)} on Lambda (HTTP API, invocations, logs, data out). The web ACL's "
        "$0.60 per million is paid either way on Fargate, and on Lambda only behind CloudFront, where it can "
        "guard the API.",
        verdict(scenarios, fargate_costs, "Fargate"),
        verdict(scenarios, lambda_costs, "Lambda"),
        f"At {top} on Fargate, most of the bill with CloudFront is {largest_lines(fargate_costs(top_edge))}; "
        f"without it, {largest_lines(fargate_costs(top_without))}.",
    ]


def main() -> None:
    method, ratios = measured_compression()
    segments = [
        segment(number_class, representation, ratios[number_class.label])
        for number_class in CLASSES
        for representation in REPRESENTATIONS
    ]
    scenarios = [scenario(segments, rate, edge) for rate in RATES_PER_MINUTE for edge in (True, False)]
    print("The origin's load and the bytes sent:\n")
    print(load_table(scenarios))
    print("\nA month on Fargate:\n")
    print(cost_table(scenarios, fargate_costs, "Fargate, in all"))
    print("\nA month on Lambda:\n")
    print(cost_table(scenarios, lambda_costs, "Lambda, in all"))
    print("\nAssumptions:\n")
    print("\n".join(f"- {line}" for line in assumptions(segments, method, ratios)))
    print("\nIn short:\n")
    print("\n".join(f"- {line}" for line in summary(scenarios)))


if __name__ == "__main__":
    main()
