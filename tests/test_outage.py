"""When the database goes away in the middle of a request, the page says so (503, in the
reader's language, with Retry-After) instead of failing with a 500, and the next request
after the database is back is served as usual, without a restart.

The outage is real for the request: at its chosen query, the request's connection is
replaced by one to a server that is not there (a closed port on PostgreSQL, a file that
cannot be opened on SQLite), so every query from then on fails as the driver reports it.
The test's own connection, and its transaction, stay as they were."""

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship, MentorshipStatus

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def database_stops_at(query_number: int) -> Iterator[list[str]]:
    """The database stops answering at the request's `query_number`th query (1 = the
    first). Yields the queries that ran before it stopped."""
    original = connections["default"]
    unreachable = connections.create_connection("default")
    if original.vendor == "postgresql":
        unreachable.settings_dict = {
            **original.settings_dict,
            "HOST": "127.0.0.1",
            "PORT": str(_closed_port()),
            "OPTIONS": {**original.settings_dict.get("OPTIONS", {}), "connect_timeout": 2},
        }
    else:
        unreachable.settings_dict = {
            **original.settings_dict,
            "NAME": "/nonexistent/backontrack-outage/db.sqlite3",
        }
    ran: list[str] = []

    def stop(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if len(ran) + 1 >= query_number:
            connections["default"] = unreachable
            unreachable.ensure_connection()  # raises, as the driver does
        ran.append(sql)
        return execute(sql, *args)

    try:
        with original.execute_wrapper(stop):
            yield ran
    finally:
        connections["default"] = original
        unreachable.close()


@pytest.fixture
def coordinator() -> Client:
    client = signed_in_client("coordinator")
    # Answer as the server does (the client would raise the error instead): a 500 or a 503.
    client.raise_request_exception = False
    return client


def _a_mentee() -> Mentee:
    return Mentee.objects.filter(mentorships__status=MentorshipStatus.ACTIVE).earliest("id")


@pytest.mark.parametrize("stops_at", [1, 2, 4, 8])
def test_the_mentee_page_answers_503_when_the_database_stops_mid_request(
    coordinator: Client, stops_at: int
) -> None:
    mentee = _a_mentee()
    with database_stops_at(stops_at) as ran:
        response = coordinator.get(f"/mentees/{mentee.pk}/")
    assert len(ran) == stops_at - 1
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Back on Track is unavailable" in page
    assert "Traceback" not in page
    assert mentee.first_name not in page


def test_the_outage_page_is_in_the_readers_language(coordinator: Client) -> None:
    mentee = _a_mentee()
    with database_stops_at(3):
        response = coordinator.get(f"/mentees/{mentee.pk}/", HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 503
    page = response.content.decode()
    assert '<html lang="da">' in page
    assert "Back on Track kan ikke bruges lige nu" in page
    assert "unavailable" not in page


def test_a_form_sent_during_an_outage_answers_503_and_saves_nothing(
    coordinator: Client,
) -> None:
    mentorship = Mentorship.objects.filter(status=MentorshipStatus.ACTIVE).earliest("id")
    meetings = mentorship.meetings.count()
    with database_stops_at(5):
        response = coordinator.post(
            f"/mentorships/{mentorship.pk}/meetings/new/", {"kind": "phone"}
        )
    assert response.status_code == 503
    assert mentorship.meetings.count() == meetings


def test_the_next_request_after_the_outage_is_served_without_a_restart(
    coordinator: Client,
) -> None:
    mentee = _a_mentee()
    with database_stops_at(3):
        assert coordinator.get(f"/mentees/{mentee.pk}/").status_code == 503
    response = coordinator.get(f"/mentees/{mentee.pk}/")
    assert response.status_code == 200
    assert mentee.first_name in response.content.decode()


def test_healthz_names_the_database_as_the_dependency_that_is_down() -> None:
    with database_stops_at(1):
        response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable: OperationalError"}
