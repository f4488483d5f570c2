"""Every page that shows a person files the view under that person, so that the auditor's
"who looked at this person" is complete (issue: the person in every event)."""

import io

import pytest
from django.core.management import CommandError, call_command

from backontrack.accounts.models import User
from backontrack.audit.models import Action, AuditEventSubject
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship
from backontrack.referrals.models import Referral

from .conftest import PERSONA_NAMES, signed_in_client
from .test_access_matrix import MATRIX, PUBLIC, _ids, with_purposes_stated
from .test_audit import _tamper

pytestmark = pytest.mark.django_db


def _names() -> dict[str, int]:
    """Each mentee's name, leaving out the few synthetic ones that are also a staff member's
    name (a page naming the mentor would seem to name the mentee), or another mentee's."""
    staff = {user.get_full_name() for user in User.objects.all()}
    holders: dict[str, list[int]] = {}
    for m in Mentee.objects.all():
        holders.setdefault(f"{m.first_name} {m.last_name}", []).append(m.pk)
    # A name two synthetic people share cannot say whom the page showed: left out too.
    return {name: pks[0] for name, pks in holders.items() if name not in staff and len(pks) == 1}


@pytest.mark.parametrize("username", PERSONA_NAMES)
def test_every_page_that_shows_a_person_is_in_their_who_looked_list(username: str) -> None:
    names = _names()
    ids = _ids()
    client = with_purposes_stated(signed_in_client(username), ids)
    missing = []
    for name, (template, who_may) in sorted(MATRIX.items()):
        if who_may == PUBLIC:
            continue
        response = client.get(template.format(**ids))
        if response.status_code != 200 or response.get("Content-Type", "").startswith("text/csv"):
            continue
        content = response.content.decode(errors="replace")  # a PDF's text is searched too
        shown = {pk for full_name, pk in names.items() if full_name in content}
        if not shown:
            continue
        filed = dict(
            AuditEventSubject.objects.filter(
                object_type="mentees.mentee",
                event__request_id=response["X-Request-ID"],
            ).values_list("object_id", "event__justification")
        )
        for pk in sorted(shown - {int(i) for i in filed}):
            missing.append(f"{name} ({template.format(**ids)}) shows mentee {pk}")
        for person, why in filed.items():
            routine = why.startswith("purpose:") and why != f"purpose::{name}"
            if not routine and not why.startswith("stated:"):
                missing.append(f"{name} filed mentee {person} without its purpose ({why!r})")
    assert missing == []


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
