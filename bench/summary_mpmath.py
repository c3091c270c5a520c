"""Times mpmath.loggamma(n + 1) at 60 significant digits, alone and as the
summary's answer.

This is how a Python user would estimate log(n!) for the leading digits of
a huge n!, without error bounds: the yardstick the summary is timed against.
`cargo bench --bench factorial` runs this script once per n
(bench/factorial/summary.rs); by hand:

    .venv/bin/python bench/summary_mpmath.py 100000 21 30

(n, SAMPLES and K) prints "n cold warm answer digits leading", times in
seconds:

- cold: the first call of loggamma in this process, which fills mpmath's
  caches (ln 2, pi, Bernoulli numbers, logarithms of leading bits);
- warm: the median of SAMPLES calls of loggamma after it;
- answer: the median of SAMPLES calls of what a user does with loggamma to
  get what the summary gives, the digit count and the first K digits of n!;
- digits and leading: that answer, which the benchmark checks against the
  summary's.

mpmath uses gmpy2 for its integers when it is installed, as it is in the
project's venv.
"""

import statistics
import sys
import time

import mpmath

mpmath.mp.dps = 60


def answer(n, leading):
    """The digit count of n! and its first `leading` digits, from loggamma."""
    log10 = mpmath.loggamma(mpmath.mpf(n) + 1) / mpmath.ln10
    exponent = int(mpmath.floor(log10))
    prefix = mpmath.floor(mpmath.power(10, log10 - exponent + (leading - 1)))
    return exponent + 1, str(int(prefix))


def seconds(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def median(call, samples):
    return statistics.median(seconds(call) for _ in range(samples))


n = int(sys.argv[1])
samples = int(sys.argv[2])
k = int(sys.argv[3])
x = mpmath.mpf(n) + 1
cold = seconds(lambda: mpmath.loggamma(x))
warm = median(lambda: mpmath.loggamma(x), samples)
digits, leading = answer(n, k)
answer_warm = median(lambda: answer(n, k), samples)
print(n, cold, warm, answer_warm, digits, leading)
