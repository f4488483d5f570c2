"""Hostile input by class: dates out of range, ids no database can hold, forms sent twice,
and what the new mentor of a reallocated mentorship may read."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.core import dates
from backontrack.core.form_tokens import FIELD, nonce_of
from backontrack.mentees import services as mentee_services
from backontrack.mentees.forms import CustodyEventForm
from backontrack.mentees.models import Mentee
from backontrack.mentors.forms import MentorForm
from backontrack.mentors.models import Mentor
from backontrack.mentorships import services
from backontrack.mentorships.models import Meeting, Mentorship, MentorshipStatus, ReentryPlan

from .conftest import demo_mentorship, signed_in_client
from .test_access_matrix import BEARER_TOKEN, MATRIX, POST_ONLY, _allowed, _ids
from .test_hostile_forms import read_forms
from .test_mentees import _form

pytestmark = pytest.mark.django_db


def active() -> Mentorship:
    return demo_mentorship(MentorshipStatus.ACTIVE)


def form_on(client: Client, path: str) -> dict[str, list[str]]:
    """The values a browser would send from the page's main form."""
    page = client.get(path).content.decode()
    form = next(form for form in read_forms(page) if form.method == "post" and not form.action)
    return form.values()


def test_it_refuses_a_release_date_of_year_one_and_the_reentry_page_stays_up() -> None:
    mentorship = active()
    coordinator = signed_in_client("coordinator")
    edit = f"/mentees/{mentorship.mentee_id}/edit/"
    data = form_on(coordinator, edit) | {"expected_release_date": ["0001-01-01"]}
    response = coordinator.post(edit, data)
    assert response.status_code == 200
    assert "A release date must be between" in response.content.decode()
    mentee = Mentee.objects.get(pk=mentorship.mentee_id)
    assert mentee.expected_release_date != date(1, 1, 1)
    reentry = f"/mentorships/{mentorship.pk}/re-entry/"
    assert signed_in_client(mentorship.mentor.user.username).get(reentry).status_code == 200  # type: ignore[union-attr]


def test_it_refuses_a_release_date_before_the_date_of_birth() -> None:
    response = signed_in_client("coordinator").post(
        "/mentees/new/", _form(expected_release_date="1985-01-01")
    )
    assert "The date is before the person&#x27;s date of birth." in response.content.decode()
    assert not Mentee.objects.filter(last_name="Sørensen", date_of_birth=date(1990, 3, 15))


def test_the_services_refuse_dates_out_of_range_when_the_form_is_bypassed() -> None:
    mentorship = active()
    coordinator = User.objects.get(username="coordinator")
    mentee = Mentee.objects.get(pk=mentorship.mentee_id)
    with pytest.raises(dates.DateOutOfRange, match="between"):
        mentee_services.custody_event_record(
            actor=coordinator,
            mentee=mentee,
            kind="release",
            occurred_on=date(1, 1, 1),
            institution=None,
            note="",
        )
    with pytest.raises(dates.DateOutOfRange, match="between"):
        mentee_services.consent_record(
            actor=coordinator,
            mentee=mentee,
            given_on=date(1999, 12, 31),
            how="written",
            participation=True,
            contact_network=False,
            share_with_agencies=False,
            agencies="",
        )
    plan = ReentryPlan.objects.filter(mentorship=mentorship).first()
    assert plan is not None
    with pytest.raises(dates.DateOutOfRange, match="A release date"):
        services.reentry_release_set(
            actor=coordinator,
            mentorship=mentorship,
            plan=plan,
            version=plan.version,
            release_date=date(9999, 12, 31),
        )


