"""What the PostgreSQL backends of one database wait on while it is busy: samples
`pg_stat_activity` every 20 ms for a number of seconds and, over the samples in which at
least three of its backends were active or idle in a transaction, counts each backend's wait
(`Lock` with the statement that waits, `Client` while the backend waits for the next
statement of a transaction, `IO`, or CPU when it waits on nothing).

Run it beside a load, for instance `benchmarks/throughput.py --postgres URL` in another
shell (its page runs begin after the demo is loaded):

  .venv/bin/python benchmarks/lock_waits.py DATABASE [--seconds 100]

Not a test: it is not collected by pytest.
"""

from __future__ import annotations

import argparse
import collections
import time

import psycopg

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("database", help="the database name whose backends are sampled")
parser.add_argument("--seconds", type=float, default=100)
parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
arguments = parser.parse_args()

SAMPLE = """
SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, ''), state,
       CASE WHEN wait_event_type = 'Lock' THEN left(query, 60) ELSE '' END
FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()
"""

counts: collections.Counter[tuple[str, ...]] = collections.Counter()
samples = busy = 0
with psycopg.connect(arguments.server, autocommit=True) as connection:
    end = time.monotonic() + arguments.seconds
    while time.monotonic() < end:
        rows = connection.execute(SAMPLE, [arguments.database]).fetchall()
        working = [row for row in rows if (row[2] or "").startswith(("active", "idle in"))]
        samples += 1
        if len(working) >= 3:
            busy += 1
            counts.update(tuple(row) for row in working)
        time.sleep(0.02)
print(f"{samples} samples, {busy} with three or more backends at work; their waits:")
for (kind, event, state, statement), seen in counts.most_common(12):
    print(f"{seen:7,}  {kind:7} {event:14} {state:20} {statement}")
