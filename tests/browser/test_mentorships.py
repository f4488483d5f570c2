"""A mentorship in the browser: the coordinator activates a proposed one; the mentor records
a meeting in a few clicks; the coach reads it. Every page passes axe."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from backontrack.mentorships.models import MentorshipStatus
from tests.conftest import demo_mentorship

from .helpers import check_accessibility, sign_in


def test_activate_then_record_a_meeting_and_the_coach_reads_it(
    page: Page, browser: Any, axe_source: str
) -> None:
    proposed = demo_mentorship(MentorshipStatus.PROPOSED)
    # Two days ago: no alert of a quiet mentorship names the mentee a second time on the
    # mentor's home, whatever day the test runs.
    initial_meeting = (timezone.localdate() - timedelta(days=2)).isoformat()
    sign_in(page, "coordinator")
    page.get_by_role("link", name="Mentorships", exact=True).click()
    check_accessibility(page, axe_source, "mentorship-list")
    page.goto(f"/mentorships/{proposed.pk}/")
    check_accessibility(page, axe_source, "mentorship-proposed")
    page.get_by_role("link", name="Activate after the initial meeting").click()
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "mentorship-activate-errors")
    page.get_by_label("Date of the initial meeting").fill(initial_meeting)
    page.get_by_label("The coach").check()
    page.get_by_label("Date the mentorship agreement was signed").fill(initial_meeting)
    page.get_by_label("Roles agreed").fill("Weekly visits.")
    page.get_by_label("Safety rules").fill("No private phone numbers.")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("The mentorship is active")).to_be_visible()

    base = "/".join(page.url.split("/", 3)[:3])
    mentor = browser.new_context(base_url=base).new_page()
    sign_in(mentor, proposed.mentor.user.username)  # type: ignore[union-attr]
    check_accessibility(mentor, axe_source, "home-mentor-with-mentee")
    mentor.get_by_role("link", name=str(proposed.mentee)).click()
    mentor.get_by_role("link", name="Record a meeting").click()
    check_accessibility(mentor, axe_source, "meeting-new")
    # The common case: today's prison visit, which took place: minutes and a line of notes.
    mentor.get_by_label("Minutes").fill("45")
    mentor.get_by_label("What happened (facts)").fill("Talked about his job in the kitchen.")
    mentor.get_by_role("button", name="Record the meeting").click()
    expect(mentor.get_by_text("The meeting is recorded.")).to_be_visible()
    expect(mentor.get_by_text("Talked about his job in the kitchen.")).to_be_visible()
    check_accessibility(mentor, axe_source, "mentorship-active")
    mentor.get_by_role("link", name="Change the meeting of").first.click()
    check_accessibility(mentor, axe_source, "meeting-edit")
    mentor.get_by_role("link", name="Back", exact=True).click()
    mentor.get_by_role("link", name="Add a goal").click()
    check_accessibility(mentor, axe_source, "goal-new")
    mentor.get_by_label("Aim area").select_option("re_entry")
    mentor.get_by_label("Goal", exact=True).fill("A place on the welding course")
    mentor.get_by_role("button", name="Save").click()
    expect(mentor.get_by_text("The goal is added to the plan.")).to_be_visible()
    mentor.get_by_role("link", name="Change the custody constraints").click()
    check_accessibility(mentor, axe_source, "plan-edit")
    mentor.get_by_label("Custody constraints").fill("Visits on weekdays only.")
    mentor.get_by_role("button", name="Save").click()
    expect(mentor.get_by_text("Visits on weekdays only.")).to_be_visible()
    mentor.context.close()

    coach = browser.new_context(base_url=base).new_page()
    sign_in(coach, proposed.coach.user.username)  # type: ignore[union-attr]
    coach.get_by_role("link", name=str(proposed.mentee)).first.click()
    expect(coach.get_by_text("Talked about his job in the kitchen.")).to_be_visible()
    expect(coach.get_by_role("link", name="Record a meeting")).to_have_count(0)
    coach.context.close()


def test_the_coordinators_mentorship_pages_are_accessible(page: Page, axe_source: str) -> None:
    active = demo_mentorship(MentorshipStatus.ACTIVE)
    sign_in(page, "coordinator")
    expect(page.get_by_role("heading", name="What is overdue")).to_be_visible()
    page.goto(f"/mentorships/{active.pk}/")
    expect(page.get_by_text("Needs attention")).to_be_visible()
    page.get_by_role("link", name="The whole timeline").click()
    check_accessibility(page, axe_source, "mentorship-timeline")
    page.get_by_label("Show").select_option("meeting")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Custody:")).to_have_count(0)
    page.goto(f"/mentorships/{active.pk}/check-ins/new/")
    check_accessibility(page, axe_source, "check-in-new")
    page.get_by_label("How").select_option("phone")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("The check-in is recorded.")).to_be_visible()
    page.goto(f"/mentorships/{active.pk}/phase/")
    check_accessibility(page, axe_source, "mentorship-phase")
    page.goto(f"/mentorships/{active.pk}/reallocate/")
    check_accessibility(page, axe_source, "mentorship-reallocate")
    page.goto(f"/mentorships/{active.pk}/close/")
    page.get_by_label("Ended early").check()
    page.get_by_role("button", name="Close the mentorship").click()
    expect(page.get_by_text("Before the mentorship can be closed, add:")).to_be_visible()
    check_accessibility(page, axe_source, "mentorship-close-missing")
    page.get_by_label("Why it ended").fill("Transferred abroad.")
    page.get_by_role("group", name="Exit interview with the mentee").get_by_label(
        "Declined"
    ).check()
    page.get_by_role("group", name="Exit interview with the mentor").get_by_label("Held").check()
    page.get_by_label("No contact").check()
    page.get_by_role("group", name="May the person be matched again?").get_by_label("Yes").check()
    page.get_by_role("button", name="Close the mentorship").click()
    expect(page.get_by_text("The mentorship is closed.")).to_be_visible()
    check_accessibility(page, axe_source, "mentorship-closed")


def test_one_mentorship_from_proposed_through_every_phase_to_closure(
    page: Page, browser: Any, axe_source: str
) -> None:
    """The proposed demo mentorship (a person on remand) as the coordinator, the mentor and
    the coach see it: activation, remand, sentencing, re-entry, release, aftercare, closure."""
    proposed = demo_mentorship(MentorshipStatus.PROPOSED)
    detail = f"/mentorships/{proposed.pk}/"
    sign_in(page, "coordinator")
    base = "/".join(page.url.split("/", 3)[:3])

    def custody(kind: str, name: str) -> None:
        page.goto(f"/mentees/{proposed.mentee_id}/custody/new/")
        page.get_by_label("What happened").select_option(kind)
        page.get_by_label("Date", exact=True).fill(timezone.localdate().isoformat())
        page.get_by_role("button", name="Record").click()
        expect(page.get_by_text(f"The mentorship's phase is now: {name}.")).to_be_visible()

    def phase_is(who: Page, name: str) -> None:
        who.goto(detail)
        expect(who.locator(".bot-facts").first).to_contain_text(f"phase: {name}")

    # The coordinator activates it after the initial meeting: it starts on remand.
    page.goto(f"{detail}activate/")
    page.get_by_label("Date of the initial meeting").fill(timezone.localdate().isoformat())
    page.get_by_label("The coordinator").check()
    page.get_by_label("Date the mentorship agreement was signed").fill(
        timezone.localdate().isoformat()
    )
    page.get_by_label("Roles agreed").fill("Weekly visits; the coach follows up monthly.")
    page.get_by_label("Safety rules").fill("Meetings in the visiting room only.")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("The mentorship is active")).to_be_visible()
    phase_is(page, "Remand")

    # The mentor records a remand visit.
    mentor = browser.new_context(base_url=base).new_page()
    sign_in(mentor, proposed.mentor.user.username)  # type: ignore[union-attr]
    mentor.goto(f"{detail}meetings/new/")
    mentor.get_by_label("Minutes").fill("60")
    mentor.get_by_label("What happened (facts)").fill("First visit on remand.")
    mentor.get_by_role("button", name="Record the meeting").click()
    expect(mentor.get_by_text("The meeting is recorded.")).to_be_visible()
    # A second prison visit on the same day is recorded only when the mentor confirms it.
    mentor.goto(f"{detail}meetings/new/")
    mentor.get_by_label("Minutes").fill("30")
    mentor.get_by_label("What happened (facts)").fill("Came back in the afternoon.")
    mentor.get_by_role("button", name="Record the meeting").click()
    expect(mentor.get_by_text("is already recorded for this mentorship").first).to_be_visible()
    check_accessibility(mentor, axe_source, "meeting-new-same-day")
    mentor.get_by_label("Yes, record a second meeting").check()
    mentor.get_by_role("button", name="Record the meeting").click()
    expect(mentor.get_by_text("The meeting is recorded.")).to_be_visible()

    # Custody events move the phase; the coordinator moves it by hand with a reason.
    custody("sentencing", "Sentence")
    check_accessibility(page, axe_source, "mentee-after-sentencing")
    page.goto(f"{detail}phase/")
    page.get_by_label("New phase").select_option("re_entry")
    page.get_by_label("Reason").fill("Release brought forward by the court.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The phase is now: Re-entry.")).to_be_visible()
    custody("release_on_licence", "Aftercare")
    phase_is(mentor, "Aftercare")

    # In aftercare the mentor meets in the community.
    mentor.goto(f"{detail}meetings/new/")
    mentor.get_by_label("Kind").select_option("community")
    mentor.get_by_label("Minutes").fill("90")
    mentor.get_by_label("What happened (facts)").fill("Met at the job centre.")
    mentor.get_by_role("button", name="Record the meeting").click()
    expect(mentor.get_by_text("Met at the job centre.")).to_be_visible()
    check_accessibility(mentor, axe_source, "mentorship-aftercare-mentor")

    # The coach reads every phase in the timeline and records nothing.
    coach = browser.new_context(base_url=base).new_page()
    sign_in(coach, proposed.coach.user.username)  # type: ignore[union-attr]
    coach.goto(f"{detail}timeline/")
    for name in ("Phase: Remand", "Phase: Sentence", "Phase: Re-entry", "Phase: Aftercare"):
        expect(coach.get_by_text(name).first).to_be_visible()
    expect(coach.get_by_text("Custody: Sentenced")).to_be_visible()
    check_accessibility(coach, axe_source, "mentorship-timeline-coach")
    coach.goto(detail)
    expect(coach.get_by_role("link", name="Record a meeting")).to_have_count(0)

    # Closing asks for everything missing at once, then closes.
    page.goto(f"{detail}close/")
    page.get_by_label("Completed").check()
    page.get_by_role("button", name="Close the mentorship").click()
    expect(page.get_by_text("Before the mentorship can be closed, add:")).to_be_visible()
    page.get_by_role("group", name="Exit interview with the mentee").get_by_label("Held").check()
    page.get_by_role("group", name="Exit interview with the mentor").get_by_label("Held").check()
    page.get_by_label("Contact as agreed between them").check()
    page.get_by_role("group", name="May the person be matched again?").get_by_label("Yes").check()
    page.get_by_role("button", name="Close the mentorship").click()
    expect(page.get_by_text("The mentorship is closed.")).to_be_visible()

    # After closure it is the coordinator's alone.
    for other in (mentor, coach):
        response = other.goto(detail)
        assert response is not None and response.status == 404
        other.context.close()

    # Opening the closed case again is not routine: the coordinator says why first, and the
    # question names no one.
    page.goto(detail)
    expect(page.get_by_role("heading", name="Why do you open this closed case?")).to_be_visible()
    expect(page.get_by_text(proposed.mentee.last_name)).to_have_count(0)
    check_accessibility(page, axe_source, "mentorship-closed-purpose")
    page.get_by_label("Other reason").check()
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text("Say in a few words why you open it.").first).to_be_visible()
    page.get_by_label("A complaint or an inquiry").check()
    page.get_by_label("In a few words").fill("Complaint 2026-14")
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(f"{base}{detail}")
    expect(page.get_by_text(proposed.mentee.last_name).first).to_be_visible()


def test_on_a_phone_the_mentors_next_action_is_on_the_first_screen(
    page: Page, axe_source: str
) -> None:
    """390 by 844: the header is two short rows, and "Record a meeting" shows without scrolling
    on the mentorship page (and the mentee's link on the home page)."""
    active = demo_mentorship(MentorshipStatus.ACTIVE)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, active.mentor.user.username)  # type: ignore[union-attr]
    header = page.locator("header.header").bounding_box()
    assert header is not None and header["height"] < 844 * 0.25, header
    page.get_by_role("link", name=str(active.mentee)).first.click()
    record = page.get_by_role("link", name="Record a meeting")
    box = record.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, box
    check_accessibility(page, axe_source, "mentorship-active-phone")


