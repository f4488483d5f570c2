"""Every role's journey in JOURNEYS.md, walked through the pages with the defaults offered.

Wherever a page offers a default (a preselected option, a prefilled value, the top
suggestion, the proposed coach) the person keeps it and fills only what has none; the test
checks what they would check on the page.

Three journeys need wave-2 features that are not built yet, so their tests check only what
exists for the role today (the home page, in English and Danish, without a server error or
case data that is not theirs):

- Coach (`mentor01`): the home page lists the mentorships they supervise. Waiting for the
  supervision feature: each mentor's last contacts, open concerns and who is due for
  supervision on the home page, recording a supervision session (cases discussed, guidance,
  an action for the mentor, how the mentor is coping), and passing a concern to the
  coordinator.
- Liaisons (`liaison-security`, `liaison-ministry`): waiting for disclosures (a snapshot with
  purpose and legal basis), working-group actions assigned to them and the programme figures.
- Evaluator (`evaluator`): waiting for the pseudonymised data set and the programme dashboard
  with small groups suppressed.
"""

import re
from typing import Any

import pytest
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import Page, expect

from backontrack.mentees.models import Mentee
from backontrack.mentors.models import ConflictOfInterest
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.programmes.models import Programme
from backontrack.referrals.models import OPEN_STATUSES, Referral

from .helpers import check_accessibility, sign_in

CASE_PAGE = re.compile(r"^/(mentorships|mentees|referrals)/\d+/")


def _base(page: Page) -> str:
    return "/".join(page.url.split("/", 3)[:3])


def _case_links(page: Page) -> set[str]:
    hrefs = [a.get_attribute("href") or "" for a in page.locator("main a").all()]
    return {href for href in hrefs if CASE_PAGE.match(href)}


def _opens(page: Page, path: str) -> int:
    response = page.goto(path)
    assert response is not None
    return response.status


def test_the_referrer_refers_a_person_on_remand_and_follows_the_referral(
    page: Page, axe_source: str
) -> None:
    sign_in(page, "referrer")
    page.get_by_role("link", name="Refer a person").first.click()
    # The date of referral (today) and the programme (the installation's default) are kept.
    page.get_by_label("First name").fill("Mads")
    page.get_by_label("Last name").fill("Brink")
    page.get_by_label("Personal identification number (CPR)").fill("110893-1237")
    page.get_by_label("Date of birth").fill("1993-08-11")
    page.get_by_label("Gender").select_option("male")
    page.get_by_label("Danish", exact=True).check()
    page.get_by_label("Institution").select_option(label="Københavns Fængsler")
    page.get_by_label("Custody status").select_option("remand")
    page.get_by_label("Referring unit").fill("Københavns Fængsler, afdeling C")
    page.get_by_label("Offence aggravated as a hate crime").check()
    page.get_by_label("Motive of the hate crime").select_option("ethnicity")
    page.get_by_label("Extremism orientation").select_option("right_wing")
    page.get_by_label("Why you refer the person").fill(
        "Talks about a coming race war; charged with a racially motivated assault."
    )
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("Your referral is received.")).to_be_visible()

    page.get_by_role("link", name="My referrals").first.click()
    row = page.get_by_role("row").filter(has_text="Mads Brink")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").last).to_have_text("Received")
    check_accessibility(page, axe_source, "journey-referrer-my-referrals")


