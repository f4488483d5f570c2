"""Issue 17's journey, end to end: a mentor's high concern is escalated to the working group;
the coordinator proposes disclosing it to the security service and cannot approve it
herself; a second coordinator approves after giving password and code again; the security
service's liaison reads the frozen copy and sees the case on the working group's agenda by
its reference, while the ministry's liaison sees neither; a later correction of the concern
does not change the copy; once the disclosure expires its content and the case are gone
from the liaison's view. The new pages pass axe, in English and Danish."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from backontrack.accounts.models import User
from backontrack.concerns import services as concerns
from backontrack.concerns.models import Concern
from backontrack.disclosures.models import Disclosure
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.programmes.models import Programme
from backontrack.workinggroup.models import GroupMeeting
from tests.conftest import PASSWORD, current_code

from .helpers import check_accessibility, sign_in

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
FACTS = "Han viste mig en kanal med opfordringer til vold og spurgte, hvad jeg mente."
CORRECTED = "Rettet: det var en ven, der viste ham kanalen."


def _opens(page: Page, path: str) -> int:
    response = page.goto(path)
    assert response is not None
    return response.status


def _as(browser: Browser, page: Page, username: str) -> Page:
    base = "/".join(page.url.split("/", 3)[:3])
    other = browser.new_context(base_url=base, viewport=DESKTOP)
    other.set_default_timeout(15_000)
    new = other.new_page()
    sign_in(new, username)
    return new


def _undisclosed_mentorship() -> Mentorship:
    """An active mentorship of Back on Track whose person the demo disclosed nothing readable
    about to the security service (the fourth: its one proposal was refused)."""
    return (
        Mentorship.objects.filter(
            programme=Programme.objects.default(), status=MentorshipStatus.ACTIVE
        )
        .select_related("mentee", "mentor__user")
        .order_by("id")[3]
    )


def test_an_escalated_concern_reaches_the_security_service_only_through_a_disclosure(
    page: Page, browser: Browser, axe_source: str
) -> None:
    mentorship = _undisclosed_mentorship()
    mentee = mentorship.mentee
    name = f"{mentee.first_name} {mentee.last_name}"
    mentor = mentorship.mentor.user
    assert mentor is not None

    # The mentor raises a high concern.
    sign_in(page, mentor.username)
    page.goto(f"/mentorships/{mentorship.pk}/concerns/new/")
    page.get_by_label("What kind of concern").select_option("radicalisation")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("What you observed (facts)").fill(FACTS)
    page.get_by_role("button", name="Raise the concern").click()
    expect(page.get_by_text("The concern is raised.")).to_be_visible()
    concern = Concern.objects.filter(mentorship=mentorship).latest("id")
    page.context.clear_cookies()

    # The coordinator triages it and escalates it to the working group.
    sign_in(page, "coordinator")
    page.goto(f"/concerns/{concern.pk}/triage/")
    page.get_by_label("Your assessment").fill("Tegn på fornyet interesse for miljøet.")
    page.get_by_label("Next step").fill("Arbejdsgruppen drøfter det.")
    page.get_by_role("button", name="Triage").click()
    page.get_by_role("link", name="Escalate", exact=True).click()
    page.get_by_label("The working group").check()
    page.get_by_label("What was passed on").fill("Bekymringen og mentorens iagttagelse.")
    page.get_by_role("button", name="Escalate").click()
    expect(page.get_by_text("Escalated to the working group.").first).to_be_visible()

    # She proposes disclosing the person's identity and the concern to the security service.
    page.goto(f"/mentees/{mentee.pk}/disclosures/new/")
    page.get_by_label("Recipient agency").select_option(label="Politiets Efterretningstjeneste")
    page.get_by_label("Identity").check()
    page.locator(f"input[name=concerns][value='{concern.pk}']").check()
    page.get_by_label("Purpose").fill("Til PET's vurdering af bekymringen.")
    page.get_by_label("Legal basis").select_option("pet_act_3")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("A second coordinator decides on it.")).to_be_visible()
    disclosure = Disclosure.objects.latest("id")
    expect(page.get_by_role("link", name="Approve or refuse")).to_have_count(0)
    assert _opens(page, f"/disclosures/{disclosure.pk}/decide/") == 404

    # The second coordinator approves, after a wrong password, with password and code.
    second = _as(browser, page, "coordinator2")
    second.goto(f"/disclosures/{disclosure.pk}/decide/")
    second.get_by_label("Approve the disclosure").check()
    second.get_by_label("Your password").fill("not-the-password")
    second.get_by_label("One-time code").fill(current_code("coordinator2"))
    second.get_by_role("button", name="Save the decision").click()
    expect(second.get_by_text("is not right").first).to_be_visible()
    second.get_by_label("Approve the disclosure").check()
    second.get_by_label("Your password").fill(PASSWORD)
    second.get_by_label("One-time code").fill(current_code("coordinator2"))
    second.get_by_role("button", name="Save the decision").click()
    expect(second.get_by_text("The disclosure is approved")).to_be_visible()
    second.context.close()

    # The coordinator puts the escalated concern on the next meeting's agenda.
    upcoming = GroupMeeting.objects.filter(held_on__gt=timezone.localdate()).get()
    page.goto(f"/working-group/meetings/{upcoming.pk}/")
    page.get_by_role("button", name="Add newly escalated concerns").click()
    case_heading = re.compile(r"Case \d{4}-\d{3}: Signs of radicalisation")
    expect(page.get_by_role("heading", name=case_heading)).to_be_visible()
    expect(page.get_by_text(f"The case of {name}")).to_be_visible()
    check_accessibility(page, axe_source, "working-group-meeting-coordinator")

    # The security service's liaison reads the copy and sees the case on the agenda.
    security = _as(browser, page, "liaison-security")
    expect(security.get_by_text(case_heading)).to_be_visible()
    check_accessibility(security, axe_source, "working-group-home-liaison")
    security.goto(f"/working-group/meetings/{upcoming.pk}/")
    expect(security.get_by_role("heading", name=case_heading)).to_be_visible()
    assert name not in security.inner_text("main")
    check_accessibility(security, axe_source, "working-group-meeting-liaison")
    security.get_by_role("link", name=f"Disclosure {disclosure.reference} to your agency").click()
    expect(security.get_by_text(f"About {name}.")).to_be_visible()
    expect(security.get_by_text(FACTS)).to_be_visible()
    security.get_by_role("button", name="Dansk").click()
    expect(security.locator("html")).to_have_attribute("lang", "da")
    security.goto(f"/working-group/meetings/{upcoming.pk}/")
    expect(security.get_by_role("heading", name=re.compile(r"Sag \d{4}-\d{3}"))).to_be_visible()
    check_accessibility(security, axe_source, "working-group-meeting-liaison-da")

    # The ministry's liaison sees neither the copy nor the case.
    ministry = _as(browser, page, "liaison-ministry")
    assert _opens(ministry, f"/disclosures/inbox/{disclosure.pk}/") == 404
    ministry.goto(f"/working-group/meetings/{upcoming.pk}/")
    expect(ministry.get_by_role("heading", name=case_heading)).to_have_count(0)
    assert name not in ministry.inner_text("main")
    ministry.goto("/")
    expect(ministry.get_by_text(case_heading)).to_have_count(0)
    ministry.context.close()

    # The mentor corrects what was observed: the copy stays as it was approved.
    concern.refresh_from_db()
    concerns.concern_correct(
        actor=User.objects.get(pk=mentor.pk),
        concern=concern,
        version=concern.version,
        facts=CORRECTED,
        assessment="",
    )
    security.goto(f"/disclosures/inbox/{disclosure.pk}/")
    expect(security.get_by_text(FACTS)).to_be_visible()
    expect(security.get_by_text(CORRECTED)).to_have_count(0)

    # After it expires the copy, and with it the case on the agenda, is gone.
    Disclosure.objects.filter(pk=disclosure.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    security.reload()
    expect(security.get_by_text(re.compile("Udløb den"))).to_be_visible()
    expect(security.get_by_text(FACTS)).to_have_count(0)
    assert name not in security.inner_text("main")
    security.goto(f"/working-group/meetings/{upcoming.pk}/")
    expect(security.get_by_role("heading", name=re.compile(r"Sag \d{4}-\d{3}"))).to_have_count(0)
    security.context.close()
