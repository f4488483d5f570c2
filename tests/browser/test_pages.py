import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from backontrack.accounts.models import Authenticator, Institution, Organisation, User
from backontrack.demo.loader import PERSONAS
from tests.conftest import PASSWORD

from .helpers import check_accessibility, sign_in

ROLE_HEADINGS = {
    "referrer": ["As referrer"],
    "coordinator": ["As coordinator"],
    "coordinator-special": ["As coordinator"],
    "mentor01": ["As mentor", "As coach"],
    "mentor05": ["As mentor"],
    "trainer": ["As trainer"],
    "liaison-ministry": ["As liaison"],
    "liaison-security": ["As liaison"],
    "evaluator": ["As evaluator"],
    "auditor": ["As auditor"],
    "admin": ["As administrator"],
}
# The Danish phone pass walks one persona of each set of roles: the other mentors' (and the
# second liaison's, the second coordinator's) pages are the same pages with other rows.
DANISH_PHONE_PERSONAS = set(
    {persona.roles: persona.username for persona in reversed(PERSONAS)}.values()
)
# The walk in English: those, and the personas whose pages hold something the others' do not
# (the mentor with a conflict of interest, the other programme's coordinator). Every persona's
# every page is opened through the test client in tests/test_access_matrix.py and
# tests/test_danish_pages.py.
WALKED_PERSONAS = sorted(DANISH_PHONE_PERSONAS | {"mentor05", "coordinator-special"})


def test_the_sign_in_pages_are_accessible_and_say_what_went_wrong(
    page: Page, axe_source: str
) -> None:
    page.goto("/signin/")
    check_accessibility(page, axe_source, "signin")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "signin-errors")

    page.get_by_label("User name").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    check_accessibility(page, axe_source, "signin-code")
    page.get_by_label("One-time code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That code is not right").first).to_be_visible()
    check_accessibility(page, axe_source, "signin-code-error")


@pytest.mark.only_signs_in
def test_the_page_shell_switches_to_danish(page: Page, axe_source: str) -> None:
    page.goto("/signin/")
    page.get_by_role("button", name="Dansk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    check_accessibility(page, axe_source, "signin-da")


@pytest.mark.only_signs_in
@pytest.mark.parametrize("username", WALKED_PERSONAS)
def test_every_persona_signs_in_to_their_own_home_page(
    page: Page, axe_source: str, username: str
) -> None:
    sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/$"))
    for heading in ROLE_HEADINGS.get(username, ["As mentor"]):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    check_accessibility(page, axe_source, f"home-{username}")

    # Every page in this persona's navigation opens and passes axe.
    links = page.get_by_role("navigation", name="Main menu").get_by_role("link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for href in hrefs:
        page.goto(str(href))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_accessibility(page, axe_source, f"{username}{str(href).replace('/', '-')}")

    if username not in DANISH_PHONE_PERSONAS:
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You have signed out.")).to_be_visible()
        return
    # And again in Danish on a phone (390 by 844): the same pages, in Danish all through.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    for href in ["/", *hrefs]:
        page.goto(str(href))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_accessibility(page, axe_source, f"{username}{str(href).replace('/', '-')}-da-phone")

    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_text("Du er logget ud.")).to_be_visible()


def test_every_admin_page_is_accessible(page: Page, axe_source: str) -> None:
    sign_in(page, "admin")
    mentor = User.objects.get(username="mentor05")
    organisation = Organisation.objects.first()
    institution = Institution.objects.first()
    assert organisation is not None and institution is not None
    pages = {
        "admin-users": "/admin/users/",
        "admin-users-search": "/admin/users/?q=nobody-matches",
        "admin-user-new": "/admin/users/new/",
        "admin-user-detail": f"/admin/users/{mentor.pk}/",
        "admin-user-edit": f"/admin/users/{mentor.pk}/edit/",
        "admin-user-reset-authenticator": f"/admin/users/{mentor.pk}/reset-authenticator/",
        "admin-organisation-new": "/admin/organisations/new/",
        "admin-organisation-edit": f"/admin/organisations/{organisation.pk}/edit/",
        "admin-institutions": "/admin/institutions/",
        "admin-institution-new": "/admin/institutions/new/",
        "admin-institution-edit": f"/admin/institutions/{institution.pk}/edit/",
        "account": "/account/",
        "account-password": "/account/password/",
        "not-found": "/no-such-page/",
    }
    for name, path in pages.items():
        page.goto(path)
        check_accessibility(page, axe_source, name)

    page.goto("/admin/users/new/")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "admin-user-new-errors")


