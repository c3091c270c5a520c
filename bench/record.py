"""Writes a benchmark's run into bench/results/, for bench/render.py to render.

    python3 bench/record.py meta NAME... [--python-packages] [KEY=VALUE...]
        writes bench/results/NAME.meta.json for each NAME: the hardware line
        of this run (CPU model, core count, memory, load average, read now),
        the commit and the date, and each KEY=VALUE; with --python-packages,
        this interpreter's version and its gmpy2 and mpmath versions.
    python3 bench/record.py load-test LOG
        reads the lines runner/tests/serve/load.rs prints, from LOG, into
        bench/results/load.csv, and writes load.meta.json.
    python3 bench/record.py fresh-check LOG COMMIT SECONDS STATUS
        appends one line to bench/results/fresh-check.csv: the commit, the
        date, the total seconds, the exit status, the hardware line and the
        step times of scripts/test.sh's summary in LOG.

Python 3.11, standard library only. bench/render.py reads what this writes;
`bench/render.py --check` fails when the documents differ from it.
"""

import csv
import datetime
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results"


def _cpuinfo():
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def hardware():
    """The hardware line of this run, and its parts."""
    info = _cpuinfo()
    model = re.search(r"^model name\s*:\s*(.+)$", info, re.MULTILINE)
    cpu = model.group(1).strip() if model else platform.processor() or "unknown CPU"
    flags = re.search(r"^flags\s*:\s*(.+)$", info, re.MULTILINE)
    avx512 = bool(flags) and "avx512f" in flags.group(1).split()
    cores = os.cpu_count() or 0
    try:
        memory = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
        memory_gib = round(int(memory.group(1)) / 2**20) if memory else None
    except OSError:
        memory_gib = None
    load = " ".join(f"{average:.2f}" for average in os.getloadavg())
    line = f"{cores} {platform.machine()} cores"
    if avx512:
        line += " with AVX-512"
    line += f" ({cpu})"
    if memory_gib:
        line += f", {memory_gib} GiB"
    line += f", load average {load}"
    return {
        "hardware": line,
        "cpu": cpu,
        "cores": cores,
        "memory_gib": memory_gib,
        "load_average": load,
    }


def commit():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def meta(**extra):
    """What a results file's sidecar holds: the hardware line and its
    parts, the commit, the date, and `extra`."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {**hardware(), "commit": commit(), "date": now, **extra}


def python_packages():
    versions = {"python": platform.python_version()}
    for package in ["gmpy2", "mpmath"]:
        try:
            versions[package] = __import__(package).__version__
        except ImportError:
            pass
    return versions


def write_meta(name, data):
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.meta.json").write_text(json.dumps(data, indent=2) + "\n")


def write_csv(name, header, rows):
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / name, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


# The load test's scenarios, by the start of the line each prints.
LOAD_SCENARIOS = {
    "at the limit": "at_the_limit",
    "beyond the limit": "beyond_the_limit",
    "SIGTERM under load,": "sigterm",
    "a request over the memory cap": "memory_cap",
    "a request past its deadline": "deadline",
}
LOAD_HEADER = ["scenario", "clients", "requests", "per_second", "p50_ms", "p99_ms",
               "statuses", "drained", "resident_before_kib", "resident_after_kib", "ceiling_kib"]
REPORT = re.compile(
    r", (?P<clients>\d+) clients[^:]*: (?P<requests>\d+) requests in [\d.]+ s, (?P<rate>\d+)/s, "
    r"statuses \{(?P<statuses>[^}]*)\}, p50 (?P<p50>[\d.]+) ms, p99 (?P<p99>[\d.]+) ms")


def load_test(log):
    text = Path(log).read_text()
    rows = []
    for start, key in LOAD_SCENARIOS.items():
        line = next((line for line in text.splitlines() if line.startswith(start)), None)
        if line is None:
            sys.exit(f"record.py: no line starting {start!r} in {log}")
        report = REPORT.search(line)
        if report is None:
            sys.exit(f"record.py: cannot read {line!r}")
        statuses = " ".join(f"{status}:{count}" for status, count in
                            re.findall(r"(\d+): (\d+)", report["statuses"]))
        drained = re.search(r"^SIGTERM under load: (\d+) requests in flight", text, re.MULTILINE)
        memory = re.search(r"resident memory (\d+) KiB before, (\d+) KiB after \(ceiling (\d+) KiB\)", line)
        rows.append([key, report["clients"], report["requests"], report["rate"], report["p50"],
                     report["p99"], statuses,
                     drained[1] if key == "sigterm" and drained else "",
                     *(memory.groups() if memory else ("", "", ""))])
    write_csv("load.csv", LOAD_HEADER, rows)
    write_meta("load", meta())


FRESH_CHECK_HEADER = ["commit", "date", "seconds", "status", "hardware", "steps"]
SUMMARY_LINE = re.compile(r"^  (\S+)\s+(\d+)m(\d+)s  (.+)$")


def fresh_check(log, commit_id, seconds, status):
    """Appends the run to fresh-check.csv; the steps are `name=seconds`
    joined by `;`, each name up to its first colon."""
    steps = []
    summary = False
    for line in Path(log).read_text(errors="replace").splitlines():
        if line.startswith("==> summary"):
            summary = True
        elif summary and (step := SUMMARY_LINE.match(line)):
            name = step[4].split(":")[0].replace(";", ",").replace("=", " ")
            steps.append(f"{name}={int(step[2]) * 60 + int(step[3])}")
    path = RESULTS / "fresh-check.csv"
    new = not path.exists()
    with open(path, "a", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        if new:
            writer.writerow(FRESH_CHECK_HEADER)
        run = meta()
        writer.writerow([commit_id[:7], run["date"][:10], seconds, status, run["hardware"],
                         ";".join(steps)])


def main(args):
    if args[:1] == ["meta"]:
        names = [a for a in args[1:] if "=" not in a and not a.startswith("--")]
        extra = dict(a.split("=", 1) for a in args[1:] if "=" in a)
        if "--python-packages" in args:
            extra.update(python_packages())
        data = meta(**extra)
        for name in names:
            write_meta(name, data)
    elif args[:1] == ["load-test"] and len(args) == 2:
        load_test(args[1])
    elif args[:1] == ["fresh-check"] and len(args) == 5:
        fresh_check(*args[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
