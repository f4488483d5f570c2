"""Programmes as a scope: a coordinator of one programme reaches nothing of another's, lists
switch between the programmes a person takes part in, matching proposes only the
programme's people, and the pages' query counts do not grow with either programme's data.
(The pages of the programmes themselves are in tests/test_programmes.py; every URL in each
relation is in tests/test_access_matrix.py.)"""

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import Role, User
from backontrack.mentees.models import Mentee
from backontrack.mentors import services as mentor_services
from backontrack.mentors.models import Course, Mentor, PoolDraft
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.programmes.models import Programme, ProgrammeMembership
from backontrack.referrals.models import OPEN_STATUSES, Referral, Status

from .conftest import signed_in_client
from .test_referrals import _form as referral_form

pytestmark = pytest.mark.django_db

SPECIAL = "Special mentoring scheme"


def special() -> Programme:
    return Programme.objects.get(name=SPECIAL)


def back_on_track() -> Programme:
    return Programme.objects.default()


def names_on(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_special_schemes_coordinator_sees_its_referrals_and_none_of_back_on_tracks() -> None:
    page = names_on(signed_in_client("coordinator-special"), "/referrals/")
    for referral in Referral.objects.filter(status__in=OPEN_STATUSES):
        shown = f'href="/referrals/{referral.pk}/"' in page
        assert shown == (referral.programme_id == special().pk), referral
    # No switch: there is nothing to switch between.
    assert 'name="programme"' not in page


def test_the_special_schemes_coordinator_finds_only_its_people_in_the_register() -> None:
    page = names_on(signed_in_client("coordinator-special"), "/mentees/")
    mine = set(Referral.objects.filter(programme=special()).values_list("mentee_id", flat=True))
    assert mine
    for mentee in Mentee.objects.all()[:30]:
        assert (f'href="/mentees/{mentee.pk}/"' in page) == (mentee.pk in mine), mentee


def test_a_coordinator_of_both_switches_between_them_and_sees_each_ones_cases() -> None:
    client = signed_in_client("coordinator")
    both = names_on(client, "/mentorships/")
    assert "All my programmes" in both and SPECIAL in both
    only_special = names_on(client, f"/mentorships/?programme={special().pk}")
    proposed = Mentorship.objects.get(programme=special())
    assert f'href="/mentorships/{proposed.pk}/"' in only_special
    elsewhere = Mentorship.objects.filter(programme=back_on_track(), status="active").first()
    assert elsewhere is not None
    assert f'href="/mentorships/{elsewhere.pk}/"' in both
    assert f'href="/mentorships/{elsewhere.pk}/"' not in only_special
    # A programme the person does not take part in is no choice: the page shows all of theirs.
    outsider = Programme.objects.create(name="Elsewhere")
    assert f'href="/mentorships/{elsewhere.pk}/"' in names_on(
        client, f"/mentorships/?programme={outsider.pk}"
    )


def test_matching_proposes_only_the_programmes_mentors_and_refuses_another() -> None:
    referral = Referral.objects.get(programme=special(), status=Status.ACCEPTED)
    page = names_on(signed_in_client("coordinator-special"), f"/referrals/{referral.pk}/match/")
    taking_part = set(
        ProgrammeMembership.objects.filter(programme=special(), role=Role.MENTOR).values_list(
            "user_id", flat=True
        )
    )
    for mentor in Mentor.objects.exclude(user=None):
        offered = f'value="{mentor.pk}"' in page
        if mentor.user_id not in taking_part:
            assert not offered, mentor
    outsider = Mentor.objects.get(user__username="mentor05")
    coach = Mentor.objects.get(user__username="mentor01")
    with pytest.raises(mentor_services.Refused, match="does not take part"):
        mentor_services.referral_match(
            actor=User.objects.get(username="coordinator-special"),
            referral=referral,
            version=referral.version,
            mentor=outsider,
            coach=coach,
            score=50,
        )


def test_a_coordinator_of_another_programme_cannot_move_or_match_by_the_services() -> None:
    referral = Referral.objects.filter(programme=back_on_track(), status=Status.ACCEPTED).first()
    assert referral is not None
    with pytest.raises(mentor_services.Refused):
        mentor_services.referral_match(
            actor=User.objects.get(username="coordinator-special"),
            referral=referral,
            version=referral.version,
            mentor=Mentor.objects.get(user__username="mentor03"),
            coach=Mentor.objects.get(user__username="mentor01"),
            score=50,
        )
    assert Referral.objects.get(pk=referral.pk).status == Status.ACCEPTED


def test_the_register_services_refuse_a_coordinator_of_another_programme() -> None:
    from backontrack.demo.referrals import mentee_data
    from backontrack.mentees import services as mentee_services

    outsider = User.objects.get(username="coordinator-special")
    theirs = Mentee.objects.filter(programme=back_on_track()).exclude(
        pk__in=Referral.objects.filter(programme=special()).values("mentee")
    )[0]
    version = theirs.version
    events, consents = theirs.custody_events.count(), theirs.consents.count()
    with pytest.raises(mentee_services.Refused, match="do not keep"):
        mentee_services.custody_event_record(
            actor=outsider,
            mentee=theirs,
            kind="transfer",
            occurred_on=timezone.localdate(),
            institution=None,
            note="",
        )
    with pytest.raises(mentee_services.Refused, match="do not keep"):
        mentee_services.consent_record(
            actor=outsider,
            mentee=theirs,
            given_on=timezone.localdate(),
            how="written",
            participation=True,
            contact_network=False,
            share_with_agencies=False,
            agencies="",
        )
    with pytest.raises(mentee_services.Refused, match="do not keep"):
        mentee_services.mentee_update(
            actor=outsider, mentee=theirs, version=version, data=mentee_data(theirs)
        )
    theirs.refresh_from_db()
    assert theirs.version == version
    assert (theirs.custody_events.count(), theirs.consents.count()) == (events, consents)
    # Nor may they register someone in a programme they do not coordinate.
    registered = Mentee.objects.count()
    with pytest.raises(mentee_services.Refused, match="only in a programme you coordinate"):
        mentee_services.mentee_create(
            actor=outsider,
            data=mentee_data(theirs, personal_id_digits="0101901235", last_name="Unregistered"),
            programme=back_on_track(),
        )
    assert Mentee.objects.count() == registered


def test_the_referrer_chooses_the_programme_and_the_default_is_preselected() -> None:
    referrer = signed_in_client("referrer")
    form = names_on(referrer, "/referrals/new/")
    assert f'<option value="{back_on_track().pk}" selected>' in form
    response = referrer.post("/referrals/new/", referral_form(programme=special().pk))
    assert response.status_code == 302
    referral = Referral.objects.latest("id")
    assert referral.programme == special()
    # Its coordinator sees it; Back on Track's inbox does not list it for someone who only
    # coordinates Back on Track.
    assert f'href="/referrals/{referral.pk}/"' in names_on(
        signed_in_client("coordinator-special"), "/referrals/"
    )


def test_without_a_choice_a_referral_goes_to_the_default_programme() -> None:
    data = referral_form()
    data.pop("programme", None)
    assert signed_in_client("referrer").post("/referrals/new/", data).status_code == 302
    assert Referral.objects.latest("id").programme == back_on_track()


def test_registering_asks_a_coordinator_of_two_programmes_which_and_no_one_else() -> None:
    from .test_mentees import _form as mentee_form

    data = mentee_form()
    data.pop("programme")
    response = signed_in_client("coordinator").post("/mentees/new/", data)
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Mentee.objects.filter(first_name="Karim", last_name="Sørensen").exists()
    # The special scheme's coordinator has one programme: no question, the record is theirs.
    assert 'name="programme"' not in names_on(
        signed_in_client("coordinator-special"), "/mentees/new/"
    )
    response = signed_in_client("coordinator-special").post("/mentees/new/", data)
    assert response.status_code == 302
    mentee = Mentee.objects.get(first_name="Karim", last_name="Sørensen")
    assert mentee.programme == special()
    assert signed_in_client("coordinator").get(f"/mentees/{mentee.pk}/").status_code == 200


def test_the_pool_is_matched_one_programme_at_a_time() -> None:
    client = signed_in_client("coordinator-special")
    page = names_on(client, "/matching/")
    waiting = Referral.objects.get(programme=special(), status=Status.ACCEPTED)
    assert f'href="/referrals/{waiting.pk}/"' in page
    others = Referral.objects.filter(programme=back_on_track(), status=Status.ACCEPTED)
    assert not any(f'href="/referrals/{r.pk}/"' in page for r in others)
    # Another programme's pool cannot be computed by naming it.
    refused = client.post("/matching/drafts/new/", {"programme": back_on_track().pk})
    assert refused.status_code == 404
    response = client.post("/matching/drafts/new/", {"programme": special().pk})
    assert response.status_code == 302
    draft = PoolDraft.objects.get(programme=special(), state=PoolDraft.State.OPEN)
    assert {p.referral_id for p in draft.proposals.all()} == {waiting.pk}
    # Back on Track's open draft is untouched by the special scheme's.
    assert PoolDraft.objects.filter(programme=back_on_track(), state="open").exists()


def test_a_trainer_in_two_programmes_says_whose_course_it_is() -> None:
    trainer = signed_in_client("trainer")
    data = {
        "module": Course.objects.first().module_id,  # type: ignore[union-attr]
        "title": "Conflict management, spring",
        "trainer_name": "Thomas Brandt",
        "trainer_organisation": "Kriminalforsorgen",
        "trainer_kind": "prison_service",
        "location": "",
    }
    response = trainer.post("/training/courses/new/", data)
    assert response.status_code == 200
    assert not Course.objects.filter(title="Conflict management, spring").exists()
    assert (
        trainer.post("/training/courses/new/", {**data, "programme": special().pk}).status_code
        == 302
    )
    course = Course.objects.get(title="Conflict management, spring")
    assert course.programme == special()
    assert (
        signed_in_client("coordinator-special").get(f"/training/courses/{course.pk}/").status_code
        == 200
    )
    back = Course.objects.filter(programme=back_on_track()).first()
    assert back is not None
    assert (
        signed_in_client("coordinator-special").get(f"/training/courses/{back.pk}/").status_code
        == 404
    )


def test_a_mentor_who_no_longer_takes_part_no_longer_sees_the_programmes_mentorships() -> None:
    mentorship = Mentorship.objects.select_related("mentor__user").get(programme=special())
    mentor = mentorship.mentor.user
    assert mentor is not None
    client = signed_in_client(mentor.username)
    assert client.get(f"/mentorships/{mentorship.pk}/").status_code == 200
    ProgrammeMembership.objects.filter(user=mentor, programme=special()).delete()
    assert (
        signed_in_client(mentor.username).get(f"/mentorships/{mentorship.pk}/").status_code == 404
    )


def _fill_both_programmes(count: int) -> None:
    """`count` more referrals and active mentorships in each programme."""
    coordinator = User.objects.get(username="coordinator")
    referrer = User.objects.get(username="referrer")
    template = Mentorship.objects.filter(status=MentorshipStatus.ACTIVE).first()
    assert template is not None
    taken = set(Mentorship.objects.values_list("mentee_id", flat=True))
    free = list(Mentee.objects.exclude(pk__in=taken).order_by("id")[: 2 * count])
    today = timezone.localdate()
    for n, mentee in enumerate(free):
        programme = [back_on_track(), special()][n % 2]
        Referral.objects.create(
            programme=programme,
            mentee=mentee,
            referred_name=str(mentee),
            referred_by=referrer,
            referring_unit="Unit",
            referred_on=today - timedelta(days=n),
            reason="r",
            orientation="mixed",
            status=Status.RECEIVED,
            status_changed_at=timezone.now(),
            vulnerable=True,
            vulnerability_rationale="v",
        )
        Mentorship.objects.create(
            programme=programme,
            mentee=mentee,
            mentor=template.mentor,
            coach=template.coach,
            status=MentorshipStatus.ACTIVE,
            created_by=coordinator,
            status_changed_at=timezone.now(),
        )


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "path", ["/", "/referrals/", "/mentees/", "/mentorships/", "/training/", "/matching/"]
)
def test_the_coordinators_pages_keep_their_query_count_with_both_programmes_full(
    path: str, settings: Any
) -> None:
    client = signed_in_client("coordinator")
    _queries(client, path)  # warm: the session and the caches of the first request
    before = _queries(client, path)
    _fill_both_programmes(6)
    assert _queries(client, path) <= before


