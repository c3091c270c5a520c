"""Times n! in decimal with CPython and with GMP (gmpy2).

usage: factorial_gmp.py DIGITS_DIR CPYTHON_MAX_N RUNS ONCE_FROM_N N...
Prints one CSV line per n:
n,digits,gmp_factorial_seconds,gmp_digits_seconds,cpython_seconds (the last
empty when n is above CPYTHON_MAX_N: CPython's conversion is quadratic,
minutes at 10^6), and writes GMP's digits to DIGITS_DIR/N.txt for the caller
to compare. GMP's two times are `gmpy2.fac(n)` (`mpz_fac_ui`) and
`.digits()` (`mpz_get_str`) of the run whose sum is the best of RUNS runs,
one run from ONCE_FROM_N on; CPython's is factorial plus all its digits, in
fewer runs.
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


def gmp_best_of(runs, n):
    """The factorial and digit times of GMP's best run, and the digits."""
    best = (math.inf, math.inf)
    for _ in range(runs):
        start = time.perf_counter()
        factorial = gmpy2.fac(n)
        middle = time.perf_counter()
        digits = factorial.digits()
        end = time.perf_counter()
        if end - start < sum(best):
            best = (middle - start, end - middle)
    return best, digits


def main():
    sys.set_int_max_str_digits(0)
    digits_dir = sys.argv[1]
    cpython_max_n = int(sys.argv[2])
    runs = int(sys.argv[3])
    once_from_n = int(sys.argv[4])
    for n in map(int, sys.argv[5:]):
        (factorial, conversion), digits = gmp_best_of(runs if n < once_from_n else 1, n)
        cpython = ""
        if n <= cpython_max_n:
            cpython_runs = 3 if n <= 10_000 else 1
            seconds, text = best_of(cpython_runs, lambda: str(math.factorial(n)))
            assert text == digits, f"CPython and GMP disagree on {n}!"
            cpython = f"{seconds:.6f}"
        with open(f"{digits_dir}/{n}.txt", "w", encoding="ascii") as out:
            out.write(digits)
        print(
            f"{n},{len(digits)},{factorial:.6f},{conversion:.6f},{cpython}",
            flush=True,
        )


if __name__ == "__main__":
    main()
