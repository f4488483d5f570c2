"""An event files the people it concerns, so that the auditor's "who looked at this person"
is complete (issue: the person in every event). That every page showing a person files the
read under them, with its purpose, the access matrix checks on its walk of every page for
every persona (tests/test_access_matrix.py)."""

import io

import pytest
from django.core.management import CommandError, call_command

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship
from backontrack.referrals.models import Referral

from .conftest import signed_in_client
from .test_audit import _tamper

pytestmark = pytest.mark.django_db


def test_an_event_about_anything_of_a_persons_files_it_under_the_person() -> None:
    mentorship = Mentorship.objects.filter(meetings__isnull=False).order_by("id").first()
    assert mentorship is not None
    meeting = mentorship.meetings.order_by("id").first()
    referral = Referral.objects.order_by("id").first()
    assert meeting is not None and referral is not None
    coordinator = User.objects.get(username="coordinator")
    about_meeting = record(actor=coordinator, action=Action.VIEW, obj=meeting)
    listed = record(
        actor=coordinator,
        action=Action.LIST,
        object_type="referrals.referral",
        object_ids=[referral.pk],
    )
    assert about_meeting.people == [str(mentorship.mentee_id)]
    assert listed.people == [str(referral.mentee_id)]
    mentee = Mentee.objects.get(pk=mentorship.mentee_id)
    assert about_meeting in access.audit_events_about(User.objects.get(username="auditor"), mentee)
    # The people belong to the hashed content: the chain still verifies, and a change to the
    # people filed is caught like any other change to the index.
    out = io.StringIO()
    call_command("verify-audit", stdout=out)
    assert "intact" in out.getvalue()
    _tamper(
        "DELETE FROM audit_auditeventsubject WHERE event_id = %s AND object_type = %s",
        [about_meeting.pk, "mentees.mentee"],
    )
    with pytest.raises(CommandError):
        call_command("verify-audit", stdout=io.StringIO(), stderr=io.StringIO())


def _auditor_looking_at(mentee_id: int):
    auditor = signed_in_client("auditor")
    auditor.post("/purpose/", {"key": f"mentee:{mentee_id}", "next": "/", "reason": "quality"})
    return auditor


def test_the_auditor_reads_why_each_look_happened() -> None:
    referral = Referral.objects.filter(status="screening").order_by("id").first()
    assert referral is not None
    signed_in_client("coordinator").get(f"/referrals/{referral.pk}/screen/")
    page = _auditor_looking_at(referral.mentee_id).get(f"/audit/people/{referral.mentee_id}/")
    assert "programme coordinator, screening" in page.content.decode()
    mentorship = Mentorship.objects.filter(status="active").order_by("id").first()
    assert mentorship is not None
    mentor = mentorship.mentor.user.username  # type: ignore[union-attr]
    signed_in_client(mentor).get(f"/mentorships/{mentorship.pk}/")
    page = _auditor_looking_at(mentorship.mentee_id).get(f"/audit/people/{mentorship.mentee_id}/")
    assert "assigned mentor, mentorship" in page.content.decode()
