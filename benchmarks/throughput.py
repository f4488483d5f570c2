"""Requests a second: the signed-in coordinator's mentee page against a bare Django view.

Both are served in the same run by gunicorn with the same settings (the production server's:
gthread, 2 workers of 4 threads, the access log written), one after the other, and loaded by
wrk (`apt-get install wrk`) with the same parameters. The page is the real one: the session
is read, the user's roles and programmes loaded, the access policy asked, the read recorded
in the audit trail, the template rendered.

Usage:
  .venv/bin/python benchmarks/throughput.py [--postgres URL] [--seconds 15] [--connections 16]
      [--source DIR]

By default the demo is loaded into a new SQLite database in a temporary directory;
`--postgres URL` loads it into that database (created if missing, e.g. wt_performance), or
reuses the demo there. `--source DIR` serves the application from another checkout (for
instance `git archive main | tar -x -C /tmp/before`) to measure before and after in one run.

Not a test: it is not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database for the demo")
parser.add_argument("--seconds", type=int, default=15)
parser.add_argument("--connections", type=int, default=16)
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--threads", type=int, default=4)
parser.add_argument("--source", metavar="DIR", help="serve Back on Track from this checkout")
parser.add_argument("--skip-bare", action="store_true", help="measure the page only")
arguments = parser.parse_args()

if shutil.which("wrk") is None:
    sys.exit("wrk is not installed (apt-get install wrk).")

HERE = Path(__file__).resolve().parent
# The keys are generated into the var directory: a PostgreSQL demo is read again with the keys
# it was written with, so its directory is kept (and named after the database).
if arguments.postgres:
    scratch = str(
        Path(tempfile.gettempdir()) / f"throughput-{arguments.postgres.rsplit('/', 1)[-1]}"
    )
    Path(scratch).mkdir(exist_ok=True)
else:
    scratch = tempfile.mkdtemp(prefix="throughput-")
environment = {**os.environ, "BACKONTRACK_VAR_DIR": scratch, "PYTHONUNBUFFERED": "1"}
environment.pop("DATABASE_URL", None)
if arguments.postgres:
    environment["DATABASE_URL"] = arguments.postgres
# `python -c` and `python -m` put the working directory first on the path, before PYTHONPATH:
# run from a checkout, they would import its code, not the source's. They run in the source.
workdir = None
if arguments.source:
    workdir = str(Path(arguments.source).resolve())
    environment["PYTHONPATH"] = workdir
    environment.setdefault("BACKONTRACK_NODE_MODULES", str(HERE.parent / "node_modules"))
os.environ.update(environment)
os.environ["DJANGO_SETTINGS_MODULE"] = "backontrack.settings"


def prepare() -> tuple[str, int]:
    """The demo loaded; a signed-in coordinator's session key and a mentee of theirs. Runs in
    a subprocess so that it uses the source being measured."""
    script = """
import time, django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from backontrack.accounts.models import User
from backontrack.demo.loader import load_demo_data
from backontrack.mentorships.models import Mentorship
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
load_demo_data()
user = User.objects.get(username="coordinator")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "backontrack.accounts.backends.AccountBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session["signed_in_at"] = session["last_seen"] = time.time()
session.save(must_create=True)
mentee = Mentorship.objects.filter(status="active").earliest("id").mentee_id
print(session.session_key, mentee)
"""
    out = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "-c", script],
        env=os.environ,
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return out[-2], int(out[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(application: str, port: int, pythonpath: str | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    command = [
        *(sys.executable, "-m", "gunicorn", application),
        *("--bind", f"127.0.0.1:{port}", "--worker-class", "gthread"),
        *("--workers", str(arguments.workers), "--threads", str(arguments.threads)),
        *("--access-logfile", "-", "--access-logformat", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'),
        *("--timeout", "60", "--log-level", "warning"),
    ]
    server = subprocess.Popen(command, env=env, cwd=workdir, stdout=subprocess.DEVNULL)  # noqa: S603
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return server
        except urllib.error.HTTPError:
            return server  # it answers (a redirect to sign in, say)
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit(f"{application} did not start")


def load(url: str, cookie: str = "") -> dict[str, str]:
    command = [
        *("wrk", "-t2", f"-c{arguments.connections}", f"-d{arguments.seconds}s", "--latency"),
        *(("-H", f"Cookie: {cookie}") if cookie else ()),
        url,
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    figures = {
        "requests/s": re.search(r"Requests/sec:\s+([\d.]+)", out),
        "p50": re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE),
        "p99": re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE),
        "not 2xx": re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out),
        "timeouts": re.search(r"Socket errors:.*timeout (\d+)", out),
    }
    return {name: match.group(1) if match else "0" for name, match in figures.items()}


def measure(name: str, application: str, path: str, cookie: str = "", **serving: str) -> float:
    port = free_port()
    server = serve(application, port, **serving)
    try:
        load(f"http://127.0.0.1:{port}{path}", cookie)  # warm-up, not counted
        figures = load(f"http://127.0.0.1:{port}{path}", cookie)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"{name:<32} {float(figures['requests/s']):>9,.0f} requests/s   "
        f"p50 {figures['p50']:>8}   p99 {figures['p99']:>8}   not 2xx: {figures['not 2xx']}   "
        f"timeouts: {figures['timeouts']}"
    )
    return float(figures["requests/s"])


session_key, mentee = prepare()
database = "PostgreSQL" if arguments.postgres else "SQLite"
print(
    f"{arguments.workers} workers x {arguments.threads} threads, wrk -t2 "
    f"-c{arguments.connections} -d{arguments.seconds}s (after a warm-up of the same), {database}"
)
page = measure(
    f"mentee page ({'source ' + arguments.source if arguments.source else 'this tree'})",
    "backontrack.wsgi:application",
    f"/mentees/{mentee}/",
    cookie=f"backontrack_session={session_key}",
)
if not arguments.skip_bare:
    bare = measure("bare Django view", "bare_django:application", "/", pythonpath=str(HERE))
    print(f"the page serves {page / bare:.1%} of the bare view's requests a second")
if not arguments.postgres:
    shutil.rmtree(scratch, ignore_errors=True)
