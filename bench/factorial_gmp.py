"""Times n! in decimal with CPython and with GMP (gmpy2).

usage: factorial_gmp.py DIGITS_DIR CPYTHON_MAX_N RUNS N...
Prints one CSV line per n: n,digits,gmp_seconds,cpython_seconds (empty when
n is above CPYTHON_MAX_N: CPython's conversion is quadratic, minutes at 10^6),
and writes GMP's digits to DIGITS_DIR/N.txt for the caller to compare.
Each time is the best of RUNS runs of factorial plus all its digits (fewer
for the slow CPython).
"""

import math
import sys
import time

import gmpy2


def best_of(runs, compute):
    best = math.inf
    for _ in range(runs):
        start = time.perf_counter()
        digits = compute()
        best = min(best, time.perf_counter() - start)
    return best, digits


def main():
    sys.set_int_max_str_digits(0)
    digits_dir = sys.argv[1]
    cpython_max_n = int(sys.argv[2])
    runs = int(sys.argv[3])
    for n in map(int, sys.argv[4:]):
        gmp, digits = best_of(runs, lambda: gmpy2.fac(n).digits())
        cpython = ""
        if n <= cpython_max_n:
            cpython_runs = 3 if n <= 10_000 else 1
            seconds, text = best_of(cpython_runs, lambda: str(math.factorial(n)))
            assert text == digits, f"CPython and GMP disagree on {n}!"
            cpython = f"{seconds:.6f}"
        with open(f"{digits_dir}/{n}.txt", "w", encoding="ascii") as out:
            out.write(digits)
        print(f"{n},{len(digits)},{gmp:.6f},{cpython}", flush=True)


if __name__ == "__main__":
    main()
