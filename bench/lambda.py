"""The runner as a Lambda function, against the runner as a server, on loopback.

Run by bench/lambda.sh, which builds both and installs cargo-lambda:
    python3 bench/lambda.py APP_DIR

APP_DIR holds the x86_64 release runner and its precompiled components, as
the image ships them; the function's package is the runner, named
`bootstrap`, beside them. Prints
one table: the function's cold start (process start to the first answer,
with the .cwasm and with the .wasm), warm invocations for n = 50, 10^4 and
10^5 against the runner's time for the same requests (each a computation:
both with --cache-bytes 0; and each answered from the cache), and the
package's bytes, as files and zipped. Writes them with the run's hardware
line to bench/results/lambda.json, for bench/render.py.
"""

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import record  # bench/record.py, beside this file

EMULATOR = "127.0.0.1:9100"
RUNNER = "127.0.0.1:9101"
MEMORY_MIB = "1769"
COLD_RUNS = 11
WARM_RUNS = 31
NUMBERS = {50: "50", 10_000: "10^4", 100_000: "10^5"}


def wait_for_port(address, timeout=60.0):
    host, port = address.split(":")
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def get(address, target):
    """Seconds for GET target, its body read to the end."""
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://{address}{target}", timeout=10) as response:
        response.read()
        assert response.status == 200, response.status
    return time.perf_counter() - started


def function_env():
    return {
        "PATH": os.environ["PATH"],
        "AWS_LAMBDA_RUNTIME_API": f"http://{EMULATOR}/.rt",
        "AWS_LAMBDA_FUNCTION_NAME": "_",
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": MEMORY_MIB,
    }


# Every process started, each in a session of its own, killed at the end
# whatever happens.
STARTED = []


def start(command, **options):
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True, **options)
    STARTED.append(process)
    return process


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def start_function(bootstrap, *args, output=subprocess.DEVNULL):
    return start([bootstrap, *args], env=function_env(), stdout=output)


