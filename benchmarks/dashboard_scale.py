"""The programme dashboard on the demo and again at national scale: its query count and its
median server time, as the coordinator (exact figures) and the evaluator (pseudonymised),
before and after `backontrack seed --mentees N --with-cases` adds N synthetic people with
referrals, mentorships, meetings, goals, reviews and follow-ups.

Usage: .venv/bin/python benchmarks/dashboard_scale.py [--mentees 100000] [--requests 5]
       [--postgres URL] [--keep DIR]

The demo is loaded into a new SQLite database in a temporary directory (or the PostgreSQL
database given, which must be empty), measured, seeded and measured again. `--mentees 0`
measures the demo only.

Seeding 100,000 people takes ten minutes of CPU (an hour on a busy machine), so `--keep DIR`
keeps the seeded database (SQLite: DIR/backontrack.sqlite3) and its keys in DIR: the first
run with an empty DIR loads, measures and seeds as above and then writes DIR/seeded; a later
run with the same DIR (and the same --postgres URL, if any) finds DIR/seeded, applies any new
migrations and measures the seeded database only (the demo's figures come from a run with
`--mentees 0`).

`--by-figure` also times each section of the dashboard (evaluation/dashboard.py, and the
indicators of evaluation/theory.py) on its own, for the default programme and period, after
the pages: where a page's time goes.

Each request is timed on the clock and in this process's CPU time (on SQLite that includes
the database's work; on PostgreSQL the server's is not counted): on a machine shared with
other work the CPU time is the steadier figure.

Not a test: it is not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--mentees", type=int, default=100_000)
parser.add_argument("--requests", type=int, default=5)
parser.add_argument("--postgres", metavar="URL")
parser.add_argument("--keep", metavar="DIR", help="keep the seeded database in DIR and reuse it")
parser.add_argument(
    "--by-figure", action="store_true", help="also time each figure of the dashboard on its own"
)
arguments = parser.parse_args()

if arguments.keep:
    os.makedirs(arguments.keep, exist_ok=True)
    os.environ["BACKONTRACK_VAR_DIR"] = os.path.abspath(arguments.keep)
else:
    os.environ["BACKONTRACK_VAR_DIR"] = tempfile.mkdtemp(prefix="dashboard-scale-")
seeded_marker = os.path.join(os.environ["BACKONTRACK_VAR_DIR"], "seeded")
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
from django.utils import timezone  # noqa: E402

from backontrack.accounts.models import User  # noqa: E402
from backontrack.demo.loader import load_demo_data  # noqa: E402
from backontrack.evaluation import dashboard, theory  # noqa: E402
from backontrack.evaluation.followups import months_before  # noqa: E402
from backontrack.mentees.models import Mentee  # noqa: E402
from backontrack.programmes.models import Programme  # noqa: E402

PAGES = [("coordinator", "/evaluation/"), ("evaluator", "/evaluation/")]


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


def by_figure() -> None:
    """Each section of the dashboard for the default programme over the default period (the
    last 24 months), as the coordinator reads it: CPU and clock time and queries."""
    today = timezone.localdate()
    period = dashboard.Period(Programme.objects.default(), months_before(today, 24), today)
    sections = {f"dashboard.{s.__name__}": s for s in dashboard.SECTIONS}
    sections["theory.tables"] = lambda period: theory.tables(period, pseudonymised=False)
    for name, section in sections.items():
        with CaptureQueriesContext(connection) as queries:
            began, began_cpu = time.perf_counter(), time.process_time()
            section(period)
            cpu = time.process_time() - began_cpu
            took = time.perf_counter() - began
        print(
            f"    {name}: {len(queries.captured_queries)} queries, {took * 1000:,.0f} ms "
            f"(CPU {cpu * 1000:,.0f} ms)"
        )


def measure(label: str) -> None:
    print(f"{label}: {Mentee.objects.count():,} people in the register, on {connection.vendor}")
    for username, path in PAGES:
        if client_of(username).get(path).status_code != 200:  # the warm-up: templates, imports
            raise SystemExit(f"{path} does not answer 200 for {username}")
        times, cpu_times = [], []
        for _ in range(arguments.requests):
            # A fresh session for each request: a session whose last activity was written
            # over a minute ago is written again (3 more queries), which a slow page reaches.
            client = client_of(username)
            with CaptureQueriesContext(connection) as queries:
                began, began_cpu = time.perf_counter(), time.process_time()
                client.get(path)
                times.append(time.perf_counter() - began)
                cpu_times.append(time.process_time() - began_cpu)
        print(
            f"  {path} as {username}: {len(queries.captured_queries)} queries, "
            f"median {statistics.median(times) * 1000:,.0f} ms of {arguments.requests} "
            f"(this process's CPU: median {statistics.median(cpu_times) * 1000:,.0f} ms)"
        )
    if arguments.by_figure:
        print("  each figure on its own:")
        by_figure()


call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
if os.path.exists(seeded_marker):
    with open(seeded_marker) as marker:
        print(f"reusing the database seeded with {marker.read().strip()} in {arguments.keep}")
    measure("the kept, seeded database")
    raise SystemExit
load_demo_data()
measure("the demo")
if arguments.mentees:
    began = time.perf_counter()
    call_command("seed", mentees=arguments.mentees, with_cases=True, verbosity=0)
    seeded_in = time.perf_counter() - began
    print(f"seed --mentees {arguments.mentees:,} --with-cases: {seeded_in:,.0f} s")
    if arguments.keep:
        with open(seeded_marker, "w") as marker:
            marker.write(f"--mentees {arguments.mentees} --with-cases\n")
    measure("national scale")
