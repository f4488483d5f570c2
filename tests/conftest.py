"""Shared personas: the demo's own, loaded once into the test database."""

import io
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from backontrack.accounts.models import User
from backontrack.core.demo import DEFAULT_DEMO_PASSWORD, PERSONAS, load_demo_data
from backontrack.mentorships.models import Mentorship

PASSWORD = DEFAULT_DEMO_PASSWORD
PERSONA_NAMES = [persona.username for persona in PERSONAS]


@pytest.fixture(autouse=True)
def _demo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKONTRACK_DEMO_PASSWORD", raising=False)


@pytest.fixture(autouse=True)
def _audit_checkpoints(settings: Any, tmp_path: Path) -> None:
    """Each test its own checkpoint file: one test's checkpoints say nothing of another's
    database."""
    settings.BACKONTRACK_AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.log")
    settings.BACKONTRACK_AUDIT_CHECKPOINT_SYSLOG = ""


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_demo_data(password=PASSWORD)


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    """For tests that run outside a transaction (the browser suite), whose database is
    emptied after each test: load the demo personas again when they are gone."""
    load_demo_data(password=PASSWORD)


def demo_mentorship(status: str) -> Mentorship:
    """The demo's earliest mentorship in this status: the six-week-old active one, the
    proposed one waiting for activation (see docs/guide/demo.md)."""
    return (
        Mentorship.objects.select_related("mentee", "mentor__user", "coach__user")
        .filter(status=status)
        .earliest("id")
    )


def current_code(username: str) -> str:
    """The user's one-time code, through the same command a person would use. Clears the
    device's replay guard so that one test can sign the same persona in twice in 30 s."""
    TOTPDevice.objects.filter(user__username=username).update(last_t=-1)
    out = io.StringIO()
    call_command("totp", username, stdout=out)
    return out.getvalue().strip()


def signed_in_client(username: str) -> Client:
    client = Client()
    client.force_login(
        User.objects.get(username=username), backend="backontrack.accounts.backends.AccountBackend"
    )
    session = client.session
    session["signed_in_at"] = session["last_seen"] = time.time()
    session.save()
    return client


@pytest.fixture
def as_persona():
    return signed_in_client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of PostgreSQL-only behaviour are left out (not skipped) of the SQLite run; the
    same suite runs again on PostgreSQL, where they run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql_only")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql_only")]