def start_emulator():
    """cargo lambda watch on EMULATOR, ready. One per function: the
    emulator would hand the next invocation to a function killed while it
    waited for one."""
    host, port = EMULATOR.split(":")
    emulator = start(
        ["cargo-lambda", "lambda", "watch", "--only-lambda-apis", "-A", host, "-P", port],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(EMULATOR)
    return emulator


def cold_start(bootstrap, *args):
    """Median milliseconds from starting the function to the first answer
    of an invocation that was waiting for it, as Lambda's first one does."""
    times = []
    for _ in range(COLD_RUNS):
        emulator = start_emulator()
        client = start(["curl", "-sf", "-o", "/dev/null",
                        f"http://{EMULATOR}/api/v1/factorial?number=5"])
        time.sleep(0.2)  # the invocation waits in the emulator's queue
        started = time.perf_counter()
        function = start_function(bootstrap, *args)
        assert client.wait(timeout=60) == 0
        times.append((time.perf_counter() - started) * 1e3)
        stop(function)
        stop(emulator)
    return statistics.median(times)


# Requests the emulator failed. cargo lambda watch acknowledges a function's
# response before it reads it, so a large one now and then reaches the
# client as the emulator's own 500, or is lost with the invocations after
# it. A 500 is sent again; a lost one starts the row again, with a fresh
# emulator and function. Both are counted.
EMULATOR_FAILURES = [0]


def get_retrying(target):
    for _ in range(5):
        try:
            return get(EMULATOR, target)
        except urllib.error.HTTPError as error:
            if error.code != 500:
                raise
            EMULATOR_FAILURES[0] += 1
    raise RuntimeError(f"the emulator failed {target} five times")


def warm(address, target):
    """Median milliseconds of GET target on the runner, after one untimed request."""
    get(address, target)
    return statistics.median(get(address, target) * 1e3 for _ in range(WARM_RUNS))


def warm_function(bootstrap, options, target, work):
    """Median milliseconds of GET target through the emulator, after one
    untimed request, and of the function's own durations."""
    for _ in range(3):
        output = work / "function.log"
        emulator = start_emulator()
        with open(output, "w") as log:
            function = start_function(bootstrap, *options, output=log)
        try:
            get_retrying(target)
            through = statistics.median(get_retrying(target) * 1e3 for _ in range(WARM_RUNS))
            return through, own_durations(output)
        except (TimeoutError, urllib.error.URLError):
            EMULATOR_FAILURES[0] += 1
        finally:
            stop(function)
            stop(emulator)
    raise RuntimeError(f"the emulator lost {target} three times")


def own_durations(output):
    """The median DurationMs of the function's last WARM_RUNS EMF records:
    its time from the event to its response, what Lambda bills."""
    lines = Path(output).read_text().splitlines()
    records = [json.loads(line) for line in lines if '"_aws"' in line]
    return statistics.median(record["DurationMs"] for record in records[-WARM_RUNS:])


def package_bytes(directory):
    """The package's files, and the zip Lambda is given."""
    files = sum(path.stat().st_size for path in Path(directory).iterdir())
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in sorted(Path(directory).iterdir()):
                zipped.write(path, path.name)
        return files, archive.tell()


def main():
    app = Path(sys.argv[1])
    work = Path(tempfile.mkdtemp())
    # The function as its package holds it: `bootstrap` and the component
    # precompiled for this CPU beside it.
    shutil.copy(app / "factorial-runner", work / "bootstrap")
    for artifact in app.glob("*.cwasm"):
        shutil.copy(artifact, work / artifact.name)
    wasm = Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "wasm32-wasip2/release/factorial.wasm"
    bootstrap = str(work / "bootstrap")
    files, zipped = package_bytes(work)
    try:
        cold_cwasm = cold_start(bootstrap)
        cold_wasm = cold_start(bootstrap, "--component", str(wasm.resolve()))

        rows = []
        for cache in ["computed", "from the cache"]:
            options = ["--cache-bytes", "0"] if cache == "computed" else []
            runner = start(
                [str(app / "factorial-runner"), "--listen", RUNNER,
                 "--admin-listen", "127.0.0.1:0", *options],
                env={"PATH": os.environ["PATH"]}, stdout=subprocess.DEVNULL)
            wait_for_port(RUNNER)
            for n, label in NUMBERS.items():
                target = f"/api/v1/factorial?number={n}"
                runner_ms = warm(RUNNER, target)
                through_ms, own_ms = warm_function(bootstrap, options, target, work)
                rows.append((label, cache, runner_ms, through_ms, own_ms))
            stop(runner)
    finally:
        for process in STARTED:
            stop(process)
        shutil.rmtree(work)

    print("| | runner | function, through the emulator | function's own duration |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| cold start (process start to the first answer), `.cwasm` | | {cold_cwasm:.1f} ms | |")
    print(f"| cold start, `.wasm` (compiled at start) | | {cold_wasm:.1f} ms | |")
    for n, cache, runner_ms, through_ms, own_ms in rows:
        print(f"| n = {n}, {cache} | {runner_ms:.2f} ms | {through_ms:.2f} ms "
              f"({through_ms - runner_ms:+.2f}) | {own_ms:.2f} ms |")
    print(f"| the package: `bootstrap` and its `.cwasm` files | | {files:,} bytes, "
          f"{zipped:,} zipped | |")
    print(f"\nRequests the emulator failed (its own 500, or lost), measured again: "
          f"{EMULATOR_FAILURES[0]}")
    write_results(cold_cwasm, cold_wasm, rows, files, zipped)


def write_results(cold_cwasm, cold_wasm, rows, files, zipped):
    """The table's figures and this run's hardware line, in
    bench/results/lambda.json, which bench/render.py renders into
    docs/performance.md."""
    results = {
        "meta": record.meta(),
        "cold_runs": COLD_RUNS,
        "warm_runs": WARM_RUNS,
        "emulator_failures": EMULATOR_FAILURES[0],
        "cold_start_ms": {"cwasm": round(cold_cwasm, 3), "wasm": round(cold_wasm, 3)},
        "requests": [
            {"n": n, "cache": cache, "runner_ms": round(runner_ms, 3),
             "function_ms": round(through_ms, 3), "own_ms": round(own_ms, 3)}
            for n, cache, runner_ms, through_ms, own_ms in rows],
        "package": {"bytes": files, "zipped": zipped},
    }
    record.RESULTS.mkdir(parents=True, exist_ok=True)
    (record.RESULTS / "lambda.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
