"""A mentor raises a high concern from a phone right after a visit; the coordinator's home
shows it untriaged at once, flags it and `send-alerts` mails it once its 24 hours have
passed; the coordinator triages it and escalates it to the police. Each page passes axe, on
a desktop and a phone, in English and Danish."""

import io
import re
from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from backontrack.concerns.models import Concern
from backontrack.mentorships.models import MentorshipStatus
from tests.conftest import demo_mentorship

from .helpers import check_accessibility, sign_in

PHONE: ViewportSize = {"width": 390, "height": 844}


def test_a_high_concern_from_a_phone_reaches_the_coordinator_who_triages_and_escalates_it(
    page: Page, axe_source: str
) -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    # The mentor, on a phone on the way out of the prison.
    page.set_viewport_size(PHONE)
    sign_in(page, mentorship.mentor.user.username)  # type: ignore[union-attr]
    page.goto(f"/mentorships/{mentorship.pk}/")
    raise_button = page.get_by_role("link", name="Raise a concern")
    box = raise_button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    raise_button.click()
    # Who to call is there before anything is chosen, beside the choice of severity.
    expect(page.get_by_text("Immediate danger? Call first")).to_be_visible()
    expect(page.get_by_text("112")).to_be_visible()
    check_accessibility(page, axe_source, "concern-new-phone")
    page.get_by_role("button", name="Raise the concern").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "concern-new-errors-phone")
    page.get_by_label("What kind of concern").select_option("threat")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("What you observed (facts)").fill(
        "Han nævnte en medindsat ved navn og sagde, at han vil ordne ham efter løsladelsen."
    )
    page.get_by_role("button", name="Raise the concern").click()
    expect(page.get_by_text("The concern is raised.")).to_be_visible()
    expect(page.get_by_text("Waiting for a coordinator to triage it, by")).to_be_visible()
    check_accessibility(page, axe_source, "concern-raised-phone")
    concern = Concern.objects.filter(mentorship=mentorship).latest("id")
    page.get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    check_accessibility(page, axe_source, "concern-raised-phone-da")
    page.goto(f"/mentorships/{mentorship.pk}/concerns/new/")
    check_accessibility(page, axe_source, "concern-new-phone-da")
    page.context.clear_cookies()

    # The coordinator, at a desk: the concern waits for triage at once.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "coordinator")
    waiting = page.locator(".bot-concerns li").filter(
        has=page.locator(f'a[href="/concerns/{concern.pk}/"]')
    )
    expect(waiting).to_contain_text("untriaged")
    check_accessibility(page, axe_source, "concern-home-coordinator")

    # 25 hours later: past the programme's 24 hours.
    Concern.objects.filter(pk=concern.pk).update(raised_at=timezone.now() - timedelta(hours=25))
    page.reload()
    expect(waiting).to_contain_text("triage overdue")
    expect(page.get_by_text(re.compile(r"concerns? (is|are) past"))).to_be_visible()
    mail.outbox.clear()
    call_command("send-alerts", stdout=io.StringIO())
    mailed = [m for m in mail.outbox if "coordinator@example.org" in m.to]
    assert mailed and f"/concerns/{concern.pk}/" in mailed[0].body
    assert mentorship.mentee.last_name not in mailed[0].body

    waiting.get_by_role("link").click()
    expect(page.get_by_text("Triage is overdue")).to_be_visible()
    check_accessibility(page, axe_source, "concern-overdue")
    page.get_by_role("link", name="Triage", exact=True).click()
    check_accessibility(page, axe_source, "concern-triage")
    page.get_by_label("Your assessment").fill("En navngiven person er truet.")
    page.get_by_label("Next step").fill("Politiet orienteres i dag.")
    page.get_by_role("button", name="Triage").click()
    expect(page.get_by_text("The concern is triaged.")).to_be_visible()
    page.get_by_role("link", name="Escalate", exact=True).click()
    page.get_by_label("An agency").check()
    page.get_by_label("Agency", exact=True).select_option("police")
    page.get_by_label("What was passed on").fill("Udsagnet, hvornår og om hvem.")
    check_accessibility(page, axe_source, "concern-escalate")
    page.get_by_role("button", name="Escalate").click()
    expect(page.get_by_text("The concern is escalated.")).to_be_visible()
    expect(page.get_by_text("Escalated to The police.")).to_be_visible()
    check_accessibility(page, axe_source, "concern-escalated")
    page.get_by_role("button", name="Dansk").click()
    expect(page.get_by_text("Eskaleret til Politiet.")).to_be_visible()
    check_accessibility(page, axe_source, "concern-escalated-da")
    page.goto("/concerns/")
    check_accessibility(page, axe_source, "concern-list-da")
