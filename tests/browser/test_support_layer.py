"""The support layer end to end (issue #16's "done when"): a mentor raises a high concern
from a phone; the coordinator's home shows it untriaged; once the programme's 24 hours have
passed it is flagged and `send-alerts` mails it; the coordinator triages it and escalates it
to the working group; the coach sees it on their home page beside the mentor, records a
supervision session that discusses the mentorship and sets an action; the action is on the
mentor's home page; the coordinator now reads the coach's guidance on the concern's page."""

import io
import re
from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from backontrack.concerns.models import Concern
from backontrack.mentorships.models import Mentorship, MentorshipStatus

from .helpers import check_accessibility, sign_in

PHONE: ViewportSize = {"width": 390, "height": 844}
OBSERVED = "Han viste mig videoer fra en ny kontakt i miljøet og talte om at rejse ud."
GUIDANCE = "Tal med ham om kontakten næste gang; hold fast i planen om uddannelse."
ACTION = "Fortæl koordinatoren, hvad han siger om kontakten"


def test_a_concern_from_a_phone_is_triaged_escalated_and_taken_up_in_supervision(
    page: Page, browser: Browser, live_server: object, axe_source: str
) -> None:
    mentorship = Mentorship.objects.select_related("mentee").get(
        mentor__user__username="mentor03",
        coach__user__username="mentor02",
        status=MentorshipStatus.ACTIVE,
    )
    base_url = live_server.url  # type: ignore[attr-defined]

    # The mentor, on a phone, right after the visit.
    mentor_context = browser.new_context(base_url=base_url, viewport=PHONE)
    mentor = mentor_context.new_page()
    sign_in(mentor, "mentor03")
    mentor.goto(f"/mentorships/{mentorship.pk}/")
    mentor.get_by_role("link", name="Raise a concern").click()
    mentor.get_by_label("What kind of concern").select_option("radicalisation")
    mentor.get_by_label("High", exact=True).check()
    mentor.get_by_label("What you observed (facts)").fill(OBSERVED)
    mentor.get_by_role("button", name="Raise the concern").click()
    expect(mentor.get_by_text("The concern is raised.")).to_be_visible()
    concern = Concern.objects.filter(mentorship=mentorship).latest("id")

    # The coordinator's home shows it untriaged at once, and overdue after 24 hours.
    sign_in(page, "coordinator")
    waiting = page.locator(".bot-concerns li").filter(
        has=page.locator(f'a[href="/concerns/{concern.pk}/"]')
    )
    expect(waiting).to_contain_text("untriaged")
    Concern.objects.filter(pk=concern.pk).update(raised_at=timezone.now() - timedelta(hours=25))
    page.reload()
    expect(waiting).to_contain_text("triage overdue")
    mail.outbox.clear()
    call_command("send-alerts", stdout=io.StringIO())
    assert any(f"/concerns/{concern.pk}/" in m.body for m in mail.outbox)

    # Triage, then escalation to the working group.
    waiting.get_by_role("link").click()
    page.get_by_role("link", name="Triage", exact=True).click()
    page.get_by_label("Your assessment").fill("Tegn på kontakt til miljøet; tages alvorligt.")
    page.get_by_label("Next step").fill("Til arbejdsgruppen; coachen tager det op i supervision.")
    page.get_by_role("button", name="Triage").click()
    expect(page.get_by_text("The concern is triaged.")).to_be_visible()
    page.get_by_role("link", name="Escalate", exact=True).click()
    page.get_by_label("The working group").check()
    page.get_by_label("What was passed on").fill("Bekymringen og hvornår den blev set.")
    page.get_by_role("button", name="Escalate").click()
    expect(page.get_by_text("The concern is escalated.")).to_be_visible()
    expect(page.get_by_text(GUIDANCE)).to_have_count(0)

    # The coach: the concern beside the mentor, then a session that discusses the mentorship.
    coach_context = browser.new_context(base_url=base_url)
    coach = coach_context.new_page()
    sign_in(coach, "mentor02")
    supervised = coach.locator(".bot-supervised-mentor").filter(has_text="Jonas Mikkelsen")
    expect(supervised.locator(f'a[href="/concerns/{concern.pk}/"]')).to_be_visible()
    check_accessibility(coach, axe_source, "support-coach-home-with-concern")
    supervised.get_by_role("link", name="Record a session with Jonas Mikkelsen").click()
    for question, answer in (
        ("Workload", "4"),
        ("Emotional strain", "3"),
        ("Feeling supported", "4"),
        ("Feeling safe", "Prefer not to say"),
    ):
        coach.get_by_role("group", name=re.compile(f"^{question}")).get_by_label(
            answer, exact=True
        ).check()
    coach.get_by_label("Format").select_option("video")
    coach.get_by_label("Hours spent on mentoring since the last session").fill("9")
    coach.get_by_label(f"Discussed: {mentorship.mentee}").check()
    coach.get_by_label("What was discussed (facts)").fill("Bekymringen om den nye kontakt.")
    coach.get_by_label("Guidance given (assessment)").fill(GUIDANCE)
    action = coach.get_by_role("group", name="Action 1")
    action.get_by_label("Action agreed").fill(ACTION)
    action.get_by_label("Who does it").select_option(label="Jonas Mikkelsen")
    action.get_by_label("Due").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    coach.get_by_role("button", name="Record the session").click()
    expect(coach.get_by_text("The supervision session is recorded.")).to_be_visible()
    coach_context.close()

    # The action waits on the mentor's home page.
    mentor.goto("/")
    expect(mentor.get_by_text(ACTION)).to_be_visible()
    check_accessibility(mentor, axe_source, "support-mentor-home-action-phone")
    mentor_context.close()

    # The concern was escalated, so the coordinator reads the coach's guidance on it.
    page.goto(f"/concerns/{concern.pk}/")
    expect(
        page.get_by_role("heading", name="What the coach advised on this mentorship")
    ).to_be_visible()
    expect(page.get_by_text(GUIDANCE)).to_be_visible()
    check_accessibility(page, axe_source, "support-concern-with-guidance")
    page.get_by_role("button", name="Dansk").click()
    expect(
        page.get_by_role("heading", name="Hvad coachen rådgav om dette mentorforløb")
    ).to_be_visible()
    check_accessibility(page, axe_source, "support-concern-with-guidance-da")
