"""The mentor adds a family member with both consents, records a family meeting, works on the
re-entry plan and completes a review; the network picture, its text equivalent and the
review form pass axe."""

import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from backontrack.mentorships.models import MentorshipStatus
from tests.conftest import demo_mentorship

from .helpers import check_accessibility, sign_in


def test_the_mentor_involves_the_family_plans_re_entry_and_reviews_progress(
    page: Page, axe_source: str
) -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    sign_in(page, mentorship.mentor.user.username)  # type: ignore[union-attr]
    page.goto(f"/mentorships/{mentorship.pk}/")
    page.get_by_role("link", name="Family and network").click()
    expect(page.get_by_text("do not contact").first).to_be_visible()  # the demo's withdrawal
    check_accessibility(page, axe_source, "network")
    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "network-member-errors")
    page.get_by_label("Name").fill("Amina Warsame")
    page.get_by_label("Relation to the mentee").select_option("parent")
    page.get_by_label("Supportive").check()
    page.get_by_label("Close", exact=True).check()
    page.get_by_label("The mentee agreed to involve this person on").fill(
        timezone.localdate().isoformat()
    )
    page.get_by_label("The person agreed to be contacted on").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The person is added to the network.")).to_be_visible()
    expect(page.get_by_role("cell", name="Amina Warsame", exact=True)).to_be_visible()

    page.get_by_role("link", name="Record involvement").click()
    check_accessibility(page, axe_source, "involvement-new")
    page.get_by_label("Who").select_option(label="Amina Warsame (parent)")
    page.get_by_label("Family meeting").check()
    page.get_by_label("Note").fill("Talked about visits after the move.")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("The involvement is recorded.")).to_be_visible()
    expect(page.get_by_text("Talked about visits after the move.")).to_be_visible()
    check_accessibility(page, axe_source, "network-with-involvement")

    # The re-entry plan, started early by hand in the demo: housing is arranged.
    page.get_by_role("link", name="Back to the mentorship").click()
    page.get_by_role("link", name="Re-entry plan").click()
    expect(page.get_by_text("Not yet settled:")).to_be_visible()
    check_accessibility(page, axe_source, "reentry-plan")
    page.get_by_role("link", name="Change housing").click()
    check_accessibility(page, axe_source, "reentry-need")
    page.get_by_label("Secured").check()
    page.get_by_label("Who arranges it").select_option("municipality")
    page.get_by_label("Notes").fill("A room in a shared flat.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The change is saved.")).to_be_visible()
    expect(page.get_by_text("A room in a shared flat.")).to_be_visible()
    page.get_by_role("link", name="Change the release date").click()
    page.get_by_label("Release date").fill("2027-03-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("the due dates moved with it")).to_be_visible()
    expect(page.get_by_role("cell", name="15 Jan 2027")).to_be_visible()  # housing: 45 days before

    # The intake review: two items rated with evidence, the rest unknown for now.
    page.get_by_role("link", name="Back to the mentorship").click()
    page.get_by_role("link", name="Progress reviews").click()
    expect(page.get_by_text("Due now: Intake")).to_be_visible()
    page.get_by_role("link", name="Record a review").click()
    check_accessibility(page, axe_source, "review-new")
    for radio in page.locator("input[type=radio][value=unknown]").all():
        radio.check()
    page.get_by_role("group", name=re.compile("people outside criminal")).get_by_label(
        "Partly present"
    ).check()
    page.locator("textarea[name=evidence_prosocial_ties]").fill("Joined the chess group.")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("The review is recorded.")).to_be_visible()
    expect(page.get_by_text("Joined the chess group.")).to_be_visible()
    check_accessibility(page, axe_source, "reviews")