def test_the_coordinator_screens_accepts_matches_and_reviews_the_pool(
    page: Page, axe_source: str
) -> None:
    sign_in(page, "coordinator")
    for figure in (
        "new referrals",
        "open referrals",
        "accepted, waiting for a mentor",
        "proposed mentorships to activate",
        "active mentorships",
    ):
        expect(page.get_by_role("link", name=re.compile(rf"^\d+ {figure}$"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^\d+ waiting more than"))).to_be_visible()
    expect(page.get_by_text("Housing not secured")).to_be_visible()
    check_accessibility(page, axe_source, "journey-coordinator-home")

    # The received referral of a hate crime against a person's ethnicity.
    page.get_by_role("link", name=re.compile(r"^\d+ new referrals$")).click()
    referral = page.get_by_role("row").filter(has_text="Hate crime: Ethnicity").get_by_role("link")
    person = referral.inner_text()
    referral.click()
    page.get_by_role("button", name="Start screening").click()
    expect(page.get_by_text("The referral is now: Being screened.")).to_be_visible()
    for criterion in ("Charged with terrorism", "Convicted of terrorism"):
        page.get_by_role("group", name=criterion).get_by_label("Does not apply").check()
    page.get_by_role("group", name="Offence aggravated as a hate crime").get_by_label(
        "Confirmed"
    ).check()
    page.get_by_role("group", name="Vulnerable to radicalisation").get_by_label(
        "Does not apply"
    ).check()
    page.get_by_role("group", name="Decision").get_by_label("Eligible", exact=True).check()
    page.get_by_role("button", name="Record the screening").click()
    expect(page.get_by_text("The referral is now: Eligible.")).to_be_visible()

    # After the intake talk: the consent, then back on the Accept page.
    page.get_by_role("link", name="Accept the referral").click()
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Date the consent was given").fill(timezone.localdate().isoformat())
    page.get_by_label("How it was given").select_option("written")
    page.get_by_label("Taking part in the programme").check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("The consent is recorded.")).to_be_visible()
    page.get_by_role("button", name="Accept the referral").click()
    expect(page.get_by_text("The referral is accepted.")).to_be_visible()

    # Matching: the top suggestion and the proposed coach, as offered.
    page.get_by_role("link", name="Match with a mentor").click()
    suggestions = page.locator("table.bot-suggestions tbody tr")
    top = suggestions.first.get_by_role("radio")
    expect(top).to_be_checked()
    mentor = suggestions.first.locator("label").inner_text()
    coach = page.get_by_label("Supervising coach")
    expect(coach).not_to_have_value("")
    coach_name = coach.evaluate("select => select.selectedOptions[0].text")
    check_accessibility(page, axe_source, "journey-coordinator-match")
    page.get_by_role("button", name="Match and propose the mentorship").click()
    expect(
        page.get_by_text(f"{person} is matched with {mentor}, supervised by {coach_name}.")
    ).to_be_visible()
    expect(page.get_by_text("Matched with a mentor", exact=True)).to_be_visible()
    page.get_by_role("link", name="Mentorships", exact=True).click()
    first_name, last_name = person.rsplit(" ", 1)
    listed = page.get_by_role("row").filter(has_text=f"{last_name}, {first_name}")
    expect(listed).to_contain_text("Proposed")

    # Once a quarter: pool matching, a fresh draft, reviewed line by line.
    page.get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Match the pool").first.click()
    waiting = page.locator("main ul").first.get_by_role("link").all_inner_texts()
    assert waiting
    page.get_by_role("button", name=re.compile("Compute a new draft")).click()
    expect(page.get_by_role("heading", name="Pool matching draft")).to_be_visible()
    for name in waiting:
        expect(page.get_by_role("row").filter(has_text=name)).to_have_count(1)
    # The person with a recorded conflict of interest is never given that mentor.
    conflict = ConflictOfInterest.objects.select_related("mentee", "mentor").get()
    assert str(conflict.mentee) in waiting
    line = page.get_by_role("row").filter(has_text=str(conflict.mentee))
    expect(line).not_to_contain_text(str(conflict.mentor))
    check_accessibility(page, axe_source, "journey-coordinator-pool-draft")
    page.get_by_role("button", name=re.compile(r"^Confirm \d+ match")).click()
    expect(page.get_by_text(re.compile(r"mentorships? (is|are) proposed"))).to_be_visible()


def test_the_mentor_records_a_visit_from_a_phone_and_adds_the_brother(
    page: Page, axe_source: str
) -> None:
    mentorship = Mentorship.objects.select_related("mentee").get(
        mentor__user__username="mentor05", status=MentorshipStatus.ACTIVE
    )
    own = Mentorship.objects.filter(mentor__user__username="mentor05").exclude(
        status=MentorshipStatus.CLOSED
    )
    other = Mentorship.objects.exclude(mentor__user__username="mentor05").first()
    assert other is not None
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "mentor05")
    # Only their own mentees, and no one else's case opens.
    assert _case_links(page) == {f"/mentorships/{m.pk}/" for m in own}
    assert _opens(page, f"/mentorships/{other.pk}/") == 404
    page.goto("/")
    # The mentee's case (their name links to it under "Your mentees"; a concern links too).
    page.locator(f'a[href="/mentorships/{mentorship.pk}/"]').first.click()
    page.get_by_role("link", name="Record a meeting").click()
    # Today's prison visit that took place: date, kind and outcome are offered as they are.
    expect(page.get_by_label("Date", exact=True)).to_have_value(timezone.localdate().isoformat())
    expect(page.get_by_label("Kind")).to_have_value("prison_visit")
    expect(page.get_by_label("Held")).to_be_checked()
    page.get_by_label("How long it lasted (minutes)").fill("60")
    page.get_by_label("Everyday life and conflicts").check()
    page.get_by_label("Family and network").check()
    page.get_by_label("Mentee engagement").select_option(label="Engaged")
    # The goal's title is the mentor's own words (Danish in the demo), so this form is not
    # checked for the page's language; the mentorship page after it is.
    goal = page.get_by_role("group", name="Goals worked on").locator("label").first
    title = goal.inner_text()
    goal.check()
    page.get_by_label("Follow-up").fill("Ask about education options.")
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.get_by_text("The meeting is recorded.")).to_be_visible()
    meeting = page.locator(".bot-meeting").first
    expect(meeting).to_contain_text("Prison visit, 60 min")
    expect(meeting).to_contain_text("Topics: Everyday life and conflicts, Family and network")
    expect(meeting).to_contain_text(f"Goals worked on: {title}")
    expect(meeting).to_contain_text("Follow-up: Ask about education options.")
    check_accessibility(page, axe_source, "journey-mentor-meeting-recorded-phone")

    page.get_by_role("link", name="Family and network").click()
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Name").fill("Karim Osman")
    page.get_by_label("Relation to the mentee").select_option("sibling")
    page.get_by_label("Supportive").check()
    page.get_by_label("The mentee agreed to involve this person on").fill(
        timezone.localdate().isoformat()
    )
    page.get_by_label("The person agreed to be contacted on").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The person is added to the network.")).to_be_visible()
    expect(page.get_by_role("cell", name="Karim Osman", exact=True)).to_be_visible()
    check_accessibility(page, axe_source, "journey-mentor-network-phone")


