"""Renders the benchmark tables of the documents from bench/results/.

    python3 bench/render.py            rewrites every rendered block
    python3 bench/render.py --check    changes nothing; prints a diff and
                                       exits 1 when a block differs

A rendered block sits between

    <!-- rendered by bench/render.py from bench/results/FILE -->
    <!-- end of rendered table -->

where FILE names the results file and, in parentheses, which view of it
(`factorial.csv (targets)`). The block holds the table and the hardware line
of the run that wrote the file (its `.meta.json`, which bench/record.py
writes). Each benchmark runs this at its end; scripts/docs-check.sh runs the
check. Python 3.11, standard library only.
"""

import csv
import difflib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results"
DOCUMENTS = ["docs/performance.md", "docs/testing.md", "README.md"]
BLOCK = re.compile(
    r"(<!-- rendered by bench/render\.py from bench/results/(?P<key>[^>]+?) -->\n)"
    r"(?P<body>.*?)"
    r"(<!-- end of rendered table -->)",
    re.DOTALL)


def rows(name):
    with open(RESULTS / name, newline="") as source:
        return list(csv.DictReader(source))


def meta(name):
    return json.loads((RESULTS / f"{name}.meta.json").read_text())


def spaced(number):
    """1000000 as `1 000 000`."""
    return f"{int(number):,}".replace(",", " ")


def aligned(header, lines, left=()):
    """A Markdown table padded to its columns' widths, right-aligned except
    the columns in `left`."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines)]

    def line(cells):
        return "| " + " | ".join(
            cell.ljust(width) if i in left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths))) + " |"

    rule = "| " + " | ".join(
        ":" + "-" * (width - 1) if i in left else "-" * (width - 1) + ":"
        for i, width in enumerate(widths)) + " |"
    return "\n".join([line(header), rule, *map(line, lines)])


def plain(header, lines, align):
    """A Markdown table unpadded; `align` is each column's rule (`---:`)."""
    return "\n".join("|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|"
                     for cells in [header, align, *lines])


def target(met, text):
    return text if met else f"{text}: missed"


# Computing n!.

def factorial_rows():
    result = []
    for row in rows("factorial.csv"):
        seconds = {key: float(value) for key, value in row.items() if key.endswith("_s") and value}
        result.append((int(row["n"]), int(row["digits"]), seconds))
    return result


def growth(table, n):
    """The time in wasmtime at n over the time at n/10."""
    smaller = next((s for m, _, s in table if m * 10 == n), None)
    this = next(s for m, _, s in table if m == n)
    return this["wasm_s"] / smaller["wasm_s"] if smaller else None


def factorial_table():
    info = meta("factorial")
    table = factorial_rows()
    header = ["n", "digits", "native ms", "wasmtime ms", "checked/wasm", "CPython ms",
              "GMP fac ms", "GMP str ms", "GMP ms", "wasm/GMP", "CPython/wasm", "wasm growth"]
    lines = []
    for n, digits, s in table:
        cpython = s.get("cpython_s")
        rise = growth(table, n)
        lines.append([
            spaced(n), str(digits), f"{s['native_s'] * 1e3:.2f}", f"{s['wasm_s'] * 1e3:.2f}",
            f"{s['wasm_checked_s'] / s['wasm_s']:.2f}x",
            f"{cpython * 1e3:.2f}" if cpython else "skipped",
            f"{s['gmp_factorial_s'] * 1e3:.2f}", f"{s['gmp_digits_s'] * 1e3:.2f}",
            f"{s['gmp_s'] * 1e3:.2f}", f"{s['wasm_s'] / s['gmp_s']:.2f}x",
            f"{cpython / s['wasm_s']:.0f}x" if cpython else "-",
            f"{rise:.1f}x" if rise else "-"])
    return (f"`cargo bench --bench factorial`; {info['hardware']}, Python {info['python']}, "
            f"gmpy2 {info['gmpy2']}:\n\n" + aligned(header, lines))


def factorial_targets():
    table = {n: s for n, _, s in factorial_rows()}

    def to_gmp(n, most):
        ratio = table[n]["wasm_s"] / table[n]["gmp_s"]
        return target(ratio <= most, f"{ratio:.2f}x")

    speedup = table[10**5]["cpython_s"] / table[10**5]["wasm_s"]
    rise = growth(factorial_rows(), 10**6)
    lines = [
        ["n = 10^5 at most 0.5x GMP", to_gmp(10**5, 0.5)],
        ["n = 10^6 at most 0.35x GMP", to_gmp(10**6, 0.35)],
        ["n = 10^7 at most 0.35x GMP (one run each)", to_gmp(10**7, 0.35)],
        ["n = 10^5 at least 50x faster than CPython", target(speedup >= 50, f"{speedup:.0f}x")],
        ["time(10^6) / time(10^5) under 15", target(rise < 15, f"{rise:.1f}")],
    ]
    return plain(["target", "result"], lines, ["---", "---"])


