"""A mentor proposes a lesson on a phone and the name check warns; the mentor rephrases it,
the coordinator discusses and adopts it, the trainer finds it on their home page and the
evaluator reads it among the adopted lessons by the author's role. Each page passes axe, in
English and Danish, on a phone and on a desktop."""

from playwright.sync_api import Page, ViewportSize, expect

from backontrack.lessons.models import Lesson
from backontrack.mentorships.models import Mentorship
from backontrack.programmes.models import Programme

from .helpers import check_accessibility, sign_in

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
TITLE = "Aftal besøgstid, før der bliver lukket ned"


def _both_languages(page: Page, axe_source: str, name: str) -> None:
    """The page as it is, in English and then in Danish, back in English after."""
    check_accessibility(page, axe_source, f"{name}-en")
    page.get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    check_accessibility(page, axe_source, f"{name}-da")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _sign_out(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()


def test_a_lesson_goes_from_a_mentors_phone_to_the_trainers_home(
    page: Page, axe_source: str
) -> None:
    mentee = (
        Mentorship.objects.filter(programme=Programme.objects.default())
        .select_related("mentee")
        .first()
        .mentee  # type: ignore[union-attr]
    )
    page.set_viewport_size(PHONE)
    sign_in(page, "mentor05")
    page.goto("/lessons/")
    _both_languages(page, axe_source, "lessons-list-phone")
    page.get_by_role("link", name="Propose a lesson").click()
    page.get_by_label("Title").fill(TITLE)
    named = f"{mentee.last_name} fik ikke besøg i tre uger, da afdelingen blev lukket ned."
    page.get_by_label("What happened").fill(named)
    page.get_by_label("What we learned").fill("Aftal en fast telefontid ved første møde.")
    page.get_by_label("Training").check()
    page.get_by_label("Custody").check()
    before = Lesson.objects.count()
    page.get_by_role("button", name="Propose the lesson").click()
    expect(page.get_by_text("This looks like the name of someone in the programme")).to_be_visible()
    expect(page.get_by_label("What happened")).to_have_value(named)  # nothing lost
    expect(page.get_by_label("I have checked: the lesson names no person.")).to_be_visible()
    assert Lesson.objects.count() == before  # nothing saved
    check_accessibility(page, axe_source, "lesson-name-warning-phone-en")
    page.get_by_label("What happened").fill(
        "En mentee fik ikke besøg i tre uger, da afdelingen blev lukket ned."
    )
    page.get_by_role("button", name="Propose the lesson").click()
    expect(page.get_by_text("The lesson is proposed.")).to_be_visible()
    lesson = Lesson.objects.latest("id")
    assert (lesson.title, lesson.status, lesson.names_confirmed) == (TITLE, "proposed", False)
    _both_languages(page, axe_source, "lesson-proposed-phone")
    _sign_out(page)

    page.set_viewport_size(DESKTOP)
    sign_in(page, "coordinator")
    page.goto("/lessons/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Mark as discussed").click()
    page.get_by_label("Note").fill("Drøftet på mentormødet.")
    page.get_by_role("button", name="Mark as discussed").click()
    page.get_by_role("link", name="Mark as adopted").click()
    check_accessibility(page, axe_source, "lesson-adopt-desktop-en")
    page.get_by_label("Note").fill("Telefontid aftales nu ved første møde.")
    page.get_by_role("button", name="Mark as adopted").click()
    expect(page.get_by_text("The lesson is now adopted.")).to_be_visible()
    expect(
        page.get_by_text("Discussed → Adopted: Telefontid aftales nu ved første møde.")
    ).to_be_visible()
    _both_languages(page, axe_source, "lesson-adopted-desktop")
    _sign_out(page)

    sign_in(page, "trainer")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    _both_languages(page, axe_source, "lesson-trainer-home-desktop")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    _sign_out(page)

    page.set_viewport_size(PHONE)
    sign_in(page, "evaluator")
    page.goto("/lessons/adopted/")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("proposed by a mentor").first).to_be_visible()
    assert "Omar Haddad" not in page.inner_text("main")  # mentor05, shown by role only
    _both_languages(page, axe_source, "lessons-adopted-evaluator-phone")
    assert page.goto(f"/lessons/{lesson.pk}/").status == 404  # type: ignore[union-attr]
