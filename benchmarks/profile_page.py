"""Where the time of one signed-in page goes: the coordinator's mentee page, requested many
times in process through Django's test client (the whole middleware stack, the session, the
user's roles, the access policy, the audit write, the template), under cProfile.

Prints the time a request takes, its queries and their time, and the share of the parts
that matter, as cumulative milliseconds a request.

Usage: .venv/bin/python benchmarks/profile_page.py [--requests 200] [--postgres URL]
       [--path /mentees/N/]

The demo is loaded into a new SQLite database in a temporary directory (or the PostgreSQL
database given). Not a test: it is not collected by pytest.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--requests", type=int, default=200)
parser.add_argument("--postgres", metavar="URL")
parser.add_argument("--path", help="the page (default: a mentee of the coordinator's)")
parser.add_argument("--user", default="coordinator")
arguments = parser.parse_args()

os.environ["BACKONTRACK_VAR_DIR"] = tempfile.mkdtemp(prefix="profile-page-")
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
from backontrack.mentorships.models import Mentorship  # noqa: E402

# The parts of a request worth naming, as (label, file suffix, function name).
PARTS = [
    ("whole request (test client)", "django/test/client.py", "request"),
    ("session load", "sessions/backends/db.py", "load"),
    ("session save", "sessions/backends/db.py", "save"),
    ("user and roles (get_user)", "accounts/backends.py", "get_user"),
    ("session limits middleware", "accounts/middleware.py", "__call__"),
    ("the view", "mentees/views.py", "mentee_detail"),
    ("  access policy: mentee_for", "core/access.py", "mentee_for"),
    ("  selector: mentee_record", "mentees/selectors.py", "mentee_record"),
    ("  audit record (all events)", "audit/services.py", "record"),
    ("    people concerned", "audit/people.py", "people_concerned"),
    ("    relation to the people", "audit/people.py", "relation_to"),
    ("    chain head lock", "audit/services.py", "_head"),
    ("    head read and ids (PostgreSQL)", "audit/services.py", "_head_and_ids"),
    ("    the one statement (PostgreSQL)", "audit/services.py", "_appended_in_one_statement"),
    ("    hash", "audit/services.py", "event_hash"),
    ("  template rendering", "django/template/backends/django.py", "render"),
    ("security headers middleware", "core/middleware.py", "__call__"),
    ("SQL (execute)", "django/db/backends/utils.py", "_execute"),
]

call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
load_demo_data()
user = User.objects.get(username=arguments.user)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "backontrack.accounts.backends.AccountBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session["signed_in_at"] = session["last_seen"] = time.time()
session.save(must_create=True)
client = Client(HTTP_HOST="127.0.0.1")
client.cookies[settings.SESSION_COOKIE_NAME] = str(session.session_key)
path = arguments.path or (
    f"/mentees/{Mentorship.objects.filter(status='active').earliest('id').mentee_id}/"
)
if client.get(path).status_code != 200:  # the warm-up: templates, imports
    raise SystemExit(f"{path} does not answer 200 for {arguments.user}")

with CaptureQueriesContext(connection) as queries:
    began, cpu_began = time.perf_counter(), time.process_time()
    for _ in range(arguments.requests):
        client.get(path)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
per_request = elapsed / arguments.requests * 1000
sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000 / arguments.requests
print(f"{path} on {connection.vendor}, {arguments.requests} requests as {arguments.user}:")
print(
    f"  {per_request:.1f} ms a request without the profiler, of which "
    f"{cpu / arguments.requests * 1000:.1f} ms of this process's CPU time (on a loaded machine "
    "the CPU time is the figure to compare)"
)
queries_a_request = len(queries.captured_queries) / arguments.requests
print(f"  {queries_a_request:.1f} queries a request, {sql_ms:.1f} ms")
writes = [
    q["sql"].split()[0]
    for q in queries.captured_queries
    if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
]
print(f"  writes a request: {len(writes) / arguments.requests:.1f} ({sorted(set(writes))})")

profiler = cProfile.Profile()
profiler.enable()
for _ in range(arguments.requests):
    client.get(path)
profiler.disable()
stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
print("\nunder cProfile, cumulative ms a request (the profiler slows everything alike):")
for label, suffix, name in PARTS:
    found = [
        (calls, cumulative)
        for (filename, _line, function), (_cc, calls, _tt, cumulative, _callers) in stats.items()
        if filename.endswith(suffix) and function == name
    ]
    calls = sum(c for c, _ in found)
    cumulative = sum(t for _, t in found)
    print(
        f"  {label:<34} {cumulative * 1000 / arguments.requests:7.2f} ms "
        f"({calls / arguments.requests:.1f} calls)"
    )
print("\nthe functions that take the most time of their own:")
pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