def headline():
    digits, s = next((digits, s) for n, digits, s in factorial_rows() if n == 10**5)
    return (f"100000! ({digits:,} digits) takes {s['wasm_s'] * 1e3:.0f} ms in wasmtime on a fresh "
            f"instance, {s['wasm_s'] / s['gmp_s']:.2f} of the time GMP takes to compute it and "
            "print its digits "
            f"([Performance](docs/performance.md#computing-n-the-component-against-cpython-and-gmp)).")


# The summary of n!.

def summary_rows():
    result = []
    for row in rows("summary.csv"):
        micros = {key[:-2]: float(value) * 1e6 for key, value in row.items()
                  if key.endswith("_s") and value}
        result.append((row["n"], row["leading_digits"], micros))
    return result


def summary_table():
    info = meta("summary")
    header = ["n", "K", "native", "wasm cold", "wasm warm", "mpmath cold", "mpmath warm",
              "mpmath answer", "cold/cold", "warm/warm", "warm/answer"]
    lines = []
    for n, k, us in summary_rows():
        line = [n, k] + [f"{us[key]:.1f}" for key in ["native", "wasm_cold", "wasm_warm"]]
        if "mpmath_cold" in us:
            line += [f"{us[key]:.1f}" for key in ["mpmath_cold", "mpmath_warm", "mpmath_answer"]]
            line += [f"{us['wasm_cold'] / us['mpmath_cold']:.2f}",
                     f"{us['wasm_warm'] / us['mpmath_warm']:.2f}",
                     f"{us['wasm_warm'] / us['mpmath_answer']:.2f}"]
        else:
            line += ["-"] * 6
        lines.append(line)
    return (f"`cargo bench --bench factorial`; medians of 21 calls, in µs; {info['hardware']}, "
            f"mpmath {info['mpmath']} on gmpy2 {info['gmpy2']}:\n\n" + aligned(header, lines))


def summary_targets():
    table = summary_rows()
    compared = [us for _, _, us in table if "mpmath_cold" in us]
    cold = [us["wasm_cold"] / us["mpmath_cold"] for us in compared]
    warm = [us["wasm_warm"] / us["mpmath_answer"] for us in compared]
    longest = max(us["wasm_cold"] for _, k, us in table if k == "1000") / 1e3
    lines = [
        ["K = 30 no slower than mpmath's first `loggamma` (0.1 to 0.6 ms)",
         target(max(cold) <= 1, f"{min(cold):.2f} to {max(cold):.2f} of it, cold against cold")],
        ["K = 30 no slower than mpmath's warm way to the same answer",
         target(max(warm) <= 1, f"{min(warm):.2f} to {max(warm):.2f} of it, warm against warm")],
        ["K = 1000 within 50 ms", target(longest <= 50, f"{longest:.1f} ms at most")],
    ]
    return "The targets, inside wasmtime:\n\n" + plain(["target", "result"], lines, ["---", "---"])


# Serving.

SERVING = [
    ("rps_same", "requests/s, n=50, every request the same n"),
    ("rps_random", "requests/s, n random in 0..=1000"),
    ("cpu_same_us", "server CPU per request, n=50 (µs)"),
    ("cpu_random_us", "server CPU per request, n random (µs)"),
    ("concurrent_300000_s", "32 clients at once on one uncached 300000!: wall / CPU (s)"),
    ("miss_100000_ms", "100000!, a miss (ms)"),
    ("miss_300000_ms", "300000!, a miss (ms)"),
    ("repeated_100000_ms", "100000!, repeated (ms)"),
    ("summary_1e18_k30_ms", "summary, n=10^18, K=30 (ms)"),
    ("summary_max_k1000_ms", "summary, n=2^64−1, K=1000 (ms)"),
    ("start_wasm_ms", "start to first 200, `.wasm` (ms)"),
    ("start_cwasm_ms", "start to first 200, precompiled `.cwasm` (ms)"),
    ("rss_mib", "RSS idle / under load (MiB)"),
]
HOSTS = ["cache_on", "cache_off", "wasmtime_serve", "native"]


def serving():
    return {row["measure"]: row for row in rows("runner.csv")}


def cell(value):
    if value in ("", "-"):
        return "–"
    return f"{int(value):,}" if value.isdigit() and len(value) > 3 else value


