"""The administrator resets a mentor's authenticator and creates a coordinator's account, and
at no point reaches a case page or a secret that signs in; the coordinator role waits for a
coordinator's approval, and the auditor sees both."""

import re

from django.core import mail
from playwright.sync_api import Page, expect

from backontrack.accounts.models import User
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import MentorshipStatus
from tests.conftest import demo_mentorship

from .helpers import check_accessibility, sign_in


def test_the_admin_resets_and_creates_accounts_but_reaches_no_case_and_no_secret(
    page: Page, axe_source: str
) -> None:
    sign_in(page, "admin")
    mentor = User.objects.get(username="mentor05")
    page.goto(f"/admin/users/{mentor.pk}/")
    page.get_by_role("link", name="Reset the authenticator").click()
    check_accessibility(page, axe_source, "admin-reset-authenticator-confirm")
    page.get_by_role("button", name="Reset the authenticator").click()
    expect(
        page.get_by_text("A one-time sign-in link was e-mailed to mentor05@example.org")
    ).to_be_visible()
    check_accessibility(page, axe_source, "admin-reset-authenticator-done")
    seen = [page.content()]

    page.get_by_role("link", name="All users").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("User name").fill("coordinator3")
    page.get_by_label("First name").fill("Signe")
    page.get_by_label("Last name").fill("Dahl")
    page.get_by_label("Email address").fill("signe.dahl@example.org")
    page.get_by_label("Organisation").select_option(label="Kriminalforsorgen")
    page.get_by_label("Coordinator", exact=True).check()
    page.get_by_role("button", name="Create account").click()
    expect(
        page.get_by_text("Waiting for a second person's approval: Grant the role Coordinator")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Waiting for approval", exact=False)).to_be_visible()
    check_accessibility(page, axe_source, "admin-account-waiting-for-approval")
    seen.append(page.content())

    # No secret that signs in ever reached the administrator's pages.
    for message in mail.outbox:
        token = re.search(r"/signin/link/(\S+)/", str(message.body))
        assert token is not None
        assert all(token.group(1) not in content for content in seen)
    # And no case page opens for them.
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    mentee = Mentee.objects.order_by("id").first()
    assert mentee is not None
    for path in [
        "/mentees/",
        f"/mentees/{mentee.pk}/",
        "/referrals/",
        f"/mentorships/{mentorship.pk}/",
        "/audit/",
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "coordinator")
    page.get_by_role("link", name=re.compile("wait for your approval")).click()
    check_accessibility(page, axe_source, "approvals")
    page.get_by_role("link", name="Signe Dahl").click()
    expect(page.get_by_role("heading", name="Grant the role Coordinator?")).to_be_visible()
    check_accessibility(page, axe_source, "approval-decide")
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Approved: Grant the role Coordinator for Signe Dahl.")).to_be_visible()
    assert User.objects.get(username="coordinator3").roles == ["coordinator"]
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "auditor")
    expect(page.get_by_role("cell", name="Grant the role Coordinator")).to_be_visible()
    expect(page.get_by_role("cell", name="Set up the authenticator again")).to_be_visible()
    check_accessibility(page, axe_source, "auditor-account-oversight")
