"""A bounded load test of the mixed journeys, then a check that the audit trail verifies.

For a fixed number of users and a fixed time, locust (headless) plays mentors recording
meetings and reading their home and mentorship pages, coordinators on their home and their
mentees' pages, and auditors reading the trail (`benchmarks/load_journeys.py`), against
gunicorn with the production server's settings (gthread, 2 workers of 4 threads). It prints
requests a second, p50, p95 and errors, in all and for each kind of request; then stops the
server, counts the meetings recorded and runs `backontrack verify-audit` on the database.

Usage:
  .venv/bin/pip install -e '.[load]'
  .venv/bin/python benchmarks/load_test.py [--users 20] [--seconds 60] [--postgres URL]

By default the demo is loaded into a new SQLite database in a temporary directory;
`--postgres URL` names a PostgreSQL database that does not exist yet (it is created, and
dropped at the end). Not a test: it is not collected by pytest.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--users", type=int, default=20)
parser.add_argument("--seconds", type=int, default=60)
parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to create")
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--threads", type=int, default=4)
arguments = parser.parse_args()

HERE = Path(__file__).resolve().parent
BACKONTRACK = str(Path(sys.executable).with_name("backontrack"))
scratch = Path(tempfile.mkdtemp(prefix="load-test-"))
environment = {**os.environ, "BACKONTRACK_VAR_DIR": str(scratch), "PYTHONUNBUFFERED": "1"}
environment.pop("DATABASE_URL", None)
environment.pop("DJANGO_SETTINGS_MODULE", None)
if arguments.postgres:
    environment["DATABASE_URL"] = arguments.postgres

# In a subprocess with the server's settings: the demo loaded, and a signed-in session for
# each persona of the journeys with the records it works on.
PREPARE = """
import json, sys, time, django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from backontrack.accounts.models import User
from backontrack.core import access
from backontrack.demo.loader import load_demo_data
from backontrack.mentorships.models import Meeting, Mentorship
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
load_demo_data()

def session(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "backontrack.accounts.backends.AccountBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["signed_in_at"] = store["last_seen"] = time.time()
    store.save(must_create=True)
    return store.session_key

sessions = {"mentor": [], "coordinator": [], "auditor": []}
for user in User.objects.filter(username__startswith="mentor").order_by("username"):
    mentorships = list(
        Mentorship.objects.filter(mentor__user=user, status="active").values_list("id", flat=True)
    )
    if mentorships:
        sessions["mentor"].append({"session": session(user), "mentorships": mentorships})
for name in ("coordinator", "coordinator2"):
    user = User.objects.get(username=name)
    mentees = list(access.mentees_visible_to(user).values_list("id", flat=True)[:50])
    sessions["coordinator"].append({"session": session(user), "mentees": mentees})
sessions["auditor"].append({"session": session(User.objects.get(username="auditor"))})
json.dump(sessions, open(sys.argv[1], "w"))
print(Meeting.objects.count())
"""

COUNT_MEETINGS = """
import django
django.setup()
from backontrack.mentorships.models import Meeting
print(Meeting.objects.count())
"""


def run_python(script: str, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (our own scripts)
        [sys.executable, "-c", script, *args],
        env={**environment, "DJANGO_SETTINGS_MODULE": "backontrack.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.split()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(port: int) -> subprocess.Popen[bytes]:
    command = [
        *(sys.executable, "-m", "gunicorn", "backontrack.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--worker-class", "gthread"),
        *("--workers", str(arguments.workers), "--threads", str(arguments.threads)),
        *("--access-logfile", "-", "--timeout", "60", "--log-level", "warning"),
    ]
    server = subprocess.Popen(  # noqa: S603
        command,
        env={**environment, "DJANGO_SETTINGS_MODULE": "backontrack.settings"},
        stdout=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not start")


def database(action: str) -> None:
    """Create or drop the PostgreSQL database of --postgres."""
    if not arguments.postgres:
        return
    server, name = arguments.postgres.rsplit("/", 1)
    command = "CREATE" if action == "create" else "DROP"
    script = (
        "import sys, psycopg\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        f"    c.execute('{command} DATABASE \"' + sys.argv[2] + '\"')\n"
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", script, f"{server}/postgres", name], check=True
    )


def report(stats: Path) -> None:
    rows = list(csv.DictReader(stats.open()))
    print(f"{'':<32} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        print(
            f"{row['Name']:<32} {row['Request Count']:>9} {row['Failure Count']:>7} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7}"
        )


database("create")
try:
    sessions = scratch / "sessions.json"
    meetings_before = int(run_python(PREPARE, str(sessions)))
    port = free_port()
    server = serve(port)
    try:
        engine = "PostgreSQL" if arguments.postgres else "SQLite"
        print(
            f"{arguments.users} users for {arguments.seconds} s against gunicorn "
            f"({arguments.workers} workers x {arguments.threads} threads), {engine}"
        )
        subprocess.run(  # noqa: S603
            [
                *(sys.executable, "-m", "locust", "-f", str(HERE / "load_journeys.py")),
                *("--headless", "--only-summary", "--loglevel", "WARNING"),
                *("--users", str(arguments.users), "--spawn-rate", str(arguments.users)),
                *("--run-time", f"{arguments.seconds}s", "--stop-timeout", "10"),
                *("--host", f"http://127.0.0.1:{port}", "--csv", str(scratch / "load")),
            ],
            env={**environment, "BACKONTRACK_LOAD_SESSIONS": str(sessions)},
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
    report(scratch / "load_stats.csv")
    for failure in csv.DictReader((scratch / "load_failures.csv").open()):
        print(f"error, {failure['Occurrences']} times: {failure['Name']}: {failure['Error']}")
    meetings = int(run_python(COUNT_MEETINGS)) - meetings_before
    print(f"meetings recorded: {meetings}")
    verified = subprocess.run(  # noqa: S603
        [BACKONTRACK, "verify-audit"],
        env={**environment, "DJANGO_SETTINGS_MODULE": "backontrack.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    print(f"verify-audit (exit {verified.returncode}): {verified.stdout.strip()}")
    if verified.returncode:
        print(verified.stderr.strip())
finally:
    database("drop")
    shutil.rmtree(scratch, ignore_errors=True)
