"""The mentor corps in the browser: the trainer signs off a module, the mentor becomes ready,
the coordinator matches a referral to them; then the pool draft. Every page passes axe."""

from typing import Any

from playwright.sync_api import Page, expect

from backontrack.mentors.models import ConflictOfInterest, Mentor
from backontrack.referrals.models import Referral, Status

from .helpers import check_accessibility, sign_in


def test_trainer_signs_off_then_the_coordinator_matches_the_new_mentor(
    page: Page, browser: Any, axe_source: str
) -> None:
    sign_in(page, "trainer")
    page.get_by_role("link", name="Training", exact=True).click()
    expect(page.get_by_role("heading", name="Curriculum")).to_be_visible()
    check_accessibility(page, axe_source, "training")
    page.get_by_role("link", name="Plan a course").first.click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "course-new-errors")
    page.go_back()
    page.go_back()
    winter = "Planlægning af et mentorforløb under frihedsberøvelse — vinterhold"
    page.get_by_role("link", name=winter).click()
    check_accessibility(page, axe_source, "course-detail")
    page.get_by_role("link", name="Record attendance on").first.click()
    check_accessibility(page, axe_source, "attendance")
    expect(page.get_by_role("checkbox", name="Leyla Demir")).to_be_checked()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance is saved.")).to_be_visible()
    page.get_by_role("link", name="Sign off Leyla Demir").click()
    check_accessibility(page, axe_source, "sign-off")
    page.get_by_role("button", name="Sign off").click()
    expect(
        page.get_by_text("Planning a mentorship in custody is signed off for Leyla Demir.")
    ).to_be_visible()
    leyla = Mentor.objects.get(user__username="mentor08")
    page.goto(f"/mentors/{leyla.pk}/")
    expect(page.get_by_text("Criminal-record check")).to_have_count(0)
    check_accessibility(page, axe_source, "mentor-as-trainer")

    base = "/".join(page.url.split("/", 3)[:3])
    coordinator = browser.new_context(base_url=base).new_page()
    sign_in(coordinator, "coordinator")
    coordinator.get_by_role("link", name="Mentors", exact=True).click()
    check_accessibility(coordinator, axe_source, "mentor-list")
    coordinator.get_by_role("link", name="Demir, Leyla").click()
    expect(coordinator.get_by_text("Status is “In training”")).to_be_visible()
    check_accessibility(coordinator, axe_source, "mentor-detail")
    coordinator.get_by_role("link", name="Active", exact=True).click()
    expect(coordinator.get_by_role("heading", name="Make Leyla Demir active?")).to_be_visible()
    check_accessibility(coordinator, axe_source, "mentor-move")
    coordinator.get_by_role("button", name="Make active").click()
    expect(coordinator.get_by_text("Leyla Demir is now: Active.")).to_be_visible()
    expect(coordinator.get_by_text("Ready to be matched: 2 places left.")).to_be_visible()

    conflict_mentee = ConflictOfInterest.objects.get().mentee_id
    referral = (
        Referral.objects.filter(status=Status.ACCEPTED)
        .exclude(mentee_id=conflict_mentee)
        .order_by("id")
        .first()
    )
    assert referral is not None
    coordinator.goto(f"/referrals/{referral.pk}/")
    coordinator.get_by_role("link", name="Match with a mentor").click()
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text("with a mentor")
    check_accessibility(coordinator, axe_source, "match")
    coordinator.get_by_label("Leyla Demir").check()
    coordinator.get_by_label("Supervising coach").select_option(label="Henrik Lund")
    coordinator.get_by_role("button", name="Match and propose the mentorship").click()
    expect(coordinator.get_by_text("is matched with Leyla Demir")).to_be_visible()
    expect(coordinator.get_by_text("Matched with a mentor", exact=True)).to_be_visible()
    check_accessibility(coordinator, axe_source, "referral-matched")

    # The rest of the pool: review the draft, change a line, confirm.
    coordinator.get_by_role("link", name="Home").click()
    coordinator.get_by_role("link", name="Match the pool").first.click()
    check_accessibility(coordinator, axe_source, "pool-overview")
    coordinator.get_by_role("button", name="Compute a new draft").click()
    expect(coordinator.get_by_role("heading", name="Pool matching draft")).to_be_visible()
    check_accessibility(coordinator, axe_source, "pool-draft")
    coordinator.get_by_role("link", name="Change the line for").first.click()
    check_accessibility(coordinator, axe_source, "pool-line")
    coordinator.get_by_role("button", name="Save the line").click()
    expect(coordinator.get_by_text("The line is changed.")).to_be_visible()
    coordinator.get_by_role("button", name="Confirm 2 matches").click()
    expect(coordinator.get_by_text("2 mentorships are proposed")).to_be_visible()
    assert not Referral.objects.filter(programme__is_default=True, status=Status.ACCEPTED).exists()
    coordinator.context.close()


def test_the_mentor_corps_forms_are_accessible_and_say_what_is_wrong(
    page: Page, axe_source: str
) -> None:
    sign_in(page, "coordinator")
    page.goto("/mentors/new/")
    page.get_by_label("Capacity (active mentees)").fill("0")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Please correct the following")).to_be_visible()
    check_accessibility(page, axe_source, "mentor-new-errors")
    mette = Mentor.objects.get(user__username="mentor06")
    page.goto(f"/mentors/{mette.pk}/checks/new/")
    page.get_by_role("button", name="Record").click()
    check_accessibility(page, axe_source, "check-new-errors")
    page.goto(f"/mentors/{mette.pk}/conflicts/new/")
    check_accessibility(page, axe_source, "conflict-new")


def test_a_mentor_sees_and_updates_their_own_profile(page: Page, axe_source: str) -> None:
    sign_in(page, "mentor08")
    expect(page.get_by_text("Before you can be matched")).to_be_visible()
    page.get_by_role("link", name="My mentor profile").click()
    expect(page.get_by_role("heading", name="Screening checks")).to_be_visible()
    check_accessibility(page, axe_source, "mentor-own-profile")
    page.get_by_role("link", name="Update your profile").click()
    check_accessibility(page, axe_source, "mentor-own-edit")
    page.get_by_label("Capacity (active mentees)").fill("3")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("The profile is saved.")).to_be_visible()
    expect(page.get_by_text("0 of 3 mentees")).to_be_visible()