def test_on_a_phone_the_menus_overflow_speaks_the_pages_language(page: Page) -> None:
    """The design system's script names the overflow menu "Mere" whatever the language."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "coordinator")
    more = page.locator(".navigation-menu .more-button span")
    expect(more).to_have_text("More")
    page.get_by_role("button", name="Dansk").click()
    expect(more).to_have_text("Mere")


def test_on_a_phone_a_lists_filters_fold_away_until_asked_for(page: Page, axe_source: str) -> None:
    """390 by 844: the referrals, mentees, mentorships and mentors start on the first screen;
    the filters are one tap away, and stay open while a filter is in use."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "coordinator")
    for path, first in [
        ("/referrals/", "table"),
        ("/mentees/", "table"),
        ("/mentorships/", "table"),
        ("/mentors/", "table"),
    ]:
        page.goto(path)
        panel = page.locator("details.bot-filter-panel")
        expect(panel).not_to_have_attribute("open", "")
        box = page.locator(first).first.bounding_box()
        assert box is not None and box["y"] < 844, (path, box)
        page.get_by_text("Filters", exact=True).click()
        expect(page.locator("details.bot-filter-panel .button-secondary").first).to_be_visible()
        check_accessibility(page, axe_source, f"filters-open{path.replace('/', '-')}phone")
    page.goto("/mentorships/?status=paused")
    expect(page.locator("details.bot-filter-panel")).to_have_attribute("open", "")
    expect(page.get_by_text("Filters (in use)")).to_be_visible()
    # On a wide screen the filters are simply there.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/referrals/")
    expect(page.get_by_role("button", name="Filter")).to_be_visible()
