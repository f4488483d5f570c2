"""A Danish page speaks Danish all through: not only its template, but every line the system
generated (history, timeline, audit trail) and every name the demo seeded (issue #13, item 7).

Every page each persona opens is read in Danish, and its visible text is searched for English
(tests/danish.py): the access matrix's walk, which opens every page for every persona, does it
on the same responses (`test_each_persona_gets_exactly_what_the_matrix_says`). Here: the search
itself, the audit trail, every demo mentorship's history, history written before the codes, and
the pages that first ask why a record is opened."""

import importlib
from types import ModuleType

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import timezone, translation

from backontrack.audit.describe import describe
from backontrack.audit.models import AuditEvent
from backontrack.mentorships.models import Mentorship, MentorshipChange

from .conftest import demo_mentorship, signed_in_client
from .danish import english_on, visible_text
from .test_access_matrix import _ids

pytestmark = pytest.mark.django_db


def test_the_search_finds_english_and_passes_danish() -> None:
    html = (
        '<p>Fase: Afsoning — Started from the custody status.</p><a lang="en">English</a>'
        '<script>const plan = \'made\';</script><input type="submit" value="Withdrawn">'
    )
    found = {"started", "from", "the", "custody", "withdrawn"}
    assert set(english_on(visible_text(html))) == found
    assert english_on("Fase: Afsoning — Fastsat ud fra frihedsberøvelsen.") == {}


def test_the_question_why_a_persons_access_history_is_opened_is_danish() -> None:
    """The access matrix opens the auditor's page of a person with the purpose stated; before
    it is, the page asks why."""
    client = signed_in_client("auditor")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    response = client.get(f"/audit/people/{_ids()['mentee']}/")
    page = response.content.decode()
    assert response.status_code == 403 and 'name="reason"' in page
    assert not english_on(visible_text(page))


def test_the_audit_trail_reads_in_danish_whatever_wrote_it() -> None:
    """Every event of the demo, and those of the pages that write their own details (the
    home page, a mentorship's network), described for a Danish auditor."""
    mentorship = demo_mentorship("active")
    signed_in_client("coordinator").get("/")
    signed_in_client("coordinator").get(f"/mentorships/{mentorship.pk}/network/")
    english = []
    with translation.override("da"):
        for event in AuditEvent.objects.order_by("id"):
            described = describe(event)
            words = " | ".join(
                [
                    described.action,
                    described.record,
                    described.shown,
                    described.fields,
                    described.detail,
                    described.purpose,
                    described.roles,
                ]
            )
            english += [
                f"#{event.pk} {event.detail!r}: {word!r} in {context!r}"
                for word, context in english_on(words).items()
            ]
    assert not english, "\n".join(english)


@pytest.mark.once_on_postgresql
def test_the_history_of_every_demo_mentorship_is_danish() -> None:
    """Each story's history and timeline: phases moved by custody events and by the release
    date, goals set and reached, needs secured, a reallocation, pauses and closures."""
    client = signed_in_client("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    english = []
    for pk, status in Mentorship.objects.order_by("id").values_list("pk", "status"):
        if status == "closed":  # a closed case opens once the coordinator has said why
            client.post("/purpose/", {"key": f"mentorship:{pk}", "next": "/", "reason": "quality"})
        for url in (f"/mentorships/{pk}/", f"/mentorships/{pk}/timeline/"):
            response = client.get(url)
            assert response.status_code == 200, url
            english += [
                f"{url}: {word!r} in {context!r}"
                for word, context in english_on(visible_text(response.content.decode())).items()
            ]
    assert not english, "\n".join(english)


def _migration() -> ModuleType:
    return importlib.import_module("backontrack.mentorships.migrations.0009_history_text_to_codes")


def test_history_written_before_the_codes_is_read_in_the_readers_language() -> None:
    mentorship = demo_mentorship("active")
    written = [
        ("phase", "sentence", "Started from the custody status."),
        ("phase", "aftercare", "Custody event: Released on licence on 2026-10-03."),
        ("phase", "re_entry", "Den forventede løsladelse er inden for 90 dage."),
        ("goal", "active:1", "New goal: Family and network"),
        ("goal", "dropped:1", "Everyday life and conflicts: He moved away."),
        ("plan", "Custody constraints updated", ""),
        ("reentry", "Housing: In progress", ""),
        ("reentry", "Release date: 2027-01-15", "Was 2026-12-01."),
        ("status", "closed", "Ended early. He withdrew."),
        ("mentor", "Sofie Dahl", "Transfer to a distant institution. Too far away."),
        ("phase", "sentence", "Typed by the coordinator."),
    ]
    changes = MentorshipChange.objects.bulk_create(
        MentorshipChange(
            mentorship=mentorship, kind=kind, to_value=to, reason=why, occurred_at=timezone.now()
        )
        for kind, to, why in written
    )
    _migration().forwards(django_apps, None)
    with translation.override("da"):
        read = [
            (change.to_label(), change.reason_text())
            for change in MentorshipChange.objects.filter(pk__in=[c.pk for c in changes]).order_by(
                "id"
            )
        ]
    assert read == [
        ("Afsoning", "Fastsat ud fra frihedsberøvelsen."),
        ("Efterværn", "Hændelse under frihedsberøvelsen: Prøveløsladt den 03.10.2026."),
        ("Udslusning", "Den forventede løsladelse er inden for 90 dage."),
        ("Arbejdes der på", "Nyt mål: Familie og netværk"),
        ("Opgivet", "Hverdagsliv og konflikter: He moved away."),
        ("Rammerne under frihedsberøvelsen er opdateret", ""),
        ("Bolig: I gang", ""),
        ("Løsladelsesdato: 15.01.2027", "Var 01.12.2026."),
        ("Afsluttet", "Afbrudt før tid. He withdrew."),
        ("Sofie Dahl", "Overførsel til en fjern institution. Too far away."),
        ("Afsoning", "Typed by the coordinator."),
    ]
