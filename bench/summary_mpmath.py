"""Times mpmath.loggamma(n + 1) at 60 significant digits.

This is how a Python user would estimate log(n!) for the leading digits of
a huge n!, without error bounds: the yardstick of issue 7 for the summary.
`cargo bench --bench factorial` runs this script once per n
(bench/factorial/summary.rs); by hand:

    .venv/bin/python bench/summary_mpmath.py 100000 21

prints "n cold warm" in seconds: the first call in this process, which
fills mpmath's caches (ln 2, pi, Bernoulli numbers, logarithms of leading
bits), and the median of SAMPLES calls after it. mpmath uses gmpy2 for its
integers when it is installed, as it is in the project's venv.
"""

import statistics
import sys
import time

import mpmath

mpmath.mp.dps = 60


def seconds(x):
    start = time.perf_counter()
    mpmath.loggamma(x)
    return time.perf_counter() - start


n = int(sys.argv[1])
samples = int(sys.argv[2])
x = mpmath.mpf(n) + 1
cold = seconds(x)
warm = statistics.median(seconds(x) for _ in range(samples))
print(n, cold, warm)
