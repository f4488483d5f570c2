"""How fast `backontrack verify-audit` walks a large audit trail.

Builds a synthetic, correctly chained trail in a scratch database (by default a new SQLite
file in a temporary directory; `--postgres URL` for an empty PostgreSQL database): 80 % views
of one record, 20 % lists showing ten, hashed by the writer's own function and stored as
Django stores them, but inserted in large raw batches (a million events in a minute or two).
One event in ten came through the API (`via`, `via_token`). Then times the full walk in one
process and in one per core, the walk against a checkpoint, and `--since-checkpoint` after 1 %
more events.

Usage: .venv/bin/python benchmarks/verify_audit.py [--events 1000000] [--postgres URL]

Not a test: it is not collected by pytest and takes a minute or more at full scale.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--events", type=int, default=1_000_000)
parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database")
arguments = parser.parse_args()

scratch = tempfile.mkdtemp(prefix="verify-audit-")
os.environ["BACKONTRACK_VAR_DIR"] = scratch
os.environ.pop("DATABASE_URL", None)
if arguments.postgres:
    os.environ["DATABASE_URL"] = arguments.postgres
os.environ["DJANGO_SETTINGS_MODULE"] = "backontrack.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from backontrack.audit.models import AuditChainHead, AuditEvent  # noqa: E402
from backontrack.audit.services import CONTENT_FIELDS, GENESIS, _hash  # noqa: E402

BATCH = 10_000
COLUMNS = ("id", *CONTENT_FIELDS, "previous_hash", "hash")
JSON_COLUMNS = {"object_ids", "fields", "people"}


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows at once: COPY on PostgreSQL, one prepared INSERT on SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            # The table and column names are this script's own constants.
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)


def build(count: int) -> None:
    """Append `count` events to the chain, hashed by the writer's own function (`_hash`,
    which `record` uses) and stored as Django stores them, in large batches of raw inserts."""
    head = AuditChainHead.objects.get(pk=1)
    previous, next_id = head.last_hash, head.last_event_id + 1
    start = timezone.now() - timedelta(days=365)
    stored_time = connection.ops.adapt_datetimefield_value
    done = 0
    while done < count:
        events, subjects = [], []
        for number in range(done, min(count, done + BATCH)):
            shown = [str(number % 5000 + k) for k in range(10)] if number % 5 == 0 else []
            values = {
                "occurred_at": start + timedelta(seconds=number * 30, microseconds=number % 997),
                "actor_id": None,
                "actor_username": f"mentor{number % 10:02d}",
                "actor_roles": "mentor",
                "action": "list" if shown else "view",
                "object_type": "mentees.mentee",
                "object_id": "" if shown else str(number % 5000),
                "object_ids": shown,
                "fields": [] if shown else ["first_name", "last_name", "notes"],
                "justification": "",
                "recipient": "",
                "detail": "",
                "request_id": f"{number:032x}",
                "address": "192.0.2.10",
                "people": [],
                # One event in ten came through the API, as a register's or a case system's.
                "via": "api:mentees-detail" if number % 10 == 3 else "",
                "via_token": f"{number % 7:016x}" if number % 10 == 3 else "",
            }
            event_hash = _hash([values[name] for name in CONTENT_FIELDS], previous)
            stored = {
                **values,
                "occurred_at": stored_time(values["occurred_at"])
                if connection.vendor == "sqlite"
                else values["occurred_at"],
                **{name: json.dumps(values[name]) for name in JSON_COLUMNS},
            }
            events.append(
                (next_id, *(stored[name] for name in CONTENT_FIELDS), previous, event_hash)
            )
            subjects += [
                (next_id, "mentees.mentee", i) for i in sorted(set(shown or [values["object_id"]]))
            ]
            previous = event_hash
            next_id += 1
        with transaction.atomic():
            _insert("audit_auditevent", COLUMNS, events)
            _insert("audit_auditeventsubject", ("event_id", "object_type", "object_id"), subjects)
            AuditChainHead.objects.filter(pk=1).update(
                last_event_id=next_id - 1, last_hash=previous
            )
        done += len(events)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), %s)",
                [next_id - 1],
            )
            cursor.execute("ANALYZE audit_auditevent")
            cursor.execute("ANALYZE audit_auditeventsubject")


def timed(*args: str) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds (this process and its worker processes) of a run."""
    out = io.StringIO()
    before, began = os.times(), time.perf_counter()
    call_command("verify-audit", *args, stdout=out, stderr=io.StringIO())
    wall, after = time.perf_counter() - began, os.times()
    cpu = sum(after[:4]) - sum(before[:4])
    return wall, cpu, out.getvalue().splitlines()[0]


call_command("migrate", verbosity=0)
if AuditEvent.objects.exists():
    sys.exit("The database already holds audit events: give an empty one.")
if AuditChainHead.objects.get(pk=1).last_hash != GENESIS:
    sys.exit("The chain head is not at the start: give an empty database.")

began = time.perf_counter()
build(arguments.events)
built_in = time.perf_counter() - began
print(f"built {arguments.events:,} events on {connection.vendor} in {built_in:.0f} s")
connection.close()

for workers in ("1", str(len(os.sched_getaffinity(0)))):
    wall, cpu, line = timed("--workers", workers)
    print(
        f"verify-audit --workers {workers}: {wall:.1f} s, {arguments.events / wall:,.0f} "
        f"events/s ({cpu:.1f} CPU s, {arguments.events / cpu:,.0f} events per CPU second) "
        f"— {line}"
    )
call_command("audit-checkpoint", stdout=io.StringIO())
wall, cpu, line = timed()
print(f"verify-audit, one checkpoint: {wall:.1f} s, {arguments.events / wall:,.0f} events/s")
build(arguments.events // 100)
wall, cpu, line = timed("--since-checkpoint")
print(f"verify-audit --since-checkpoint: {wall:.2f} s — {line}")
connection.close()
shutil.rmtree(scratch)