def test_an_admin_creates_an_account_and_the_newcomer_gets_started(
    page: Page, browser, axe_source: str
) -> None:
    sign_in(page, "admin")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("User name").fill("trainer2")
    page.get_by_label("First name").fill("Yasmin")
    page.get_by_label("Last name").fill("Berg")
    page.get_by_label("Email address").fill("yasmin.berg@example.org")
    page.get_by_label("Organisation").select_option(label="Kriminalforsorgen")
    page.get_by_label("Trainer", exact=True).check()
    page.get_by_role("button", name="Create account").click()
    expect(
        page.get_by_text("A one-time sign-in link was e-mailed to yasmin.berg@example.org")
    ).to_be_visible()
    check_accessibility(page, axe_source, "admin-account-created")
    link = re.search(r"https?://[^/\s]+(/signin/link/\S+/)", str(mail.outbox[-1].body))
    assert link is not None
    assert link.group(1) not in page.content()

    newcomer = browser.new_context(base_url=page.url.split("/admin")[0]).new_page()
    newcomer.goto(link.group(1))
    expect(newcomer.get_by_role("heading", name="Your sign-in link")).to_be_visible()
    check_accessibility(newcomer, axe_source, "signin-link-open")
    newcomer.get_by_role("button", name="Continue").click()
    expect(newcomer.get_by_role("heading", name="Set up your sign-in")).to_be_visible()
    check_accessibility(newcomer, axe_source, "signin-link")
    newcomer.get_by_label("New password", exact=True).fill("lantern harbour quietly 42")
    newcomer.get_by_label("New password again").fill("lantern harbour quietly 42")
    newcomer.get_by_role("button", name="Save the password and continue").click()
    expect(newcomer.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(newcomer.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check_accessibility(newcomer, axe_source, "signin-enrol")

    device = Authenticator.objects.get(user__username="trainer2")
    newcomer.get_by_label("Code from your authenticator app").fill(device.current_code())
    newcomer.get_by_role("button", name="Confirm and sign in").click()
    expect(newcomer.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(newcomer.locator(".bot-recovery-codes li")).to_have_count(10)
    check_accessibility(newcomer, axe_source, "recovery-codes")

    newcomer.get_by_role("link", name=re.compile("I have stored my recovery codes")).click()
    expect(newcomer.get_by_role("heading", name="As trainer")).to_be_visible()
    # The link is spent: opening it again says so.
    newcomer.goto(link.group(1))
    expect(newcomer.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    newcomer.context.close()


@pytest.mark.only_signs_in
def test_pages_fit_a_phone_screen(browser: Any, live_server: Any, axe_source: str) -> None:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    sign_in(phone, "admin")
    for name, path in {"phone-home": "/", "phone-users": "/admin/users/"}.items():
        phone.goto(path)
        overflow = phone.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        check_accessibility(phone, axe_source, name)
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    context.close()


def test_a_coordinator_registers_finds_and_updates_a_mentee(page: Page, axe_source: str) -> None:
    sign_in(page, "coordinator")
    page.get_by_role("link", name="Mentees", exact=True).click()
    expect(page.get_by_role("heading", name="Mentees", exact=True)).to_be_visible()
    check_accessibility(page, axe_source, "mentee-list")
    page.get_by_role("link", name="Register a mentee").click()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "mentee-new-errors")

    # The coordinator coordinates two programmes: the record says which one it is in.
    page.get_by_label("Programme").select_option(label="Back on Track")
    page.get_by_label("First name").fill("Karim")
    page.get_by_label("Last name").fill("Sørensen")
    page.get_by_label("Personal identification number (CPR)").fill("150390-1235")
    page.get_by_label("Date of birth").fill("1990-03-15")
    page.get_by_label("Gender", exact=True).select_option("male")
    page.get_by_label("Arabic").check()
    page.get_by_label("Preferred gender of the mentor").select_option("male")
    page.get_by_label("Institution").select_option(label="Københavns Fængsler")
    page.get_by_label("Custody status").select_option("remand")
    page.get_by_label("Data-subject category").select_option("suspect")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Karim Sørensen")).to_be_visible()
    expect(page.get_by_text("150390-1235")).to_be_visible()
    check_accessibility(page, axe_source, "mentee-detail")
    assert "150390" not in page.url

    page.get_by_role("link", name="Record a custody event").click()
    check_accessibility(page, axe_source, "custody-event-new")
    page.get_by_label("What happened").select_option("sentencing")
    page.get_by_label("Date", exact=True).fill("2026-02-01")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("The custody event is recorded.")).to_be_visible()
    expect(page.get_by_text("Serving a sentence")).to_be_visible()

    page.get_by_role("link", name="All mentees").click()
    page.get_by_role("textbox", name="Personal identification number").fill("1503901235")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="Karim Sørensen")).to_be_visible()
    page.get_by_role("link", name="Edit").click()
    check_accessibility(page, axe_source, "mentee-edit")