def test_the_coordinator_of_the_special_scheme_sees_only_its_referrals(
    page: Page, axe_source: str
) -> None:
    special = Programme.objects.get(name="Special mentoring scheme")
    open_special = Referral.objects.filter(programme=special, status__in=OPEN_STATUSES)
    back_on_track = Referral.objects.exclude(programme=special).select_related("mentee")
    elsewhere = back_on_track.first()
    assert open_special.exists() and elsewhere is not None
    sign_in(page, "coordinator-special")
    page.get_by_role("link", name="Referrals", exact=True).click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(open_special.count())
    for referral in open_special.select_related("mentee"):
        expect(rows.filter(has_text=str(referral.mentee))).to_have_count(1)
    listed = " ".join(rows.all_inner_texts())
    assert not [r for r in back_on_track if str(r.mentee) in listed]
    check_accessibility(page, axe_source, "journey-coordinator-special-inbox")
    assert _opens(page, f"/referrals/{elsewhere.pk}/") == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_the_trainer_records_attendance_signs_off_and_the_mentor_is_ready(
    page: Page, browser: Any, axe_source: str
) -> None:
    sign_in(page, "trainer")
    expect(page.get_by_text("Leyla Demir — Planning a mentorship in custody")).to_be_visible()
    page.get_by_role("link", name="Courses and curriculum").click()
    page.get_by_role(
        "link", name="Planlægning af et mentorforløb under frihedsberøvelse — vinterhold"
    ).click()
    page.get_by_role("link", name="Record attendance on").first.click()
    expect(page.get_by_role("checkbox", name="Leyla Demir")).to_be_checked()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance is saved.")).to_be_visible()
    page.get_by_role("link", name="Sign off Leyla Demir").click()
    page.get_by_role("button", name="Sign off").click()
    expect(
        page.get_by_text("Planning a mentorship in custody is signed off for Leyla Demir.")
    ).to_be_visible()
    page.get_by_role("link", name="Mentors", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Demir, Leyla")
    expect(row.get_by_role("cell").nth(2)).to_have_text("Not ready")

    # Trained, but still "in training" until a coordinator makes her active: only then is
    # she ready to be matched (readiness needs an active mentor).
    coordinator = browser.new_context(base_url=_base(page)).new_page()
    sign_in(coordinator, "coordinator")
    coordinator.get_by_role("link", name="Mentors", exact=True).click()
    coordinator.get_by_role("link", name="Demir, Leyla").click()
    coordinator.get_by_role("link", name="Active", exact=True).click()
    coordinator.get_by_role("button", name="Make active").click()
    expect(coordinator.get_by_text("Leyla Demir is now: Active.")).to_be_visible()
    coordinator.context.close()

    page.reload()
    expect(row.get_by_role("cell").nth(2)).to_have_text("Ready")
    check_accessibility(page, axe_source, "journey-trainer-mentors")


def test_the_auditor_finds_who_looked_at_a_person_and_verifies_the_trail(
    page: Page, axe_source: str
) -> None:
    mentee = Mentee.objects.order_by("id").first()
    assert mentee is not None
    sign_in(page, "coordinator")
    page.goto(f"/mentees/{mentee.pk}/")
    expect(page.get_by_role("heading", name=str(mentee))).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "auditor")
    page.get_by_role("link", name="Open the audit trail").click()
    page.get_by_role("link", name=re.compile("Who looked at a particular person")).click()
    page.get_by_label("Personal identification number").fill(mentee.personal_id)
    page.get_by_label("The person asked to see their data").check()
    page.get_by_label("In a few words").fill("Request 2026-31")
    page.get_by_role("button", name="Show the accesses").click()
    expect(
        page.get_by_role("heading", name=re.compile("Accesses to the record of"))
    ).to_be_visible()
    who = page.get_by_role("cell", name=re.compile(r"^coordinator\b"))
    expect(page.get_by_role("row").filter(has=who)).not_to_have_count(0)
    check_accessibility(page, axe_source, "journey-auditor-person")

    page.get_by_role("link", name="Audit trail", exact=True).first.click()
    page.get_by_role("button", name="Verify that the trail is intact").click()
    expect(
        page.get_by_text(re.compile(r"The audit trail is intact: \d+ events checked."))
    ).to_be_visible()
    check_accessibility(page, axe_source, "journey-auditor-verified")


