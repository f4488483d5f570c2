"""Home pages that say what to do next (issue: what a new user trips over, item 13)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.demo.loader import PERSONAS
from backontrack.home.selectors import HOME_ALERTS
from backontrack.mentors.models import Mentor
from backontrack.mentors.readiness import readiness_for
from backontrack.mentorships.alerts import alerts
from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship, MentorshipStatus

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def test_the_trainers_home_lists_the_sign_offs_waiting_with_a_link_to_each() -> None:
    waiting = Mentor.objects.get(user__username="mentor08")
    page = signed_in_client("trainer").get("/").content.decode()
    assert "Sign-offs waiting" in page
    assert f"Sign off for {waiting}" in page
    assert f"?mentor={waiting.pk}" in page
    # Someone with every attended module signed off is not listed.
    ready = Mentor.objects.get(user__username="mentor03")
    assert f"Sign off for {ready}" not in page


def test_signing_the_module_off_takes_it_off_the_list() -> None:
    trainer = signed_in_client("trainer")
    waiting = Mentor.objects.get(user__username="mentor08")
    page = trainer.get("/")
    item = next(
        i for i in page.context["training_summary"]["sign_offs_waiting"] if i.mentor == waiting
    )
    form = trainer.get(f"/training/courses/{item.course_id}/sign-off/?mentor={waiting.pk}")
    token = form.context["form"]["form_token"].value()
    done = trainer.post(
        f"/training/courses/{item.course_id}/sign-off/",
        {
            "mentor": waiting.pk,
            "signed_off_on": timezone.localdate().isoformat(),
            "note": "",
            "form_token": token,
        },
    )
    assert done.status_code == 302
    assert f"Sign off for {waiting}" not in trainer.get("/").content.decode()


def test_a_mentor_whose_caseload_is_full_is_told_so_not_that_something_is_missing() -> None:
    mentor = Mentor.objects.get(user__username="mentor03")
    load = mentor.mentorships.filter(status__in=OPEN_MENTORSHIP_STATUSES).count()
    assert load > 0
    Mentor.objects.filter(pk=mentor.pk).update(capacity=load)
    mentor.refresh_from_db()
    assert readiness_for(mentor).only_full
    page = signed_in_client("mentor03").get("/").content.decode()
    assert "Your caseload is full" in page
    assert "Before you can be matched" not in page


def test_the_demo_guide_names_every_demo_user_as_the_pages_do() -> None:
    guide = (Path(__file__).parent.parent / "docs" / "guide" / "demo.md").read_text()
    for persona in PERSONAS:
        assert f"`{persona.username}`" in guide or persona.username.startswith("mentor")
        assert f"{persona.first_name} {persona.last_name}" in guide, persona.username


def test_demo_statuses_are_dated_on_their_stories_not_on_the_load_day() -> None:
    from datetime import date, timedelta

    from django.utils.formats import date_format

    from backontrack.mentors.models import MentorStatus
    from backontrack.mentorships.models import Mentorship, MentorshipStatus
    from backontrack.referrals.models import Referral, Status

    today = timezone.localdate()
    coordinator = signed_in_client("coordinator")

    def on_page(url: str, day: date, fmt: str) -> bool:
        return date_format(day, fmt) in coordinator.get(url).content.decode()

    # A mentor made active after the autumn cohort: their history is dated months ago.
    active = Mentor.objects.filter(status=MentorStatus.ACTIVE).first()
    assert active is not None
    moves = list(active.status_changes.all())
    assert all(timezone.localdate(m.occurred_at) < today for m in moves)
    assert len({timezone.localdate(m.occurred_at) for m in moves}) == len(moves)
    assert timezone.localdate(active.status_changed_at) < today - timedelta(days=30)
    assert on_page(
        f"/mentors/{active.pk}/", timezone.localtime(moves[0].occurred_at), "SHORT_DATETIME_FORMAT"
    )
    # A matched referral reads "since" the day it was matched, not today.
    matched = (
        Referral.objects.filter(
            status=Status.MATCHED, mentorship__status__in=OPEN_MENTORSHIP_STATUSES
        )
        .order_by("referred_on")
        .first()
    )
    assert matched is not None
    since = timezone.localdate(matched.status_changed_at)
    assert matched.referred_on < since < today
    assert on_page(f"/referrals/{matched.pk}/", since, "SHORT_DATE_FORMAT")
    assert not on_page(f"/referrals/{matched.pk}/", today, "SHORT_DATE_FORMAT")
    # Each referral is matched on the day its mentorship was proposed.
    for mentorship in Mentorship.objects.select_related("referral").exclude(referral=None):
        assert mentorship.referral is not None
        assert timezone.localdate(mentorship.referral.status_changed_at) == timezone.localdate(
            mentorship.created_at
        )
    # Mentorships, too, change status on the story's days.
    days = {
        timezone.localdate(m.status_changed_at)
        for m in Mentorship.objects.exclude(status=MentorshipStatus.PROPOSED)
    }
    assert len(days) > 1
    assert today not in days or len(days) > 2


def test_the_coordinators_home_s_queries_do_not_grow_with_the_data() -> None:
    """The home's alerts are picked and counted by the database: the demo with 150 more
    people, most of them mentored and many overdue, then with 300 more again, the page makes
    as many queries each time, shows the first 30 alerts and counts them all."""
    coordinator = signed_in_client("coordinator")
    counts = []
    for added in (150, 300):
        call_command(
            "seed",
            mentees=added,
            with_cases=True,
            random_seed=added,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        expected = alerts(Mentorship.objects.exclude(status=MentorshipStatus.CLOSED))
        assert len(expected) > HOME_ALERTS
        coordinator.get("/")
        with CaptureQueriesContext(connection) as queries:
            page = coordinator.get("/").content.decode()
        counts.append(len(queries.captured_queries))
        assert f"Showing {HOME_ALERTS} of {len(expected)}." in page
        overdue = page.split("What is overdue", 1)[1].split("Showing", 1)[0]
        assert overdue.count('<li><a href="/mentorships/') == HOME_ALERTS
    assert counts[0] == counts[1]