def test_a_custody_event_before_the_date_of_birth_is_a_form_error() -> None:
    mentee = Mentee.objects.get(pk=active().mentee_id)
    events = mentee.custody_events.count()
    response = signed_in_client("coordinator").post(
        f"/mentees/{mentee.pk}/custody/new/",
        {"kind": "release", "occurred_on": (mentee.date_of_birth - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    assert "before the person&#x27;s date of birth" in response.content.decode()
    assert mentee.custody_events.count() == events


def test_every_named_range_says_which_dates_it_allows() -> None:
    today = timezone.localdate()
    assert dates.PROGRAMME_EVENT.problem(today) is None
    assert dates.PROGRAMME_EVENT.problem(date(1999, 12, 31)) is not None
    assert dates.PROGRAMME_EVENT.problem(today + timedelta(days=1), too_late="no") == "no"
    assert dates.BIRTH.problem(today - timedelta(days=365 * 111)) is not None
    assert dates.RELEASE.problem(today + timedelta(days=365 * 99)) is None
    assert dates.RELEASE.problem(today + timedelta(days=365 * 101)) is not None
    assert "2000" in (dates.GOAL_TARGET.problem(date(1, 1, 1)) or "")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("bound", ["date_from", "date_to"])
def test_the_audit_search_answers_extreme_dates_with_a_form_error(day: str, bound: str) -> None:
    response = signed_in_client("auditor").get("/audit/", {bound: day})
    assert response.status_code == 200
    assert "Search between" in response.content.decode()


@pytest.mark.parametrize(
    "value", ["99999999999999999999", "9223372036854775808", "-1", "1.5", "abc", "1\x00"]
)
def test_an_id_no_database_holds_is_an_invalid_choice(value: str) -> None:
    single = CustodyEventForm(
        {"kind": "admission", "occurred_on": "2024-01-01", "institution": value}
    )
    assert not single.is_valid()
    assert "Select a valid choice" in str(single.errors["institution"])
    several = MentorForm({"institutions": [value]})
    assert not several.is_valid()
    assert "Select a valid choice" in str(several.errors["institutions"])


def test_a_consent_sent_from_a_referral_beyond_64_bits_returns_to_the_record() -> None:
    mentee = Mentee.objects.get(pk=active().mentee_id)
    response = signed_in_client("coordinator").post(
        f"/mentees/{mentee.pk}/consent/new/?referral=99999999999999999999",
        {"given_on": timezone.localdate().isoformat(), "how": "written", "participation": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/mentees/{mentee.pk}/"


def test_the_largest_64_bit_id_is_looked_up_and_simply_not_found() -> None:
    form = CustodyEventForm(
        {"kind": "admission", "occurred_on": "2024-01-01", "institution": str(2**63 - 1)}
    )
    assert not form.is_valid()
    assert "institution" in form.errors


def test_a_version_beyond_any_count_is_refused_not_a_server_error() -> None:
    mentorship = active()
    coordinator = signed_in_client("coordinator")
    edit = f"/mentees/{mentorship.mentee_id}/edit/"
    response = coordinator.post(edit, form_on(coordinator, edit) | {"version": ["9" * 20]})
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()


def test_it_writes_a_create_form_sent_twice_once_and_shows_what_it_wrote() -> None:
    coordinator = signed_in_client("coordinator")
    data = {**_form(), FIELD: form_on(coordinator, "/mentees/new/")[FIELD]}
    first = coordinator.post("/mentees/new/", data)
    second = coordinator.post("/mentees/new/", data, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain == [(first["Location"], 302)]
    assert "This form was sent more than once; it is saved once." in second.content.decode()
    assert Mentee.objects.filter(first_name="Karim", date_of_birth=date(1990, 3, 15)).count() == 1


CREATE_PAGES = sorted(
    name
    for name, (_, access) in MATRIX.items()
    # The API's creates are calls, not forms (tests/test_api.py).
    if (name.endswith("_create") or name == "course_sign_off")
    and access not in {POST_ONLY, BEARER_TOKEN}
)


@pytest.mark.parametrize("name", CREATE_PAGES)
def test_every_create_form_carries_a_one_time_token(name: str) -> None:
    template, access = MATRIX[name]
    username = sorted(_allowed(access, template) or set())[0]
    page = signed_in_client(username).get(template.format(**_ids())).content.decode()
    form = next(form for form in read_forms(page) if form.method == "post" and not form.action)
    token = form.values()[FIELD][0]
    assert nonce_of(token), name


def test_a_meeting_sent_twice_is_recorded_once() -> None:
    mentorship = active()
    mentor = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    path = f"/mentorships/{mentorship.pk}/meetings/new/"
    data = form_on(mentor, path) | {"duration_minutes": ["45"], "facts": ["Talked about work."]}
    before = Meeting.objects.filter(mentorship=mentorship).count()
    assert mentor.post(path, data).status_code == 302
    assert mentor.post(path, data).status_code == 302
    assert Meeting.objects.filter(mentorship=mentorship).count() == before + 1


def test_a_refused_submission_keeps_its_token_for_the_corrected_one() -> None:
    coordinator = signed_in_client("coordinator")
    token = form_on(coordinator, "/mentees/new/")[FIELD]
    refused = coordinator.post("/mentees/new/", {**_form(first_name=""), FIELD: token})
    assert refused.status_code == 200
    assert coordinator.post("/mentees/new/", {**_form(), FIELD: token}).status_code == 302


def test_a_forged_token_is_refused_and_replaced_so_the_form_can_be_sent_again() -> None:
    coordinator = signed_in_client("coordinator")
    refused = coordinator.post("/mentees/new/", {**_form(), FIELD: "forged:token"})
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "This form was opened too long ago or did not come from this site." in page
    assert not Mentee.objects.filter(first_name="Karim", date_of_birth=date(1990, 3, 15))
    fresh = next(f for f in read_forms(page) if f.method == "post" and not f.action)
    fresh_token = fresh.values()[FIELD]
    assert fresh_token != ["forged:token"]
    assert coordinator.post("/mentees/new/", {**_form(), FIELD: fresh_token}).status_code == 302


@pytest.mark.postgresql_only
def test_a_create_form_sent_twice_in_parallel_is_written_once(demo_data: None) -> None:
    data = {**_form(), FIELD: form_on(signed_in_client("coordinator"), "/mentees/new/")[FIELD]}
    start = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        client = signed_in_client("coordinator")
        start.wait()
        try:
            response = client.post("/mentees/new/", data)
            answers.append((response.status_code, response["Location"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [302, 302]
    assert answers[0][1] == answers[1][1]
    assert Mentee.objects.filter(first_name="Karim", date_of_birth=date(1990, 3, 15)).count() == 1


def test_the_reallocation_reason_and_note_are_hidden_from_the_new_mentor() -> None:
    mentorship = active()
    coordinator = signed_in_client("coordinator")
    sofie = Mentor.objects.get(user__username="mentor04")
    response = coordinator.post(
        f"/mentorships/{mentorship.pk}/reallocate/",
        {
            "version": mentorship.version,
            "mentor": sofie.pk,
            "reason": "transfer",
            "note": "The previous mentor crossed a boundary.",
        },
    )
    assert response.status_code == 302
    coach = mentorship.coach.user.username  # type: ignore[union-attr]
    for path in (f"/mentorships/{mentorship.pk}/", f"/mentorships/{mentorship.pk}/timeline/"):
        new_mentor_page = signed_in_client("mentor04").get(path).content.decode()
        assert "Sofie Dahl" in new_mentor_page
        assert "crossed a boundary" not in new_mentor_page
        assert "Transfer to a distant institution" not in new_mentor_page
        for reader in ("coordinator", coach):
            assert "crossed a boundary" in signed_in_client(reader).get(path).content.decode()