def test_the_admin_creates_resets_and_deactivates_accounts_but_sees_no_case(
    page: Page, axe_source: str
) -> None:
    sign_in(page, "admin")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("User name").fill("mentor11")
    page.get_by_label("First name").fill("Nanna")
    page.get_by_label("Last name").fill("Friis")
    page.get_by_label("Email address").fill("nanna.friis@example.org")
    page.get_by_label("Organisation").select_option(label="Kriminalforsorgen")
    page.get_by_label("Mentor", exact=True).check()
    page.get_by_role("button", name="Create account").click()
    expect(
        page.get_by_text("Waiting for a second person's approval: Grant the role Mentor")
    ).to_be_visible()

    def open_user(username: str) -> None:
        page.get_by_role("link", name="Users", exact=True).click()
        page.get_by_label("Search by name or user name").fill(username)
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name=username, exact=True).click()

    open_user("mentor05")
    page.get_by_role("link", name="Reset the authenticator").click()
    page.get_by_role("button", name="Reset the authenticator").click()
    expect(
        page.get_by_text("A one-time sign-in link was e-mailed to mentor05@example.org")
    ).to_be_visible()

    # The leaver still mentors someone: the page says what deactivating means for them.
    open_user("mentor07")
    page.get_by_role("link", name="Deactivate").click()
    expect(
        page.get_by_role("heading", name="This person still has open mentorships")
    ).to_be_visible()
    check_accessibility(page, axe_source, "journey-admin-deactivate")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Kasper Nørgaard is deactivated.")).to_be_visible()
    expect(page.get_by_text("Deactivated", exact=True)).to_be_visible()

    mentee = Mentee.objects.order_by("id").first()
    mentorship = Mentorship.objects.filter(status=MentorshipStatus.ACTIVE).first()
    referral = Referral.objects.first()
    assert mentee is not None and mentorship is not None and referral is not None
    for path in (
        "/mentees/",
        f"/mentees/{mentee.pk}/",
        "/referrals/",
        f"/referrals/{referral.pk}/",
        "/mentorships/",
        f"/mentorships/{mentorship.pk}/",
    ):
        assert _opens(page, path) == 404, path


@pytest.mark.only_signs_in
@pytest.mark.parametrize(
    "username", ["mentor01", "liaison-security", "liaison-ministry", "evaluator"]
)
def test_the_roles_waiting_for_wave_2_have_a_home_page_in_both_languages(
    page: Page, axe_source: str, username: str
) -> None:
    """The coach reaches the mentorships they supervise or mentor and no other case; the
    liaisons and the evaluator reach no case and see no one's name."""
    theirs = Mentorship.objects.filter(
        Q(coach__user__username=username) | Q(mentor__user__username=username)
    ).exclude(status=MentorshipStatus.CLOSED)
    names = {str(mentee) for mentee in Mentee.objects.all()}
    sign_in(page, username)
    for language in ("en", "da"):
        if language == "da":
            page.get_by_role("button", name="Dansk").click()
        assert _opens(page, "/") == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert _case_links(page) == {f"/mentorships/{m.pk}/" for m in theirs}
        if not theirs:
            shown = page.inner_text("main")
            assert not [name for name in names if name in shown], shown
        check_accessibility(page, axe_source, f"journey-{username}-home-{language}")
