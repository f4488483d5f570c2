"""Name searches go by POST and are remembered in the session, so no name reaches a page
address or an access log; the filters and pages that name no one stay in the address."""

import re

import pytest
from django.test import Client

from backontrack.audit.models import Action, AuditEvent
from backontrack.mentees.models import Mentee
from backontrack.mentors.models import Mentor

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def _shown(response) -> list:
    return list(response.context["page"].object_list)


def _every_address(response) -> str:
    return " ".join(url for url, _status in response.redirect_chain)


def test_it_searches_the_register_by_name_without_the_name_in_any_address() -> None:
    coordinator = signed_in_client("coordinator")
    mentee = Mentee.objects.order_by("id").first()
    assert mentee is not None
    response = coordinator.post(
        "/mentees/", {"q": mentee.last_name, "status": mentee.custody_status}, follow=True
    )
    assert response.redirect_chain == [(f"/mentees/?status={mentee.custody_status}", 302)]
    assert mentee.last_name not in _every_address(response)
    assert mentee in _shown(response)
    assert all(m.last_name == mentee.last_name for m in _shown(response))
    links = " ".join(re.findall(r'(?:href|action)="([^"]*)"', response.content.decode()))
    assert mentee.last_name not in links
    # What it searched by (status, name) and what the list shows of each person.
    assert AuditEvent.objects.filter(action=Action.SEARCH).latest("id").fields == [
        "custody_status",
        "institution",
        "name",
    ]


def test_the_remembered_name_holds_across_pages_until_cleared() -> None:
    coordinator = signed_in_client("coordinator")
    coordinator.post("/mentees/", {"q": "a"})
    matching = [m for m in Mentee.objects.all() if "a" in f"{m.first_name}{m.last_name}".lower()]
    assert len(matching) > 25  # more than a page
    second = coordinator.get("/mentees/", {"page": 2})
    assert _shown(second)
    assert all("a" in f"{m.first_name}{m.last_name}".lower() for m in _shown(second))
    assert second.context["page"].paginator.count == len(matching)
    coordinator.post("/mentees/", {"q": ""})
    assert coordinator.get("/mentees/").context["page"].paginator.count == Mentee.objects.count()


def test_a_name_in_the_address_is_not_used() -> None:
    coordinator = signed_in_client("coordinator")
    response = coordinator.get("/mentees/", {"q": "zzzznomatch"})
    assert response.context["page"].paginator.count == Mentee.objects.count()
    assert response.context["search"]["q"].value() in (None, "")


def test_the_search_is_kept_per_person() -> None:
    signed_in_client("coordinator").post("/mentees/", {"q": "zzzznomatch"})
    other: Client = signed_in_client("coordinator")
    assert other.get("/mentees/").context["page"].paginator.count == Mentee.objects.count()


def test_it_searches_the_mentors_by_name_without_the_name_in_any_address() -> None:
    mentor = Mentor.objects.order_by("id").first()
    assert mentor is not None
    trainer = signed_in_client("trainer")
    response = trainer.post("/mentors/", {"q": mentor.last_name}, follow=True)
    assert response.redirect_chain == [("/mentors/", 302)]
    rows = [row[0] for row in response.context["rows"]]
    assert mentor in rows
    assert all(m.last_name == mentor.last_name for m in rows)
    page = response.content.decode()
    assert 'method="post"' in page
    assert (
        'method="get" class="bot-filters" role="search" aria-label="Filter the mentors"' not in page
    )
