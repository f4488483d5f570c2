"""How fast `backontrack verify-audit` walks a large audit trail.

Builds a synthetic, correctly chained trail in a scratch database (by default a new SQLite
file in a temporary directory; `--postgres URL` for an empty PostgreSQL database): 80 % views
of one record, 20 % lists showing ten, as the application writes them. Then times the full
walk, the walk against a checkpoint, and `--since-checkpoint` after 1 % more events.

Usage: .venv/bin/python benchmarks/verify_audit.py [--events 500000] [--postgres URL]

Not a test: it is not collected by pytest and takes a minute or more at full scale.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--events", type=int, default=500_000)
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

from backontrack.audit.models import (  # noqa: E402
    Action,
    AuditChainHead,
    AuditEvent,
    AuditEventSubject,
)
from backontrack.audit.services import GENESIS, event_hash  # noqa: E402

BATCH = 5_000


def build(count: int) -> None:
    """Append `count` events to the chain, as `record` would, but in large batches."""
    head = AuditChainHead.objects.get(pk=1)
    previous, next_id = head.last_hash, head.last_event_id + 1
    start = timezone.now() - timedelta(days=365)
    done = 0
    while done < count:
        events, subjects = [], []
        for number in range(done, min(count, done + BATCH)):
            shown = [str(number % 5000 + k) for k in range(10)] if number % 5 == 0 else []
            event = AuditEvent(
                id=next_id,
                occurred_at=start + timedelta(seconds=number * 30),
                actor_username=f"mentor{number % 10:02d}",
                actor_roles="mentor",
                action=Action.LIST if shown else Action.VIEW,
                object_type="mentees.mentee",
                object_id="" if shown else str(number % 5000),
                object_ids=shown,
                fields=[] if shown else ["first_name", "last_name", "notes"],
                request_id=f"{number:032x}",
                address="192.0.2.10",
                previous_hash=previous,
            )
            event.hash = event_hash(event, previous)
            previous = event.hash
            events.append(event)
            subjects += [
                AuditEventSubject(event_id=next_id, object_type="mentees.mentee", object_id=i)
                for i in sorted(set(shown or [event.object_id]))
            ]
            next_id += 1
        with transaction.atomic():
            AuditEvent.objects.bulk_create(events)
            AuditEventSubject.objects.bulk_create(subjects)
            AuditChainHead.objects.filter(pk=1).update(
                last_event_id=next_id - 1, last_hash=previous
            )
        done += len(events)


def timed(*args: str) -> tuple[float, str]:
    out = io.StringIO()
    began = time.perf_counter()
    call_command("verify-audit", *args, stdout=out, stderr=io.StringIO())
    return time.perf_counter() - began, out.getvalue().splitlines()[0]


call_command("migrate", verbosity=0)
if AuditEvent.objects.exists():
    sys.exit("The database already holds audit events: give an empty one.")
if AuditChainHead.objects.get(pk=1).last_hash != GENESIS:
    sys.exit("The chain head is not at the start: give an empty database.")

began = time.perf_counter()
build(arguments.events)
built_in = time.perf_counter() - began
print(f"built {arguments.events:,} events on {connection.vendor} in {built_in:.0f} s")

seconds, line = timed()
print(f"verify-audit: {seconds:.1f} s, {arguments.events / seconds:,.0f} events/s — {line}")
call_command("audit-checkpoint", stdout=io.StringIO())
seconds, line = timed()
print(f"verify-audit, one checkpoint: {seconds:.1f} s, {arguments.events / seconds:,.0f} events/s")
build(arguments.events // 100)
seconds, line = timed("--since-checkpoint")
print(f"verify-audit --since-checkpoint: {seconds:.2f} s — {line}")
