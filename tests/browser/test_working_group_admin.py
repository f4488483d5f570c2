"""Setting up a working group from nothing, through its pages: the special scheme's
coordinator sets up its group, adds the ministry and the security service with a liaison
each and plans a meeting; the new liaisons then see it as their group's next meeting, and the
one taken off again no longer does. Every new page passes axe, in English and Danish, on a
desktop and on a phone."""

import re

from playwright.sync_api import Browser, Page, ViewportSize, expect

from backontrack.workinggroup.models import GroupMeeting, WorkingGroup

from .helpers import check_accessibility, sign_in

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
GROUP = "Særordningens arbejdsgruppe"
MINISTRY = "Justitsministeriet"
SECURITY = "Politiets Efterretningstjeneste"


def _as(browser: Browser, page: Page, username: str) -> Page:
    base = "/".join(page.url.split("/", 3)[:3])
    other = browser.new_context(base_url=base, viewport=DESKTOP)
    other.set_default_timeout(15_000)
    new = other.new_page()
    sign_in(new, username)
    return new


def _add_agency(page: Page, name: str) -> None:
    page.get_by_role("link", name="Add a member agency").click()
    page.get_by_label("Agency").select_option(label=name)
    page.get_by_role("button", name="Add the agency").click()
    expect(page.get_by_text(f"{name} is a member of the group.")).to_be_visible()


def _add_member(page: Page, label: str) -> None:
    page.get_by_role("link", name="Add a member", exact=True).click()
    page.get_by_label("Person").select_option(label=label)
    page.get_by_role("button", name="Add the member").click()
    expect(page.get_by_text("is a member of the group and sees its meetings.")).to_be_visible()


def _next_meeting(page: Page) -> str:
    page.goto("/")
    return page.locator("main").inner_text()


def test_a_coordinator_sets_up_a_group_whose_new_liaison_sees_its_next_meeting(
    page: Page, browser: Browser, axe_source: str
) -> None:
    # The special scheme has no working group: its coordinator sets one up.
    sign_in(page, "coordinator-special")
    page.get_by_role("link", name="Working group", exact=True).click()
    page.get_by_role("link", name="Set up a working group").click()
    check_accessibility(page, axe_source, "wg-admin-group-list-empty")
    page.get_by_role("link", name="Set up a working group").click()
    check_accessibility(page, axe_source, "wg-admin-group-create")
    page.get_by_role("button", name="Set up the group").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    page.get_by_label("Name").fill(GROUP)
    page.get_by_role("button", name="Set up the group").click()
    expect(page.get_by_text("The working group is set up.")).to_be_visible()
    group = WorkingGroup.objects.get(name=GROUP)
    assert group.chair is not None and group.chair.username == "coordinator-special"
    expect(page.get_by_text("No member agency yet.")).to_be_visible()

    # The ministry and the security service join, with a liaison each.
    _add_agency(page, MINISTRY)
    page.get_by_role("link", name="Add a member agency").click()
    check_accessibility(page, axe_source, "wg-admin-agency-add")
    page.go_back()
    _add_agency(page, SECURITY)
    page.get_by_role("link", name="Add a member", exact=True).click()
    check_accessibility(page, axe_source, "wg-admin-member-add")
    page.go_back()
    _add_member(page, f"Birgitte Vestergaard ({MINISTRY})")
    _add_member(page, f"Anders Krogh ({SECURITY})")
    expect(page.get_by_text(f"Birgitte Vestergaard ({MINISTRY})")).to_be_visible()
    check_accessibility(page, axe_source, "wg-admin-group-detail")
    page.get_by_role("link", name="Edit the name or the chair").click()
    check_accessibility(page, axe_source, "wg-admin-group-edit")
    page.go_back()

    # A meeting in two weeks: sooner than Back on Track's, so it is each liaison's next one.
    page.get_by_role("link", name="Plan a meeting", exact=True).click()
    page.get_by_label("Birgitte Vestergaard").check()
    page.get_by_label("Anders Krogh").check()
    page.get_by_role("button", name="Plan the meeting").click()
    expect(page.get_by_text("The meeting is planned.")).to_be_visible()
    meeting = GroupMeeting.objects.get(group=group)
    ours = re.compile(f"{GROUP}: meeting of")

    ministry = _as(browser, page, "liaison-ministry")
    expect(ministry.get_by_role("link", name=ours)).to_be_visible()
    security = _as(browser, page, "liaison-security")
    expect(security.get_by_role("link", name=ours)).to_be_visible()

    # The ministry's liaison is taken off: from now on the group's meeting is not theirs.
    page.goto(f"/working-group/groups/{group.pk}/")
    page.get_by_role("link", name="Take off Birgitte Vestergaard").click()
    expect(page.get_by_text("From now on they no longer see")).to_be_visible()
    check_accessibility(page, axe_source, "wg-admin-member-remove")
    page.get_by_role("button", name="Take the member off").click()
    expect(page.get_by_text("Birgitte Vestergaard has left the group.")).to_be_visible()
    expect(page.get_by_text("Birgitte Vestergaard left the group;")).to_be_visible()
    page.get_by_role("link", name=f"Take off {MINISTRY}").click()
    check_accessibility(page, axe_source, "wg-admin-agency-remove")
    page.go_back()

    ministry.goto("/")
    expect(ministry.get_by_role("link", name=ours)).to_have_count(0)
    assert ministry.goto(f"/working-group/meetings/{meeting.pk}/").status == 404  # type: ignore[union-attr]
    ministry.context.close()
    security.reload()
    expect(security.get_by_role("link", name=ours)).to_be_visible()
    security.context.close()

    # The same pages on a phone, and in Danish.
    page.set_viewport_size(PHONE)
    page.goto(f"/working-group/groups/{group.pk}/")
    check_accessibility(page, axe_source, "wg-admin-group-detail-phone", full_page=False)
    page.get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    check_accessibility(page, axe_source, "wg-admin-group-detail-phone-da", full_page=False)
    page.set_viewport_size(DESKTOP)
    check_accessibility(page, axe_source, "wg-admin-group-detail-da")
    expect(page.get_by_text("Birgitte Vestergaard forlod gruppen;")).to_be_visible()
    for path, name in (
        ("/working-group/groups/", "wg-admin-group-list-da"),
        ("/working-group/groups/new/", "wg-admin-group-create-da"),
        (f"/working-group/groups/{group.pk}/members/new/", "wg-admin-member-add-da"),
        (f"/working-group/groups/{group.pk}/agencies/new/", "wg-admin-agency-add-da"),
        (f"/working-group/groups/{group.pk}/edit/", "wg-admin-group-edit-da"),
    ):
        page.goto(path)
        check_accessibility(page, axe_source, name)
    page.goto(f"/working-group/groups/{group.pk}/members/new/")
    page.set_viewport_size(PHONE)
    check_accessibility(page, axe_source, "wg-admin-member-add-phone-da", full_page=False)