def test_the_auditor_finds_who_looked_at_a_person(page: Page, axe_source: str) -> None:
    from backontrack.mentees.models import Mentee

    mentee = Mentee.objects.order_by("id").first()
    assert mentee is not None
    sign_in(page, "auditor")
    page.goto("/audit/")
    page.get_by_role("link", name=re.compile("Who looked at a particular person")).click()
    check_accessibility(page, axe_source, "audit-person-lookup")
    page.get_by_label("Personal identification number").fill(mentee.personal_id)
    page.get_by_role("button", name="Show the accesses").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()  # why?
    page.get_by_label("The person asked to see their data").check()
    page.get_by_label("In a few words").fill("Request 2026-31")
    page.get_by_role("button", name="Show the accesses").click()
    expect(
        page.get_by_role("heading", name=re.compile("Accesses to the record of"))
    ).to_be_visible()
    expect(page.get_by_text("The person asked to see their data: Request 2026-31")).to_be_visible()
    check_accessibility(page, axe_source, "audit-person")


def _fill_the_referral_form(page: Page) -> None:
    page.get_by_label("First name").fill("Jonas")
    page.get_by_label("Last name").fill("Vinter")
    page.get_by_label("Personal identification number (CPR)").fill("020288-1233")
    page.get_by_label("Date of birth").fill("1988-02-02")
    page.get_by_label("Gender").select_option("male")
    page.get_by_label("Danish", exact=True).check()
    page.get_by_label("Institution").select_option(label="Københavns Fængsler")
    page.get_by_label("Custody status").select_option("remand")
    page.get_by_label("Referring unit").fill("Københavns Fængsler, afdeling B")
    page.get_by_label("Offence aggravated as a hate crime").check()
    page.get_by_label("Motive of the hate crime").select_option("ethnicity")
    page.get_by_label("Extremism orientation").select_option("right_wing")
    page.get_by_label("Why you refer the person").fill("Talks about a coming race war.")


