"""Shared personas: the demo's own, loaded once into the test database.

The suite runs twice in `make test`, on SQLite and on PostgreSQL, and each test runs in the
pass where it can catch something (see `pytest_collection_modifyitems` below):

- the SQLite pass leaves out the browser suite (`browser`, tests/browser/) and the
  `postgresql_only` tests;
- the PostgreSQL pass leaves out the `engine_independent` tests, and the `every_page` walks
  (every URL for every persona through the test client: the access matrix with its checks
  that each page files whom it showed and, read in Danish, has no English on it; the hostile
  forms), whose queries are the ORM's and
  which alone took half of that pass; what differs by engine (locking, copies of the
  database, the browser suite) runs there;
- what needs to run once only but would make the SQLite pass, the longest, longer still
  (the Danish walk of every demo mentorship's history) is marked `once_on_postgresql` and
  runs in the PostgreSQL pass instead: the passes share two cores, and one that runs on
  alone uses only one of them.

A test is `engine_independent` when it never touches the test database: pure Python (the
pool solver), template and translation files, commands run as subprocesses with their own
settings. Mark such a test (or its module, through `pytestmark`) and it runs once: in the
PostgreSQL pass under `make test` when PostgreSQL is reachable
(`BACKONTRACK_ENGINE_INDEPENDENT_PASS=postgresql`, set by the Makefile for both passes),
in the SQLite pass otherwise. A test marked so that asks for the database (`django_db`,
`db`, `client`…) is an error at collection: whatever uses the database runs on both
engines.
"""

import io
import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.utils import translation

from backontrack.accounts.models import Authenticator, User
from backontrack.demo.loader import DEFAULT_DEMO_PASSWORD, PERSONAS, load_demo_data
from backontrack.mentorships.alerts import alert_windows_rebuild
from backontrack.mentorships.models import Mentorship

PASSWORD = DEFAULT_DEMO_PASSWORD
PERSONA_NAMES = [persona.username for persona in PERSONAS]


@pytest.fixture(autouse=True)
def _demo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKONTRACK_DEMO_PASSWORD", raising=False)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the installation's language. A request read in Danish leaves its
    thread in Danish (LocaleMiddleware activates the reader's language; nothing deactivates
    it), and a test after it that reads a message without a request would read it in Danish
    or not, by the order the tests happen to run in."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def _checkpoint_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit-checkpoints")


_checkpoint_files = itertools.count()


@pytest.fixture(autouse=True)
def _audit_checkpoints(settings: Any, _checkpoint_directory: Path) -> None:
    """Each test its own checkpoint file: one test's checkpoints say nothing of another's
    database. A name in one directory of the session, not a `tmp_path` of each test: for each
    of those pytest makes a directory and moves a symbolic link to it, about 3 ms a test on
    this file system, most of it removing the old link."""
    name = f"audit-checkpoints-{next(_checkpoint_files)}.log"
    settings.BACKONTRACK_AUDIT_CHECKPOINT_FILE = str(_checkpoint_directory / name)
    settings.BACKONTRACK_AUDIT_CHECKPOINT_SYSLOG = ""


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_demo_data(password=PASSWORD)


def copy_database(source: str, target: str) -> None:
    """CREATE DATABASE ... TEMPLATE needs no one else connected to the source. This thread's
    connections are closed here and the live server's close after each HTTP connection;
    whatever is left on a database of this test session (a straggler, a worker) is ended.
    Django reconnects on the next query (CONN_HEALTH_CHECKS)."""
    connections.close_all()
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [source],
        )
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(source)}")


