"""The coach records a supervision session with wellbeing, guidance and an action (desktop,
English; the form again on a phone in Danish); the mentor sees the action on their home page
from a phone, confirms the session and marks the action done; the wellbeing trend and the
coordinator's overview pass axe in both languages."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from backontrack.mentorships.models import Mentorship, MentorshipStatus

from .helpers import check_accessibility, sign_in

ACTION = "Bed afdelingen om faste besøgsdage"
PHONE: ViewportSize = {"width": 390, "height": 844}


def _in_danish(page: Page) -> None:
    page.get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")


def test_the_coach_records_a_session_and_the_mentor_confirms_and_finishes_the_action(
    page: Page, browser: Browser, live_server: object, axe_source: str
) -> None:
    mentorship = Mentorship.objects.select_related("mentee").get(
        mentor__user__username="mentor03",
        coach__user__username="mentor02",
        status=MentorshipStatus.ACTIVE,
    )
    sign_in(page, "mentor02")
    expect(page.get_by_role("heading", name="Mentors you supervise")).to_be_visible()
    check_accessibility(page, axe_source, "supervision-coach-home-en")
    page.get_by_role("link", name="Record a session with Jonas Mikkelsen").click()
    check_accessibility(page, axe_source, "supervision-form-en")
    page.get_by_role("button", name="Record the session").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "supervision-form-errors-en")
    for question, answer in (
        ("Workload", "3"),
        ("Emotional strain", "4"),
        ("Feeling supported", "Prefer not to say"),
        ("Feeling safe", "5"),
    ):
        group = page.get_by_role("group", name=re.compile(f"^{question}"))
        group.get_by_label(answer, exact=True).check()
    page.get_by_label("Format").select_option("in_person")
    page.get_by_label("Hours spent on mentoring since the last session").fill("12")
    page.get_by_label(f"Discussed: {mentorship.mentee}").check()
    page.get_by_label("What was discussed (facts)").fill("Vred over et afslået besøg.")
    page.get_by_label("Guidance given (assessment)").fill("Aftal faste besøgsdage med afdelingen.")
    first_action = page.get_by_role("group", name="Action 1")
    first_action.get_by_label("Action agreed").fill(ACTION)
    first_action.get_by_label("Who does it").select_option(label="Jonas Mikkelsen")
    due = timezone.localdate() + timedelta(days=7)
    first_action.get_by_label("Due").fill(due.isoformat())
    page.get_by_role("button", name="Record the session").click()
    expect(page.get_by_text("The supervision session is recorded.")).to_be_visible()
    expect(page.get_by_text("Aftal faste besøgsdage med afdelingen.")).to_be_visible()
    check_accessibility(page, axe_source, "supervision-session-en")
    _in_danish(page)
    check_accessibility(page, axe_source, "supervision-session-da")
    page.set_viewport_size(PHONE)
    page.goto("/supervision/new/?mentor=" + str(mentorship.mentor_id))
    check_accessibility(page, axe_source, "supervision-form-phone-da")
    page.goto(f"/supervision/mentors/{mentorship.mentor_id}/wellbeing/")
    check_accessibility(page, axe_source, "supervision-wellbeing-phone-da")

    mentor_context = browser.new_context(
        base_url=live_server.url,  # type: ignore[attr-defined]
        viewport=PHONE,
    )
    mentor = mentor_context.new_page()
    sign_in(mentor, "mentor03")
    expect(mentor.get_by_text(ACTION)).to_be_visible()
    check_accessibility(mentor, axe_source, "supervision-mentor-home-phone-en")
    mentor.get_by_role("link", name=re.compile("^Session of .* with Aisha Karimi")).first.click()
    expect(mentor.get_by_text("Aftal faste besøgsdage med afdelingen.")).to_be_visible()
    check_accessibility(mentor, axe_source, "supervision-mentor-session-phone-en")
    mentor.get_by_role("button", name="Confirm the session").click()
    expect(mentor.get_by_text("You confirmed the session.")).to_be_visible()
    mentor.goto("/")
    mentor.locator("li", has_text=ACTION).get_by_role("button", name="Mark done").click()
    expect(mentor.get_by_text("The action is marked done.")).to_be_visible()
    expect(mentor.get_by_text(ACTION)).to_have_count(0)
    _in_danish(mentor)
    check_accessibility(mentor, axe_source, "supervision-mentor-home-phone-da")
    mentor_context.close()

    coordinator_context = browser.new_context(base_url=live_server.url)  # type: ignore[attr-defined]
    coordinator = coordinator_context.new_page()
    sign_in(coordinator, "coordinator")
    coordinator.goto("/supervision/overview/")
    expect(coordinator.get_by_role("rowheader", name=re.compile("Jonas Mikkelsen"))).to_be_visible()
    expect(coordinator.get_by_text("Aftal faste besøgsdage med afdelingen.")).to_have_count(0)
    check_accessibility(coordinator, axe_source, "supervision-overview-en")
    _in_danish(coordinator)
    check_accessibility(coordinator, axe_source, "supervision-overview-da")
    coordinator_context.close()
