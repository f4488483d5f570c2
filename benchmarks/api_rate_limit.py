"""What the API's rate limit costs a call, and that its count holds across processes
(decision 0034): the time of the statement that counts a person's call (`ratelimit.bump`)
and of the look-up of an address's failed secrets (`ratelimit.count_of`), each run N times;
then P processes counting calls of one person at once, whose total must be P times M.

Usage: .venv/bin/python benchmarks/api_rate_limit.py [--calls 2000] [--processes 2]
       [--each 500] [--postgres URL]

The tables are made in a new SQLite database in a temporary directory (or the PostgreSQL
database given, which must be empty). Not a test: it is not collected by pytest.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--calls", type=int, default=2000)
parser.add_argument("--processes", type=int, default=2)
parser.add_argument("--each", type=int, default=500)
parser.add_argument("--postgres", default="")
arguments = parser.parse_args()

if arguments.postgres:
    os.environ["DATABASE_URL"] = arguments.postgres
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/rate.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "backontrack.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from backontrack.api import ratelimit  # noqa: E402
from backontrack.api.models import RateCount  # noqa: E402

RATE = ratelimit.Rate(calls=10**9, seconds=3600)


def timed(label: str, call: object) -> None:
    times = []
    for _ in range(arguments.calls):
        began = time.perf_counter()
        call()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    print(
        f"  {label}: median {statistics.median(times) * 1e6:,.0f} µs, "
        f"95th percentile {sorted(times)[int(len(times) * 0.95)] * 1e6:,.0f} µs "
        f"of {arguments.calls:,}"
    )


def count_calls(_worker: int) -> None:
    from django.db import connections

    connections.close_all()  # each process its own connection
    for _ in range(arguments.each):
        ratelimit.bump("person", "shared", RATE)


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    print(f"On {connection.vendor}:")
    timed("bump (one person's call counted)", lambda: ratelimit.bump("person", "1", RATE))
    timed("count_of (an address's failures read)", lambda: ratelimit.count_of("address", "a", RATE))
    connection.close()
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(arguments.processes) as pool:
        pool.map(count_calls, range(arguments.processes))
    took = time.perf_counter() - began
    counted = RateCount.objects.get(key="person:shared").count
    expected = arguments.processes * arguments.each
    print(
        f"  {arguments.processes} processes, {arguments.each} calls each, of one person at once: "
        f"counted {counted:,} of {expected:,} in {took:,.2f} s"
    )
    if counted != expected:
        raise SystemExit("the count lost calls")