def test_a_referral_goes_from_the_referrer_to_accepted(
    page: Page, browser: Any, axe_source: str
) -> None:
    sign_in(page, "referrer")
    page.get_by_role("link", name="Refer a person").first.click()
    expect(page.get_by_role("heading", name="Refer a person to the programme")).to_be_visible()
    check_accessibility(page, axe_source, "referral-new")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "referral-new-errors")

    _fill_the_referral_form(page)
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("Your referral is received.")).to_be_visible()
    expect(page.get_by_text("Received", exact=True)).to_be_visible()
    # The referrer reads back what they sent, never the register's record.
    expect(page.get_by_role("heading", name="What you sent")).to_be_visible()
    expect(page.get_by_text("race war")).to_be_visible()
    expect(page.get_by_text("Person in the register")).to_have_count(0)
    check_accessibility(page, axe_source, "referral-referrer-view")
    referral_url = page.url
    # Withdrawing asks first and says what will happen; Cancel leaves it as it was.
    page.get_by_role("link", name="Withdraw the referral").click()
    expect(
        page.get_by_role("heading", name="Withdraw the referral of Jonas Vinter?")
    ).to_be_visible()
    check_accessibility(page, axe_source, "referral-move")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("Received", exact=True)).to_be_visible()
    # The same person again, while the referral is open: pointed out, nothing sent.
    page.get_by_role("link", name="My referrals").first.click()
    page.get_by_role("link", name="Refer a person").first.click()
    _fill_the_referral_form(page)
    page.get_by_role("button", name="Send the referral").click()
    expect(
        page.get_by_role("heading", name="This person already has an open referral")
    ).to_be_visible()
    check_accessibility(page, axe_source, "referral-new-already-open")
    page.get_by_role("link", name="Open the referral of Jonas Vinter").click()
    assert page.url == referral_url

    coordinator = browser.new_context(base_url=page.url.split("/referrals")[0]).new_page()
    sign_in(coordinator, "coordinator")
    coordinator.get_by_role("link", name="Referrals", exact=True).click()
    check_accessibility(coordinator, axe_source, "referral-inbox")
    coordinator.get_by_role("link", name="Jonas Vinter").click()
    expect(coordinator.get_by_text("race war")).to_be_visible()
    check_accessibility(coordinator, axe_source, "referral-coordinator-view")
    # One button, no extra page: screening starts and its form opens.
    coordinator.get_by_role("button", name="Start screening").click()
    expect(coordinator.get_by_text("The referral is now: Being screened.")).to_be_visible()
    check_accessibility(coordinator, axe_source, "referral-screen")
    for criterion in ("Charged with terrorism", "Convicted of terrorism"):
        coordinator.get_by_role("group", name=criterion).get_by_label("Does not apply").check()
    hate = coordinator.get_by_role("group", name="Offence aggravated as a hate crime")
    hate.get_by_label("Confirmed").check()
    coordinator.get_by_role("group", name="Vulnerable to radicalisation").get_by_label(
        "Unclear — more information needed"
    ).check()
    coordinator.get_by_label("Evidence").nth(2).fill("Judgment: racially motivated assault.")
    coordinator.get_by_role("group", name="Decision").get_by_label("Eligible", exact=True).check()
    coordinator.get_by_role("button", name="Record the screening").click()
    expect(coordinator.get_by_text("The referral is now: Eligible.")).to_be_visible()

    coordinator.get_by_role("link", name="Accept the referral").click()
    check_accessibility(coordinator, axe_source, "referral-accept-no-consent")
    coordinator.get_by_role("link", name="Record consent").click()
    check_accessibility(coordinator, axe_source, "consent-new")
    coordinator.get_by_label("Date the consent was given").fill("2026-11-25")
    coordinator.get_by_label("How it was given").select_option("written")
    coordinator.get_by_label("Taking part in the programme").check()
    coordinator.get_by_role("button", name="Record consent").click()
    expect(coordinator.get_by_text("The consent is recorded.")).to_be_visible()
    check_accessibility(coordinator, axe_source, "mentee-with-consent")
    coordinator.goto(referral_url.replace(page.url.split("/referrals")[0], ""))
    coordinator.get_by_role("link", name="Accept the referral").click()
    coordinator.get_by_role("button", name="Accept the referral").click()
    expect(coordinator.get_by_text("The referral is accepted.")).to_be_visible()
    coordinator.context.close()

    page.goto(referral_url)
    expect(page.get_by_text("Accepted", exact=True)).to_be_visible()
    expect(page.get_by_text("Judgment")).to_have_count(0)
