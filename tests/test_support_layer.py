"""Supervision and concerns together: the coach's home lists each supervised mentor's open
concerns; the coordinator reads the supervision guidance on a mentorship only once a
concern on it was escalated, on the concern's page, and that read is audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backontrack.audit.models import Action, AuditEvent
from backontrack.concerns import services as concerns
from backontrack.concerns.models import Concern
from backontrack.concerns.services import Observation

from .conftest import signed_in_client
from .test_supervision import GUIDANCE, jonas_mentorship, record_for_jonas, user

pytestmark = pytest.mark.django_db


def raise_concern() -> Concern:
    return concerns.concern_raise(
        actor=user("mentor03"),
        mentorship=jonas_mentorship(),
        data=Observation(
            category="radicalisation",
            severity="high",
            observed_at=timezone.now() - timedelta(hours=2),
            facts="He showed a new contact's videos from the milieu.",
            assessment="A step back towards the old network.",
        ),
    )


def escalate(concern: Concern) -> Concern:
    coordinator = user("coordinator")
    concern = concerns.concern_triage(
        actor=coordinator,
        concern=concern,
        version=concern.version,
        severity="high",
        assessment="Taken seriously.",
        next_step="To the working group.",
    )
    return concerns.concern_escalate(
        actor=coordinator,
        concern=concern,
        version=concern.version,
        target="working_group",
        agency_route="",
        passed_on="The concern and the coach's guidance.",
        passed_on_at=timezone.now(),
    )


def test_the_coach_home_lists_each_supervised_mentors_open_concerns() -> None:
    concern = raise_concern()
    home = signed_in_client("mentor02").get("/").content.decode()
    entry = home[home.index("Mentors you supervise") :]
    entry = entry[entry.index("Jonas Mikkelsen") :]
    assert f'href="/concerns/{concern.pk}/"' in entry[: entry.index("Record a session with")]
    # Another coach's home does not list it.
    assert (
        f'href="/concerns/{concern.pk}/"'
        not in signed_in_client("mentor01").get("/").content.decode()
    )


def test_the_coordinator_reads_the_guidance_only_once_a_concern_is_escalated() -> None:
    # The demo's working group discusses a concern on Jonas's mentorship that was escalated to
    # it: without it, no concern on the mentorship is escalated.
    Concern.objects.filter(mentorship=jonas_mentorship()).update(escalated_at=None)
    record_for_jonas()
    concern = raise_concern()
    coordinator = signed_in_client("coordinator")
    timeline_path = f"/mentorships/{jonas_mentorship().pk}/timeline/?kind=supervision"
    assert GUIDANCE not in coordinator.get(f"/concerns/{concern.pk}/").content.decode()
    assert "Read the guidance" not in coordinator.get(timeline_path).content.decode()

    concern = escalate(concern)
    page = coordinator.get(f"/concerns/{concern.pk}/").content.decode()
    assert "What the coach advised on this mentorship" in page
    assert GUIDANCE in page
    read = AuditEvent.objects.filter(
        action=Action.LIST, object_type="supervision.discussion", actor_username="coordinator"
    ).latest("id")
    assert "guidance" in read.fields
    assert (
        f'href="/concerns/{concern.pk}/#supervision"'
        in coordinator.get(timeline_path).content.decode()
    )
    # The coach and the mentor still go to the session's own page.
    coach_timeline = signed_in_client("mentor02").get(timeline_path).content.decode()
    assert 'href="/supervision/' in coach_timeline


def test_an_escalated_concern_shows_no_guidance_to_a_coordinator_of_another_programme() -> None:
    record_for_jonas()
    concern = escalate(raise_concern())
    assert (
        signed_in_client("coordinator-special").get(f"/concerns/{concern.pk}/").status_code == 404
    )
    # The mentor reads it on the concern page too (their own guidance), another mentor not at all.
    assert GUIDANCE in signed_in_client("mentor03").get(f"/concerns/{concern.pk}/").content.decode()
    assert signed_in_client("mentor07").get(f"/concerns/{concern.pk}/").status_code == 404