def serving_table():
    info = meta("runner")
    table = serving()
    lines = [[label] + [cell(table[key][host]) for host in HOSTS] for key, label in SERVING]
    header = ["measure", "runner, cache on", "runner, cache off", "`wasmtime serve`", "native reference"]
    return (f"`bench/runner.sh`; {info['hardware']}:\n\n"
            + plain(header, lines, ["---"] + ["---:"] * 4))


def miss_table():
    header = ["miss (ms)", "runner, `.cwasm` (shipped)", "runner, `.wasm` (this CPU)",
              "`wasmtime serve`", "`wasmtime serve -W timeout=30s`"]
    lines = [[f"{row['n']}!", row["cwasm"], row["wasm"], row["serve"], row["serve_timeout"]]
             for row in rows("runner-miss.csv")]
    return plain(header, lines, ["---"] + ["---:"] * 4)


def serving_ratios():
    table = serving()
    misses = {row["n"]: row for row in rows("runner-miss.csv")}

    def ratio(key, a, b):
        return float(table[key][a]) / float(table[key][b])

    random = ratio("rps_random", "cache_off", "wasmtime_serve")
    lines = [
        ["requests/s, n=50: the runner, cache on, over the native reference",
         f"{ratio('rps_same', 'cache_on', 'native'):.2f}"],
        ["requests/s, n=50: the runner, cache off, over `wasmtime serve`",
         f"{ratio('rps_same', 'cache_off', 'wasmtime_serve'):.2f}"],
        ["requests/s, n random: the runner, cache off, over `wasmtime serve`; target at least 5",
         target(random >= 5, f"{random:.2f}")],
        ["server CPU per request, n=50 and n random: the runner, cache off, over `wasmtime serve`",
         f"{ratio('cpu_same_us', 'cache_off', 'wasmtime_serve'):.2f} and "
         f"{ratio('cpu_random_us', 'cache_off', 'wasmtime_serve'):.2f}"],
    ]
    for n in ["100000", "300000"]:
        first = ratio(f"miss_{n}_ms", "cache_on", "wasmtime_serve")
        second = float(misses[n]["cwasm"]) / float(misses[n]["serve"])
        lines.append([f"{n}!, a miss: the runner over `wasmtime serve`, first table and second; "
                      "target at most 1",
                      target(max(first, second) <= 1, f"{first:.2f} and {second:.2f}")])
    shared = meta("runner").get("shared_computation")
    if shared:
        lines.append(["32 clients at once on one uncached 300000!: the cache-on runner's "
                      "metrics", shared])
    return plain(["ratio", "result"], lines, ["---", "---:"])


# The default maximum.

def max_number_table():
    info = meta("max-number")
    hardware = f"{info['quota']}, on {info['hardware']}" if "quota" in info else info["hardware"]
    lines = [[spaced(row["n"]), spaced(row["digits"]), f"{float(row['first_s']):.2f}",
              f"{float(row['median_s']):.2f}"] for row in rows("max-number.csv")]
    return (f"`bench/max-number.sh`; {hardware}:\n\n"
            + aligned(["n", "digits", "first (s)", "median of 5 (s)"], lines))


# As a Lambda function.

def lambda_table():
    data = json.loads((RESULTS / "lambda.json").read_text())
    info = data["meta"]
    cold = data["cold_start_ms"]
    lines = [
        ["cold start (process start to the first answer), `.cwasm`", "", f"{cold['cwasm']:.1f} ms", ""],
        ["cold start, `.wasm` (compiled at start)", "", f"{cold['wasm']:.1f} ms", ""],
    ]
    for r in data["requests"]:
        lines.append([f"n = {r['n']}, {r['cache']}", f"{r['runner_ms']:.2f} ms",
                      f"{r['function_ms']:.2f} ms ({r['function_ms'] - r['runner_ms']:+.2f})",
                      f"{r['own_ms']:.2f} ms"])
    package = data["package"]
    lines.append(["the package: `bootstrap` and its `.cwasm` files", "",
                  f"{package['bytes']:,} bytes, {package['zipped']:,} zipped", ""])
    failures = data["emulator_failures"]
    return (f"`bench/lambda.sh`; {info['hardware']}, the median of {data['cold_runs']} cold starts "
            f"and of {data['warm_runs']} requests; the emulator failed {failures} of the requests, "
            "which were measured again:\n\n"
            + plain(["", "runner", "function, through the emulator", "function's own duration"],
                    lines, ["---", "---:", "---:", "---:"]))


# Under load.

LOAD = {
    "at_the_limit": "at the limit, {clients} clients, 60 s",
    "beyond_the_limit": "beyond the limit, {clients} clients asking for 300000!",
    "sigterm": "SIGTERM under load, {clients} clients",
    "memory_cap": "beside a request over the memory cap, {clients} clients, n ≤ 10000",
    "deadline": "beside a request past its deadline, {clients} clients, n ≤ 10000",
}