def test_send_alerts_tells_only_the_programmes_own_coordinators() -> None:
    from django.core import mail
    from django.core.management import call_command

    call_command("send-alerts", stdout=io.StringIO())
    to_special = [m for m in mail.outbox if "coordinator-special@example.org" in m.to]
    to_coordinator = [m for m in mail.outbox if "coordinator@example.org" in m.to]
    assert to_coordinator, "Back on Track's alerts reach its coordinator"
    assert to_special, "the special scheme's proposal waiting to be activated reaches its own"
    special_cases = set(Mentorship.objects.filter(programme=special()).values_list("pk", flat=True))
    for message in to_special:
        linked = {int(pk) for pk in re.findall(r"/mentorships/(\d+)/", str(message.body))}
        assert linked <= special_cases, message.body


def test_registering_another_programmes_person_names_no_one_and_says_how_to_refer_them() -> None:
    from .test_mentees import _form as mentee_form

    theirs = Mentee.objects.exclude(
        pk__in=Referral.objects.filter(programme=special()).values("mentee_id")
    ).first()
    assert theirs is not None
    data = mentee_form(personal_id=theirs.personal_id, date_of_birth=theirs.date_of_birth)
    data.pop("programme")
    response = signed_in_client("coordinator-special").post("/mentees/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "in a programme you do not coordinate" in page
    assert theirs.last_name not in page
    assert f"/mentees/{theirs.pk}/" not in page
