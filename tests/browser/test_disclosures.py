"""A coordinator proposes a disclosure to the security service, cannot approve it, a second
coordinator approves with password and code again, the security liaison reads the snapshot
(desktop and phone, English and Danish), the ministry's liaison sees nothing of it, and
after the first coordinator revokes it the liaison sees only that it was revoked."""

import re

from playwright.sync_api import Browser, Page, ViewportSize, expect

from backontrack.disclosures.models import Disclosure
from backontrack.mentorships.models import MentorshipStatus
from tests.conftest import PASSWORD, current_code, demo_mentorship

from .helpers import check_accessibility, sign_in

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


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


def test_a_disclosure_goes_from_proposal_to_the_liaisons_inbox_and_is_revoked(
    page: Page, browser: Browser, axe_source: str
) -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    mentee = mentorship.mentee
    name = f"{mentee.first_name} {mentee.last_name}"

    sign_in(page, "coordinator")
    page.goto(f"/mentees/{mentee.pk}/")
    page.get_by_role("link", name="Propose a disclosure").click()
    check_accessibility(page, axe_source, "disclosure-propose")
    page.get_by_label("Recipient agency").select_option(label="Politiets Efterretningstjeneste")
    page.get_by_label("Identity").check()
    page.get_by_label("Custody: status, institution and custody events").check()
    page.locator("input[name=meetings]").first.check()
    page.get_by_label("Purpose").fill("Til PET's vurdering af en trussel mod en medindsat.")
    page.get_by_label("Legal basis").select_option("pet_act_3")
    page.get_by_label("Urgent", exact=True).check()
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("A second coordinator decides on it.")).to_be_visible()
    disclosure = Disclosure.objects.latest("id")
    expect(page.get_by_role("link", name="Approve or refuse")).to_have_count(0)
    check_accessibility(page, axe_source, "disclosure-proposed")
    assert _opens(page, f"/disclosures/{disclosure.pk}/decide/") == 404

    second = _as(browser, page, "coordinator2")
    # The demo's own proposal waits as well.
    second.get_by_role("link", name="2 proposed disclosures wait for your decision").click()
    second.get_by_role("link", name=disclosure.reference).click()
    second.get_by_role("link", name="Approve or refuse").click()
    second.get_by_label("Approve the disclosure").check()
    second.get_by_label("Your password").fill("not-the-password")
    second.get_by_label("One-time code").fill(current_code("coordinator2"))
    second.get_by_role("button", name="Save the decision").click()
    expect(second.get_by_text("is not right").first).to_be_visible()
    check_accessibility(second, axe_source, "disclosure-decide-refused-step-up")
    second.get_by_label("Approve the disclosure").check()
    second.get_by_label("Your password").fill(PASSWORD)
    second.get_by_label("One-time code").fill(current_code("coordinator2"))
    second.get_by_role("button", name="Save the decision").click()
    expect(second.get_by_text("The disclosure is approved")).to_be_visible()
    expect(second.get_by_role("heading", name="What was released")).to_be_visible()
    second.context.close()

    security = _as(browser, page, "liaison-security")
    expect(security.get_by_role("link", name=disclosure.reference)).to_be_visible()
    assert name not in security.inner_text("main")
    security.get_by_role("link", name=disclosure.reference).click()
    expect(security.get_by_text(f"About {name}.")).to_be_visible()
    expect(security.get_by_text("Til PET's vurdering")).to_be_visible()
    check_accessibility(security, axe_source, "disclosure-received-en")
    security.set_viewport_size(PHONE)
    check_accessibility(security, axe_source, "disclosure-received-en-phone")
    security.get_by_role("button", name="Dansk").click()
    expect(security.locator("html")).to_have_attribute("lang", "da")
    expect(security.get_by_role("heading", name="Hvad der blev videregivet")).to_be_visible()
    check_accessibility(security, axe_source, "disclosure-received-da-phone")
    security.set_viewport_size(DESKTOP)
    check_accessibility(security, axe_source, "disclosure-received-da")
    security.goto("/disclosures/inbox/")
    expect(security.get_by_role("link", name=disclosure.reference)).to_be_visible()
    check_accessibility(security, axe_source, "disclosure-inbox-da")

    ministry = _as(browser, page, "liaison-ministry")
    expect(ministry.get_by_role("link", name=disclosure.reference)).to_have_count(0)
    assert name not in ministry.inner_text("main")
    assert _opens(ministry, f"/disclosures/inbox/{disclosure.pk}/") == 404
    assert _opens(ministry, f"/mentees/{mentee.pk}/") == 404
    ministry.context.close()

    page.goto(f"/disclosures/{disclosure.pk}/")
    page.get_by_role("link", name="Revoke").click()
    check_accessibility(page, axe_source, "disclosure-revoke")
    page.get_by_role("button", name="Revoke the disclosure").click()
    expect(page.get_by_text("The disclosure is revoked")).to_be_visible()

    security.goto(f"/disclosures/inbox/{disclosure.pk}/")
    expect(security.get_by_text(re.compile("Tilbagekaldt den .* af programmet"))).to_be_visible()
    assert name not in security.inner_text("main")
    check_accessibility(security, axe_source, "disclosure-revoked-da")
    security.get_by_role("button", name="English").click()
    expect(security.get_by_text(re.compile("Revoked on .* by the programme"))).to_be_visible()
    check_accessibility(security, axe_source, "disclosure-revoked-en")
    security.context.close()
