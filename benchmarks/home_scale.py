"""The coordinator's home page on the demo and at national scale: its query count and its
median server time (wall-clock, of it in queries, and this process's CPU time: on a
loaded machine the last two are the figures to compare), and its slowest queries, before and after
`backontrack seed --mentees N --with-cases` adds N synthetic people with referrals,
mentorships, meetings, goals, reviews and follow-ups.

Usage: .venv/bin/python benchmarks/home_scale.py --dir DIR [--postgres URL]
       [--mentees 100000] [--requests 7] [--demo-only]

DIR keeps the database's keys (and, on SQLite, its file) so that a seeded database is
measured again later without seeding it again (seeding 100,000 people takes about ten
minutes of CPU). When the database is empty, the demo is loaded and measured, then seeded
and measured; when it was seeded before, its migrations are brought up to date and it is
measured as it is. `--demo-only` stops after the demo. The PostgreSQL database given must
exist (createdb). Not a test: it is not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--dir", required=True, help="keeps the keys and the SQLite database")
parser.add_argument("--postgres", metavar="URL")
parser.add_argument("--mentees", type=int, default=100_000)
parser.add_argument("--requests", type=int, default=7)
parser.add_argument("--user", default="coordinator")
parser.add_argument("--demo-only", action="store_true")
arguments = parser.parse_args()

Path(arguments.dir).mkdir(parents=True, exist_ok=True)
os.environ["BACKONTRACK_VAR_DIR"] = str(Path(arguments.dir).resolve())
os.environ.pop("DATABASE_URL", None)
if arguments.postgres:
    os.environ["DATABASE_URL"] = arguments.postgres
os.environ["DJANGO_SETTINGS_MODULE"] = "backontrack.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from backontrack.accounts.models import User  # noqa: E402
from backontrack.demo.loader import load_demo_data  # noqa: E402
from backontrack.mentees.models import Mentee  # noqa: E402
from backontrack.mentorships.models import Mentorship  # noqa: E402

SLOWEST = 3


def client_of(username: str) -> Client:
    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "backontrack.accounts.backends.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["signed_in_at"] = session["last_seen"] = time.time()
    session.save(must_create=True)
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = str(session.session_key)
    return client


def measure(label: str) -> None:
    print(
        f"{label}: {Mentee.objects.count():,} people in the register, "
        f"{Mentorship.objects.exclude(status='closed').count():,} open mentorships, "
        f"on {connection.vendor}"
    )
    client = client_of(arguments.user)
    if client.get("/").status_code != 200:  # the warm-up: templates, imports
        raise SystemExit(f"/ does not answer 200 for {arguments.user}")
    times, cpu_times, sql_times = [], [], []
    slowest: list[tuple[float, str]] = []
    for _ in range(arguments.requests):
        with CaptureQueriesContext(connection) as queries:
            began, cpu_began = time.perf_counter(), time.process_time()
            client.get("/")
            times.append(time.perf_counter() - began)
            cpu_times.append(time.process_time() - cpu_began)
        sql_times.append(sum(float(query["time"]) for query in queries.captured_queries))
        slowest = sorted(
            ((float(query["time"]), query["sql"]) for query in queries.captured_queries),
            reverse=True,
        )[:SLOWEST]
    print(
        f"  / as {arguments.user}: {len(queries.captured_queries)} queries, "
        f"median {statistics.median(times) * 1000:,.0f} ms of {arguments.requests} "
        f"(min {min(times) * 1000:,.0f}, max {max(times) * 1000:,.0f}); median "
        f"{statistics.median(sql_times) * 1000:,.0f} ms in the database's queries, "
        f"{statistics.median(cpu_times) * 1000:,.0f} ms of this process's CPU"
    )
    for seconds, sql in slowest:
        print(f"    {seconds * 1000:6,.1f} ms  {sql[:150]}")


call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
if not User.objects.filter(username=arguments.user).exists():
    load_demo_data()
    measure("the demo")
    if arguments.demo_only:
        raise SystemExit
    began = time.perf_counter()
    call_command("seed", mentees=arguments.mentees, with_cases=True, verbosity=0)
    seconds = time.perf_counter() - began
    print(f"seed --mentees {arguments.mentees:,} --with-cases: {seconds:,.0f} s")
    measure("national scale")
else:
    measure("as seeded before")