@pytest.fixture(scope="session")
def demo_template(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo, copied once per session as it is after tests/conftest.py loaded it:
    pytest-django runs these transactional tests after all the others, which roll back."""
    test_database = connection.settings_dict["NAME"]
    template = f"{test_database}_demo"
    with django_db_blocker.unblock():
        copy_database(test_database, template)
    yield template
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE {connection.ops.quote_name(template)} WITH (FORCE)")


@pytest.fixture
def demo_data(transactional_db: None, demo_template: str, django_db_blocker: Any) -> Iterator[None]:
    """For PostgreSQL tests that run outside a transaction (threads, TRUNCATE): the test
    database becomes a fresh copy of the demo for the test, as in the browser suite."""
    with django_db_blocker.unblock():
        copy_database(demo_template, connection.settings_dict["NAME"])
        yield
        connections.close_all()


def demo_mentorship(status: str) -> Mentorship:
    """The demo's earliest mentorship in this status: the six-week-old active one, the
    proposed one waiting for activation (see docs/guide/demo.md)."""
    return (
        Mentorship.objects.select_related("mentee", "mentor__user", "coach__user")
        .filter(status=status)
        .earliest("id")
    )


def alerts_rederived() -> None:
    """A test that moves dates with `QuerySet.update()`, around the services, has the alert
    windows derived again from the records, as `backontrack rebuild-alerts` does."""
    alert_windows_rebuild(Mentorship.objects.values_list("pk", flat=True))


def current_code(username: str) -> str:
    """The user's one-time code, through the same command a person would use. Clears the
    device's replay guard so that one test can sign the same persona in twice in 30 s."""
    Authenticator.objects.filter(user__username=username).update(last_t=-1)
    out = io.StringIO()
    call_command("totp", username, stdout=out)
    return out.getvalue().strip()


def signed_in_client(username: str, session_data: dict[str, Any] | None = None) -> Client:
    """A client signed in as the persona: the session a completed sign-in leaves (as
    `Client.force_login` makes it, without the sign-in's own writes, which the sign-in
    tests cover), made in one write since thousands of tests begin with it; with
    `session_data` in it as well, if given (what the person did since, such as stating a
    purpose)."""
    user = User.objects.only("id", "password").get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "backontrack.accounts.backends.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["signed_in_at"] = session["last_seen"] = time.time()
    session.update(session_data or {})
    session.save(must_create=True)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = str(session.session_key)
    return client


@pytest.fixture
def as_persona():
    return signed_in_client


# The fixtures through which a test reaches the test database.
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
    "client",
    "admin_client",
    "admin_user",
    "django_user_model",
}


def _uses_the_database(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(fixtures & DATABASE_FIXTURES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out (deselect, never skip) what the other pass runs; see the module docstring."""
    from django.db import connection

    misplaced = [
        item.nodeid
        for item in items
        if item.get_closest_marker("engine_independent") and _uses_the_database(item)
    ]
    if misplaced:
        raise pytest.UsageError(
            "These tests use the database, so they must run on both engines; remove their "
            "engine_independent marker: " + ", ".join(misplaced)
        )
    # `make test` runs the engine-independent tests beside the PostgreSQL pass when there
    # is one (it ends first); alone, the SQLite pass runs them.
    independent_in = os.environ.get("BACKONTRACK_ENGINE_INDEPENDENT_PASS", "sqlite")
    if connection.vendor == "postgresql":
        left_out = {"every_page"}
        if independent_in != "postgresql":
            left_out.add("engine_independent")
    else:
        left_out = {"browser", "postgresql_only", "once_on_postgresql"}
        if independent_in == "postgresql":
            left_out.add("engine_independent")
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        left = any(item.get_closest_marker(marker) for marker in left_out)
        (deselected if left else kept).append(item)
    # `make test` runs the SQLite pass in two shards side by side, so that both cores stay
    # busy to the end: BACKONTRACK_SHARD=k/n keeps the k-th of every n tests of the pass,
    # which spreads each module's slow and quick tests over the shards alike.
    if shard := os.environ.get("BACKONTRACK_SHARD"):
        number, count = (int(part) for part in shard.split("/"))
        if not 1 <= number <= count:
            raise pytest.UsageError(f"BACKONTRACK_SHARD={shard}: want k/n with 1 <= k <= n")
        deselected += [item for at, item in enumerate(kept) if at % count != number - 1]
        kept = kept[number - 1 :: count]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
