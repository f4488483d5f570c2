import json
import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, WCAG_21_AA
from tests.conftest import PASSWORD, current_code
from tests.danish import danish_on, english_on, visible_text

# The text of the app's own controls (headings may carry what people wrote), leaving out
# what is marked as another language (the language switch).
APP_WORDS = """() => [...document.querySelectorAll(
    "nav a, footer p, button, label, legend, summary, th, .alert-heading"
)].filter(e => !e.closest("[lang]:not(html)")).map(e => e.innerText).join(" ")"""


def check_accessibility(page: Page, axe_source: str, name: str, *, full_page: bool = True) -> None:
    """Run axe-core on the page as it is (its content security policy untouched: evaluate
    runs in the page without adding a script element), check that what the page shows after
    its scripts ran is in the page's language, and save a screenshot to look at (of the
    viewport only, for a long page)."""
    language = page.locator("html").get_attribute("lang") or "en"
    if language == "da":
        foreign = english_on(visible_text(page.content(), language))
    else:
        # What people wrote may be in Danish on an English page; the app's own words not.
        foreign = danish_on(page.evaluate(APP_WORDS))
    assert not foreign, f"{name} ({page.url}) is in {language!r} but says: {foreign}"
    page.evaluate(axe_source)
    # Only the violations and their targets are read, so axe is told neither to gather every
    # node that passed (its default) nor to copy each node's HTML: the same rules run on the
    # same nodes in less time (docs/performance.md §23).
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations'], noHtml: true})",
        WCAG_21_AA,
    )
    violations = [
        {
            "id": v["id"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
    assert violations == [], f"axe on {name} ({page.url}):\n{json.dumps(violations, indent=2)}"


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/signin/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/signin/code/$"))
    page.get_by_label("One-time code").fill(current_code(username))
    page.get_by_role("button", name="Sign in").click()