def duration(ms):
    return f"{ms / 1e3:.3g} s" if ms >= 1000 else f"{ms:.3g} ms"


def load_status(row):
    statuses = dict(pair.split(":") for pair in row["statuses"].split())
    ok = int(statuses.get("200", 0))
    requests = int(row["requests"])
    probe = {"memory_cap": 500, "deadline": 504}.get(row["scenario"])
    if probe:
        return ("all 200" if ok == requests else f"{ok:,} × 200") + f"; the probe {probe}"
    if row["scenario"] == "sigterm":
        return (f"{ok:,} × 200; the {requests - ok:,} others never read by the runner (listener "
                f"closed); the {row['drained']} requests in flight at the signal answered")
    return ", ".join(f"{int(count):,} × {status}" for status, count in statuses.items())


def load_table():
    info = meta("load")
    table = rows("load.csv")
    lines = [[LOAD[r["scenario"]].format(clients=r["clients"]), f"{int(r['requests']):,}",
              f"{int(r['per_second']):,}", duration(float(r["p50_ms"])),
              duration(float(r["p99_ms"])), load_status(r)] for r in table]
    limit = next(r for r in table if r["scenario"] == "at_the_limit")
    mib = [round(int(limit[key]) / 1024) for key in
           ["resident_before_kib", "resident_after_kib", "ceiling_kib"]]
    return (f"`scripts/load-test.sh --record`; {info['hardware']} (read the figures as a "
            "floor):\n\n"
            + plain(["scenario", "requests", "per second", "p50", "p99", "status"], lines,
                    ["---", "---:", "---:", "---:", "---:", "---"])
            + f"\n\n**Resident memory**: {mib[0]} MiB before the minute at the limit, {mib[1]} "
            f"MiB after, against the test's ceiling of {mib[2]} MiB.")


# The test command's first run.

def fresh_checks():
    return rows("fresh-check.csv")


def minutes(seconds):
    return f"{seconds // 60}m{seconds % 60:02d}s"


def fresh_check_range():
    """The range of the last five passing runs, in whole minutes."""
    runs = [run for run in fresh_checks() if run["status"] == "0"][-5:]
    times = [int(run["seconds"]) for run in runs]
    return (f"A first run takes {min(times) // 60} to {-(-max(times) // 60)} minutes on 2 cores, "
            f"as the machine's other load goes: from {minutes(min(times))} to "
            f"{minutes(max(times))} in the last {len(runs)} runs of `scripts/fresh-check.sh`, "
            f"the latest on {runs[-1]['hardware']}.")


def fresh_check_steps():
    run = [run for run in fresh_checks() if run["steps"]][-1]
    steps = [step.rsplit("=", 1) for step in run["steps"].split(";")]
    lines = [[str(i), name, minutes(int(seconds))] for i, (name, seconds) in enumerate(steps, 1)]
    lines.append(["", "total", minutes(sum(int(seconds) for _, seconds in steps))])
    return (f"The step times of the latest run that recorded them (commit {run['commit']}, "
            f"{run['date']}, {run['hardware']}):\n\n"
            + plain(["#", "step", "first run"], lines, ["---:", "---", "---:"]))


VIEWS = {
    "factorial.csv": factorial_table,
    "factorial.csv (targets)": factorial_targets,
    "factorial.csv (headline)": headline,
    "summary.csv": summary_table,
    "summary.csv (targets)": summary_targets,
    "runner.csv": serving_table,
    "runner.csv (ratios)": serving_ratios,
    "runner-miss.csv": miss_table,
    "max-number.csv": max_number_table,
    "lambda.json": lambda_table,
    "load.csv": load_table,
    "fresh-check.csv (range)": fresh_check_range,
    "fresh-check.csv (steps)": fresh_check_steps,
}


def render(text, path):
    def block(match):
        view = VIEWS.get(match["key"])
        if view is None:
            sys.exit(f"render.py: {path}: no view named {match['key']!r}")
        return f"{match[1]}\n{view()}\n\n{match[4]}"

    return BLOCK.sub(block, text)


def main(args):
    check = args == ["--check"]
    if args and not check:
        sys.exit(__doc__)
    differs = False
    for name in DOCUMENTS:
        path = ROOT / name
        text = path.read_text()
        rendered = render(text, name)
        if rendered == text:
            continue
        if check:
            differs = True
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(keepends=True), rendered.splitlines(keepends=True),
                f"{name} (as it is)", f"{name} (rendered from bench/results/)"))
        else:
            path.write_text(rendered)
            print(f"render.py: rewrote {name}")
    if differs:
        print("render.py: the tables above differ from bench/results/; "
              "run python3 bench/render.py to render them")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
