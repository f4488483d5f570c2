"""The mentee's network: nobody contacted without consent, withdrawal shown everywhere it
matters, who may see and write it, the audit and the query count."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import AuditEvent
from backontrack.mentees.models import Consent
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.mentorships.services import Refused
from backontrack.network import services
from backontrack.network.models import Involvement, NetworkMember

from .conftest import demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db


def active() -> Mentorship:
    return demo_mentorship(MentorshipStatus.ACTIVE)


def mentor_of(mentorship: Mentorship) -> User:
    user = mentorship.mentor.user
    assert user is not None
    return user


def add(mentorship: Mentorship, **overrides: object) -> NetworkMember:
    data = {
        "name": "Hodan Ali",
        "relation": "sibling",
        "influence": "supportive",
        "closeness": "close",
        "contact_details": "+45 11 22 33 44",
        "mentee_consent_on": timezone.localdate() - timedelta(days=5),
        "member_consent_on": timezone.localdate() - timedelta(days=5),
        "notes": "",
    }
    data.update(overrides)
    return services.member_create(
        actor=mentor_of(mentorship),
        mentorship=mentorship,
        data=services.MemberData(**data),  # type: ignore[arg-type]
    )


def involve(mentorship: Mentorship, member: NetworkMember, day: date | None = None) -> Involvement:
    return services.involvement_record(
        actor=mentor_of(mentorship),
        mentorship=mentorship,
        member=member,
        kind="call",
        occurred_on=day or timezone.localdate(),
        meeting=None,
        note="",
    )


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"mentee_consent_on": None}, "the mentee's agreement to involve this person"),
        ({"member_consent_on": None}, "the person's own consent"),
        ({"member_consent_on": "today"}, "the person's own consent"),  # after the call below
    ],
)
def test_nobody_is_contacted_without_both_consents(overrides: dict, missing: str) -> None:
    mentorship = active()
    # The day is taken when the test runs, not when it is collected (a run may cross midnight).
    today = {key: timezone.localdate() for key, value in overrides.items() if value == "today"}
    member = add(mentorship, **{**overrides, **today})
    with pytest.raises(Refused, match=missing):
        involve(mentorship, member, timezone.localdate() - timedelta(days=1))
    assert not Involvement.objects.filter(member=member).exists()


def test_nor_without_the_mentees_consent_to_contacting_the_network() -> None:
    mentorship = active()
    member = add(mentorship)
    involve(mentorship, member)  # both consents and the mentee's consent in force
    Consent.objects.filter(mentee=mentorship.mentee).update(withdrawn_on=timezone.localdate())
    with pytest.raises(Refused, match="consent to contacting family and network"):
        involve(mentorship, member)
    page = signed_in_client(mentor_of(mentorship).username).get(
        f"/mentorships/{mentorship.pk}/involvement/new/"
    )
    assert "nobody can be involved" in page.content.decode()


def test_a_withdrawal_shows_everywhere_and_stops_all_contact() -> None:
    mentorship = active()
    member = add(mentorship)
    client = signed_in_client(mentor_of(mentorship).username)
    form = f"/mentorships/{mentorship.pk}/involvement/new/"
    assert "Hodan Ali" in client.get(form).content.decode()
    response = client.post(
        f"/mentorships/{mentorship.pk}/network/{member.pk}/withdraw/",
        {
            "version": member.version,
            "withdrawn_by": "member",
            "withdrawn_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.consent_state == "withdrawn"
    page = client.get(f"/mentorships/{mentorship.pk}/network/").content.decode()
    assert "by the person themselves — do not contact" in page
    assert "+45 11 22 33 44" not in page  # the contact details are no longer shown
    assert "Hodan Ali" not in client.get(form).content.decode()  # not offered any more
    response = client.post(
        form, {"member": member.pk, "kind": "call", "occurred_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    with pytest.raises(Refused, match="consent was withdrawn"):
        involve(mentorship, member)
    # Consent cannot be written back over the withdrawal.
    with pytest.raises(Refused, match="add the person again"):
        services.member_update(
            actor=mentor_of(mentorship),
            mentorship=mentorship,
            member=member,
            version=member.version,
            data=services.MemberData(
                name="Hodan Ali",
                relation="sibling",
                influence="supportive",
                closeness="close",
                contact_details="",
                mentee_consent_on=timezone.localdate(),
                member_consent_on=timezone.localdate(),
                notes="",
            ),
        )
    # An involvement before the withdrawal stays on the record.
    assert Involvement.objects.filter(member__mentee=mentorship.mentee).exists()


def test_the_mentor_adds_a_person_and_records_a_family_meeting_in_the_pages() -> None:
    mentorship = active()
    client = signed_in_client(mentor_of(mentorship).username)
    response = client.post(
        f"/mentorships/{mentorship.pk}/network/new/",
        {
            "version": "0",
            "name": "Amina Warsame",
            "relation": "parent",
            "influence": "supportive",
            "closeness": "close",
            "mentee_consent_on": timezone.localdate().isoformat(),
            "member_consent_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    member = NetworkMember.objects.filter(mentee=mentorship.mentee).latest("id")
    assert member.name == "Amina Warsame" and member.consent_state == "given"
    response = client.post(
        f"/mentorships/{mentorship.pk}/involvement/new/",
        {
            "member": member.pk,
            "kind": "family_meeting",
            "occurred_on": timezone.localdate().isoformat(),
            "note": "Talked about the visits.",
        },
    )
    assert response.status_code == 302
    involvement = Involvement.objects.get(member=member)
    assert involvement.phase == mentorship.phase
    page = client.get(f"/mentorships/{mentorship.pk}/network/").content.decode()
    assert "Amina Warsame" in page and "Talked about the visits." in page
    timeline = client.get(f"/mentorships/{mentorship.pk}/timeline/?kind=network").content.decode()
    assert "Family meeting — Amina Warsame" in timeline


def test_an_incomplete_person_is_refused_and_nothing_is_lost() -> None:
    mentorship = active()
    before = NetworkMember.objects.count()
    client = signed_in_client(mentor_of(mentorship).username)
    response = client.post(
        f"/mentorships/{mentorship.pk}/network/new/",
        {
            "version": "0",
            "name": "Amina Warsame",
            "relation": "parent",
            "mentee_consent_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "A consent cannot be dated in the future." in html and 'value="Amina Warsame"' in html
    assert NetworkMember.objects.count() == before


def test_the_coach_reads_the_network_and_writes_nothing() -> None:
    mentorship = active()
    member = add(mentorship)
    coach = signed_in_client(mentorship.coach.user.username)  # type: ignore[union-attr]
    assert coach.get(f"/mentorships/{mentorship.pk}/network/").status_code == 200
    for url in ("network/new/", f"network/{member.pk}/edit/", "involvement/new/"):
        assert coach.get(f"/mentorships/{mentorship.pk}/{url}").status_code == 404
    with pytest.raises(Refused):
        services.member_create(
            actor=mentorship.coach.user,  # type: ignore[arg-type]
            mentorship=mentorship,
            data=services.MemberData("X", "friend", "neutral", "some", "", None, None, ""),
        )


def test_names_and_contact_details_are_encrypted_and_reading_is_audited() -> None:
    mentorship = active()
    member = add(mentorship)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, contact_details FROM network_networkmember WHERE id = %s", [member.pk]
        )
        raw = " ".join(str(value) for value in cursor.fetchone())
    assert "Hodan" not in raw and "11 22 33" not in raw
    signed_in_client("coordinator").get(f"/mentorships/{mentorship.pk}/network/")
    event = AuditEvent.objects.filter(object_type="network.networkmember").latest("id")
    assert str(member.pk) in event.object_ids and "contact_details" in event.fields


def test_the_network_page_query_count_does_not_grow() -> None:
    mentorship = active()
    client = signed_in_client(mentor_of(mentorship).username)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/mentorships/{mentorship.pk}/network/").status_code == 200
        return len(queries)

    add(mentorship)
    involve(mentorship, NetworkMember.objects.filter(mentee=mentorship.mentee).latest("id"))
    before = count()
    for n in range(6):
        member = add(mentorship, name=f"Friend {n}", relation="friend")
        involve(mentorship, member)
    assert count() == before


def test_a_recorded_consent_is_never_rewritten_and_a_withdrawal_keeps_no_contact_details() -> None:
    mentorship = active()
    member = add(mentorship)
    involve(mentorship, member, timezone.localdate() - timedelta(days=2))
    data = services.MemberData(
        name="Hodan Ali",
        relation="sibling",
        influence="supportive",
        closeness="close",
        contact_details="+45 11 22 33 44",
        mentee_consent_on=timezone.localdate() - timedelta(days=900),  # backdated
        member_consent_on=timezone.localdate() - timedelta(days=5),
        notes="",
    )
    with pytest.raises(Refused, match="not changed or removed"):
        services.member_update(
            actor=mentor_of(mentorship),
            mentorship=mentorship,
            member=member,
            version=member.version,
            data=data,
        )
    data.mentee_consent_on = None  # cleared: a withdrawal without a date
    with pytest.raises(Refused, match="not changed or removed"):
        services.member_update(
            actor=mentor_of(mentorship),
            mentorship=mentorship,
            member=member,
            version=member.version,
            data=data,
        )
    with pytest.raises(Refused, match="An involvement is recorded on"):
        services.consent_withdraw(
            actor=mentor_of(mentorship),
            mentorship=mentorship,
            member=member,
            version=member.version,
            withdrawn_on=timezone.localdate() - timedelta(days=3),
            withdrawn_by="member",
        )
    services.consent_withdraw(
        actor=mentor_of(mentorship),
        mentorship=mentorship,
        member=member,
        version=member.version,
        withdrawn_on=timezone.localdate(),
        withdrawn_by="member",
    )
    member.refresh_from_db()
    assert member.contact_details == ""
    edit = signed_in_client(mentor_of(mentorship).username).get(
        f"/mentorships/{mentorship.pk}/network/{member.pk}/edit/"
    )
    assert "+45 11 22 33 44" not in edit.content.decode()


def test_involvement_is_not_dated_before_the_mentorship_began() -> None:
    mentorship = active()
    member = add(mentorship, mentee_consent_on=timezone.localdate() - timedelta(days=400))
    started = mentorship.initial_meeting_on
    assert started is not None
    with pytest.raises(Refused, match="before the mentorship began"):
        involve(mentorship, member, started - timedelta(days=1))


def test_without_the_mentees_consent_nobody_shows_as_contactable() -> None:
    mentorship = active()
    add(mentorship)
    Consent.objects.filter(mentee=mentorship.mentee).update(withdrawn_on=timezone.localdate())
    page = signed_in_client(mentor_of(mentorship).username).get(
        f"/mentorships/{mentorship.pk}/network/"
    )
    html = page.content.decode()
    assert "Both consented" not in html and "+45 11 22 33 44" not in html
    assert "No consent from the mentee to contact the network — do not contact" in html


def test_involvement_is_linked_to_the_meeting_it_happened_at() -> None:
    mentorship = active()
    consented = timezone.localdate() - timedelta(days=30)
    member = add(mentorship, mentee_consent_on=consented, member_consent_on=consented)
    meeting = mentorship.meetings.order_by("-occurred_on").first()
    assert meeting is not None
    client = signed_in_client(mentor_of(mentorship).username)
    response = client.post(
        f"/mentorships/{mentorship.pk}/involvement/new/",
        {
            "member": member.pk,
            "kind": "joint_meeting",
            "occurred_on": meeting.occurred_on.isoformat(),
            "meeting": meeting.pk,
        },
    )
    assert response.status_code == 302
    assert Involvement.objects.get(member=member).meeting == meeting
