"""Disclosures: a coordinator proposes, a second coordinator (never the same person) approves
with password and code again, the recipient agency's liaisons read the frozen snapshot until
it expires or is revoked; the person's record lists every disclosure about them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backontrack.accounts.models import Organisation, User
from backontrack.accounts.step_up import SteppedUp
from backontrack.audit.models import Action, AuditEvent, AuditEventSubject
from backontrack.core.errors import Refused
from backontrack.disclosures import services
from backontrack.disclosures.models import Disclosure, DisclosureRead, SectionKind, Status
from backontrack.mentees.models import CustodyStatus, Mentee
from backontrack.mentorships.models import Meeting, Mentorship, MentorshipStatus
from backontrack.programmes.models import Programme

from .conftest import PASSWORD, current_code, demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db


def security() -> Organisation:
    return Organisation.objects.get(kind=Organisation.Kind.SECURITY_SERVICE)


def ministry() -> Organisation:
    return Organisation.objects.get(kind=Organisation.Kind.MINISTRY)


def active() -> Mentorship:
    return demo_mentorship(MentorshipStatus.ACTIVE)


def held_meeting(mentorship: Mentorship) -> Meeting:
    meeting = mentorship.meetings.filter(outcome="held").order_by("id").first()
    assert meeting is not None
    return meeting


def proposal_form(mentorship: Mentorship, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "recipient": security().pk,
        "kinds": [SectionKind.IDENTITY, SectionKind.CUSTODY],
        "meetings": [held_meeting(mentorship).pk],
        "purpose": "Til PET's vurdering af en trussel mod en medindsat.",
        "legal_basis": "pet_act_3",
        "urgency": "urgent",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    data.update(changes)
    return data


def propose(mentorship: Mentorship, **changes: object) -> Disclosure:
    response = signed_in_client("coordinator").post(
        f"/mentees/{mentorship.mentee_id}/disclosures/new/", proposal_form(mentorship, **changes)
    )
    assert response.status_code == 302, response.content.decode()
    return Disclosure.objects.latest("id")


def approve_form(disclosure: Disclosure, username: str, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "decision": "approve",
        "password": PASSWORD,
        "code": current_code(username),
        "version": disclosure.version,
    }
    data.update(changes)
    return data


def approved(mentorship: Mentorship, **changes: object) -> Disclosure:
    disclosure = propose(mentorship, **changes)
    response = signed_in_client("coordinator2").post(
        f"/disclosures/{disclosure.pk}/decide/", approve_form(disclosure, "coordinator2")
    )
    assert response.status_code == 302, response.content.decode()
    disclosure.refresh_from_db()
    return disclosure


def test_a_coordinator_proposes_and_nothing_is_released_until_a_second_one_approves() -> None:
    mentorship = active()
    disclosure = propose(mentorship)
    assert disclosure.status == Status.PROPOSED
    assert disclosure.proposed_by.username == "coordinator"
    assert disclosure.snapshot == ""
    assert [s["kind"] for s in disclosure.sections] == ["identity", "custody", "meeting_summary"]
    inbox = signed_in_client("liaison-security").get("/disclosures/inbox/").content.decode()
    assert disclosure.reference not in inbox
    assert (
        signed_in_client("liaison-security").get(f"/disclosures/inbox/{disclosure.pk}/").status_code
        == 404
    )
    created = AuditEvent.objects.get(
        action=Action.CREATE, object_type="disclosures.disclosure", object_id=str(disclosure.pk)
    )
    assert created.recipient == security().name
    assert created.people == [str(mentorship.mentee_id)]


def test_the_proposer_cannot_approve_their_own_proposal() -> None:
    disclosure = propose(active())
    coordinator = signed_in_client("coordinator")
    page = coordinator.get(f"/disclosures/{disclosure.pk}/").content.decode()
    assert f"/disclosures/{disclosure.pk}/decide/" not in page
    assert coordinator.get(f"/disclosures/{disclosure.pk}/decide/").status_code == 404
    response = coordinator.post(
        f"/disclosures/{disclosure.pk}/decide/", approve_form(disclosure, "coordinator")
    )
    assert response.status_code == 404
    with pytest.raises(Refused):
        services.disclosure_approve(
            actor=User.objects.get(username="coordinator"),
            disclosure=disclosure,
            version=disclosure.version,
            proof=SteppedUp(user_id=User.objects.get(username="coordinator").pk, at=timezone.now()),
        )
    disclosure.refresh_from_db()
    assert disclosure.status == Status.PROPOSED


def test_another_account_of_the_proposer_cannot_approve_either() -> None:
    User.objects.filter(username__in=["coordinator", "coordinator2"]).update(person_key="ch-0042")
    disclosure = propose(active())
    second = signed_in_client("coordinator2")
    assert second.get(f"/disclosures/{disclosure.pk}/decide/").status_code == 404
    assert "waits for your decision" not in second.get("/").content.decode()
    approver = User.objects.get(username="coordinator2")
    with pytest.raises(Refused):
        services.disclosure_approve(
            actor=approver,
            disclosure=disclosure,
            version=disclosure.version,
            proof=SteppedUp(user_id=approver.pk, at=timezone.now()),
        )


def test_the_administrator_links_two_accounts_of_one_person_and_it_is_audited() -> None:
    admin = signed_in_client("admin")
    user = User.objects.prefetch_related("role_grants").get(username="coordinator2")
    response = admin.post(
        f"/admin/users/{user.pk}/edit/",
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "language": user.language,
            "organisation": user.organisation_id,
            "person_key": "ch-0042",
            "roles": user.roles,
            "version": user.version,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.person_key == "ch-0042"
    change = AuditEvent.objects.filter(
        action=Action.CHANGE, object_type="accounts.user", object_id=str(user.pk)
    ).latest("id")
    assert "person_key" in change.fields
    assert "ch-0042" in admin.get(f"/admin/users/{user.pk}/").content.decode()


def test_a_second_coordinator_approves_with_password_and_code_and_the_snapshot_is_taken() -> None:
    mentorship = active()
    disclosure = approved(mentorship)
    assert disclosure.status == Status.APPROVED
    assert disclosure.decided_by is not None
    assert disclosure.decided_by.username == "coordinator2"
    mentee = mentorship.mentee
    assert f"{mentee.first_name} {mentee.last_name}" in disclosure.snapshot
    assert held_meeting(mentorship).facts[:20] in disclosure.snapshot
    event = AuditEvent.objects.get(
        action=Action.DISCLOSE, object_type="disclosures.disclosure", object_id=str(disclosure.pk)
    )
    assert event.recipient == security().name
    assert event.actor_username == "coordinator2"
    assert sorted(event.fields) == ["sections", "snapshot"]


def test_the_snapshot_is_stored_encrypted() -> None:
    from django.db import connection

    disclosure = approved(active())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT snapshot, purpose FROM disclosures_disclosure WHERE id = %s", [disclosure.pk]
        )
        stored_snapshot, stored_purpose = cursor.fetchone()
    assert disclosure.mentee.last_name not in stored_snapshot
    assert "PET" not in stored_purpose


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "not-the-password"}, "password"),
        ({"code": "000000"}, "code"),
    ],
)
def test_approval_is_refused_without_the_right_password_and_code(
    changes: dict[str, str], field: str
) -> None:
    disclosure = propose(active())
    data = approve_form(disclosure, "coordinator2", **changes)
    if data["code"] == "000000" and current_code("coordinator2") == "000000":
        data["code"] = "111111"
    response = signed_in_client("coordinator2").post(f"/disclosures/{disclosure.pk}/decide/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "password or the one-time code is not right" in page
    assert f'value="{data["code"]}"' not in page
    disclosure.refresh_from_db()
    assert disclosure.status == Status.PROPOSED
    assert AuditEvent.objects.filter(
        action=Action.SIGN_IN_FAILED, actor_username="coordinator2", detail=f"step_up_{field}"
    ).exists()


def test_a_code_already_used_is_not_accepted_again() -> None:
    disclosure = propose(active())
    approver = User.objects.get(username="coordinator2")
    code = current_code("coordinator2")
    from backontrack.accounts.services import verify_second_factor

    assert verify_second_factor(user=approver, token=code)  # as at sign-in
    response = signed_in_client("coordinator2").post(
        f"/disclosures/{disclosure.pk}/decide/",
        {"decision": "approve", "password": PASSWORD, "code": code, "version": 0},
    )
    assert response.status_code == 200
    assert "a code used before is not accepted again" in response.content.decode()
    disclosure.refresh_from_db()
    assert disclosure.status == Status.PROPOSED


def test_the_service_refuses_an_approval_without_a_fresh_proof() -> None:
    disclosure = propose(active())
    approver = User.objects.get(username="coordinator2")
    for proof in (None, SteppedUp(user_id=approver.pk, at=timezone.now() - timedelta(minutes=5))):
        with pytest.raises(Refused):
            services.disclosure_approve(
                actor=approver, disclosure=disclosure, version=disclosure.version, proof=proof
            )


def test_refusing_needs_a_reason_and_releases_nothing() -> None:
    disclosure = propose(active())
    second = signed_in_client("coordinator2")
    form = {"decision": "refuse", "reason": "", "version": disclosure.version}
    page = second.post(f"/disclosures/{disclosure.pk}/decide/", form).content.decode()
    assert "Say why the disclosure is refused." in page
    form["reason"] = "Formålet er for bredt."
    assert second.post(f"/disclosures/{disclosure.pk}/decide/", form).status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.status == Status.REFUSED
    assert disclosure.snapshot == ""
    assert disclosure.refusal_reason == "Formålet er for bredt."
    liaison = signed_in_client("liaison-security")
    assert liaison.get(f"/disclosures/inbox/{disclosure.pk}/").status_code == 404


def test_the_security_liaison_reads_the_snapshot_and_each_view_is_audited_with_the_recipient(
    django_assert_max_num_queries: object,
) -> None:
    mentorship = active()
    disclosure = approved(mentorship)
    mentee = mentorship.mentee
    liaison = signed_in_client("liaison-security")
    inbox = liaison.get("/disclosures/inbox/").content.decode()
    assert disclosure.reference in inbox and "New" in inbox
    assert mentee.last_name not in inbox
    with django_assert_max_num_queries(25):  # type: ignore[operator]
        response = liaison.get(f"/disclosures/inbox/{disclosure.pk}/")
    page = response.content.decode()
    assert f"{mentee.first_name} {mentee.last_name}" in page
    assert "Til PET" in page
    assert str(CustodyStatus(mentee.custody_status).label) in page
    assert "What happened (fact)" in page
    view = AuditEvent.objects.filter(
        action=Action.VIEW,
        object_type="disclosures.disclosure",
        object_id=str(disclosure.pk),
        actor_username="liaison-security",
    ).get()
    assert view.recipient == security().name
    assert AuditEventSubject.objects.filter(
        event=view, object_type="mentees.mentee", object_id=str(mentee.pk)
    ).exists()
    assert DisclosureRead.objects.filter(disclosure=disclosure).count() == 1
    liaison.get(f"/disclosures/inbox/{disclosure.pk}/")
    assert (
        AuditEvent.objects.filter(
            action=Action.VIEW, object_id=str(disclosure.pk), actor_username="liaison-security"
        ).count()
        == 2
    )
    assert "Read" in liaison.get("/disclosures/inbox/").content.decode()


def test_the_ministry_liaison_sees_nothing_of_a_disclosure_to_the_security_service() -> None:
    mentorship = active()
    disclosure = approved(mentorship)
    liaison = signed_in_client("liaison-ministry")
    assert liaison.get(f"/disclosures/inbox/{disclosure.pk}/").status_code == 404
    inbox = liaison.get("/disclosures/inbox/").content.decode()
    assert disclosure.reference not in inbox
    assert mentorship.mentee.last_name not in liaison.get("/").content.decode()


def test_the_snapshot_stays_as_it_was_when_the_case_changes() -> None:
    mentorship = active()
    disclosure = approved(mentorship)
    mentee = Mentee.objects.get(pk=mentorship.mentee_id)
    before = mentee.custody_status
    mentee.custody_status = (
        CustodyStatus.RELEASED if before != CustodyStatus.RELEASED else CustodyStatus.REMAND
    )
    mentee.last_name = "Ændret"
    mentee.save()
    meeting = held_meeting(mentorship)
    meeting.facts = "Ændret efter godkendelsen."
    meeting.save()
    page = (
        signed_in_client("liaison-security")
        .get(f"/disclosures/inbox/{disclosure.pk}/")
        .content.decode()
    )
    assert "Ændret" not in page
    assert str(CustodyStatus(before).label) in page


def test_a_revoked_disclosure_shows_the_liaison_only_that_it_was_revoked() -> None:
    mentorship = active()
    disclosure = approved(mentorship)
    coordinator = signed_in_client("coordinator")
    response = coordinator.post(
        f"/disclosures/{disclosure.pk}/revoke/",
        {"version": disclosure.version, "reason": "Formålet er bortfaldet."},
    )
    assert response.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.status == Status.REVOKED
    assert disclosure.revoke_reason == "Formålet er bortfaldet."
    assert (
        "Formålet er bortfaldet."
        in coordinator.get(f"/disclosures/{disclosure.pk}/").content.decode()
    )
    page = (
        signed_in_client("liaison-security")
        .get(f"/disclosures/inbox/{disclosure.pk}/")
        .content.decode()
    )
    assert "by the programme" in page and "Revoked on" in page
    assert mentorship.mentee.last_name not in page
    assert "Til PET" not in page
    assert coordinator.get(f"/disclosures/{disclosure.pk}/revoke/").status_code == 404


def test_after_expiry_the_content_is_gone_from_the_liaisons_view() -> None:
    mentorship = active()
    disclosure = approved(mentorship)
    Disclosure.objects.filter(pk=disclosure.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    page = (
        signed_in_client("liaison-security")
        .get(f"/disclosures/inbox/{disclosure.pk}/")
        .content.decode()
    )
    assert "Expired on" in page
    assert mentorship.mentee.last_name not in page


def test_the_persons_record_lists_every_disclosure_for_coordinators_and_the_auditor() -> None:
    mentorship = active()
    disclosure = approved(mentorship)
    record = signed_in_client("coordinator").get(f"/mentees/{mentorship.mentee_id}/")
    assert disclosure.reference in record.content.decode()
    listing = (
        signed_in_client("coordinator")
        .get(f"/mentees/{mentorship.mentee_id}/disclosures/")
        .content.decode()
    )
    assert disclosure.reference in listing and security().name in listing
    assert "Til PET" in listing
    from .test_access_matrix import purposes_stated

    auditor = signed_in_client("auditor", purposes_stated({"mentee": str(mentorship.mentee_id)}))
    audited = auditor.get(f"/mentees/{mentorship.mentee_id}/disclosures/").content.decode()
    assert disclosure.reference in audited and "Jakob Mortensen" in audited
    assert (
        signed_in_client("coordinator-special")
        .get(f"/mentees/{mentorship.mentee_id}/disclosures/")
        .status_code
        == 404
    )
    assert (
        signed_in_client("liaison-security")
        .get(f"/mentees/{mentorship.mentee_id}/disclosures/")
        .status_code
        == 404
    )


def test_the_mentor_sees_that_a_disclosure_was_made_only_when_the_programme_says_so() -> None:
    mentorship = active()
    approved(mentorship)
    mentor = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    page = mentor.get(f"/mentorships/{mentorship.pk}/").content.decode()
    assert "was disclosed to" not in page
    Programme.objects.filter(pk=mentorship.programme_id).update(mentors_see_disclosures=True)
    page = mentor.get(f"/mentorships/{mentorship.pk}/").content.decode()
    assert f"was disclosed to {security().name}" in page
    assert "Til PET" not in page


def test_a_coordinator_turns_on_the_mentors_setting_and_the_history_says_so() -> None:
    programme = Programme.objects.default()
    from backontrack.programmes.models import SETTINGS

    values: dict[str, object] = {name: getattr(programme, name) for name in SETTINGS}
    values["mentors_see_disclosures"] = "on"
    values["version"] = programme.version
    client = signed_in_client("coordinator")
    assert client.post(f"/programmes/{programme.pk}/settings/", values).status_code == 302
    programme.refresh_from_db()
    assert programme.mentors_see_disclosures is True
    page = client.get(f"/programmes/{programme.pk}/").content.decode()
    assert "Mentors see that a disclosure was made" in page
    assert "changed from no to yes" in page


def test_a_proposal_with_another_persons_meeting_or_a_bad_date_is_shown_again_with_why() -> None:
    mentorship = active()
    other = Meeting.objects.exclude(mentorship__mentee_id=mentorship.mentee_id).first()
    assert other is not None
    client = signed_in_client("coordinator")
    url = f"/mentees/{mentorship.mentee_id}/disclosures/new/"
    page = client.post(url, proposal_form(mentorship, meetings=[other.pk])).content.decode()
    assert "Select a valid choice" in page
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = client.post(url, proposal_form(mentorship, expires_on=past)).content.decode()
    assert "The expiry date must be after today" in page
    assert "Til PET&#x27;s vurdering" in page or "Til PET's vurdering" in page
    page = client.post(url, proposal_form(mentorship, kinds=[], meetings=[])).content.decode()
    assert "Choose at least one section" in page
    assert not Disclosure.objects.filter(mentee_id=mentorship.mentee_id, status="proposed").exists()


def test_another_programmes_coordinator_gets_404_on_every_disclosure_page() -> None:
    disclosure = approved(active())
    special = signed_in_client("coordinator-special")
    for path in (
        f"/disclosures/{disclosure.pk}/",
        f"/disclosures/{disclosure.pk}/revoke/",
        f"/mentees/{disclosure.mentee_id}/disclosures/new/",
    ):
        assert special.get(path).status_code == 404, path
    assert disclosure.reference not in special.get("/disclosures/").content.decode()


def _more_disclosures(count: int) -> None:
    approver = User.objects.get(username="coordinator2")
    proposer = User.objects.get(username="coordinator")
    mentorship = active()
    for _ in range(count):
        disclosure = services.disclosure_propose(
            actor=proposer,
            mentee=mentorship.mentee,
            proposal=services.Proposal(
                recipient=security(),
                kinds=[SectionKind.IDENTITY],
                meetings=[],
                purpose="Til PET.",
                legal_basis="pet_act_3",
                urgency="routine",
                expires_on=timezone.localdate() + timedelta(days=10),
            ),
        )
        services.disclosure_approve(
            actor=approver,
            disclosure=disclosure,
            version=disclosure.version,
            proof=SteppedUp(user_id=approver.pk, at=timezone.now()),
        )


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("liaison-security", "/disclosures/inbox/"),
        ("liaison-security", "/"),
        ("coordinator", "/disclosures/"),
        ("coordinator", "/mentees/{mentee}/disclosures/"),
    ],
)
def test_the_lists_take_the_same_number_of_queries_with_more_disclosures(
    username: str, path: str, django_assert_max_num_queries: object
) -> None:
    client: Client = signed_in_client(username)
    url = path.format(mentee=active().mentee_id)
    _more_disclosures(1)
    with django_assert_max_num_queries(60) as few:  # type: ignore[operator]
        assert client.get(url).status_code == 200
    _more_disclosures(6)
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        assert client.get(url).status_code == 200


def test_the_liaison_home_shows_programme_counts_with_small_numbers_suppressed() -> None:
    from backontrack.home.selectors import programme_figures

    small = Programme.objects.create(name="Small pilot")
    mentorship = active()
    Mentorship.objects.filter(pk=mentorship.pk).update(programme=small)
    liaison = User.objects.get(username="liaison-ministry")
    rows = {row["programme"]: row for row in programme_figures(liaison)}
    assert rows["Small pilot"] == {
        "programme": "Small pilot",
        "referred": 0,
        "ongoing": None,
        "closed": 0,
    }
    page = signed_in_client("liaison-ministry").get("/").content.decode()
    assert "Small pilot" in page and "fewer than 5" in page
    assert mentorship.mentee.last_name not in page
    assert programme_figures(User.objects.get(username="mentor05")) == []


def test_revoking_asks_why() -> None:
    disclosure = approved(active())
    response = signed_in_client("coordinator").post(
        f"/disclosures/{disclosure.pk}/revoke/", {"version": disclosure.version, "reason": " "}
    )
    assert response.status_code == 200
    disclosure.refresh_from_db()
    assert disclosure.status == Status.APPROVED


def test_the_proposer_withdraws_a_pending_proposal_and_nobody_else_can() -> None:
    disclosure = propose(active())
    path = f"/disclosures/{disclosure.pk}/withdraw/"
    assert signed_in_client("coordinator2").get(path).status_code == 404
    response = signed_in_client("coordinator").post(path, {"version": disclosure.version})
    assert response.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.status == Status.WITHDRAWN
    assert disclosure.snapshot == ""
    assert (
        signed_in_client("coordinator2").get(f"/disclosures/{disclosure.pk}/decide/").status_code
        == 404
    )
    assert AuditEvent.objects.filter(
        object_type="disclosures.disclosure", object_id=str(disclosure.pk), action=Action.CHANGE
    ).exists()


def test_a_concern_is_disclosed_as_it_was_on_approval() -> None:
    mentorship = active()
    concern = mentorship.concerns.order_by("id").first()
    assert concern is not None
    disclosure = approved(mentorship, kinds=[], meetings=[], concerns=[concern.pk])
    assert [s["kind"] for s in disclosure.sections] == ["concern"]
    facts = concern.facts
    concern.facts = "Rettet bagefter."
    concern.save()
    page = (
        signed_in_client("liaison-security")
        .get(f"/disclosures/inbox/{disclosure.pk}/")
        .content.decode()
    )
    assert facts.splitlines()[0][:40] in page.replace("&#x27;", "'")
    assert "Rettet bagefter." not in page
