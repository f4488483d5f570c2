"""The browser suite: Playwright for Python driving Debian's Chromium, with axe-core.

It runs in the PostgreSQL pass only (see tests/conftest.py), where each test starts from a
fresh copy of the demo database made from a template, instead of pytest-django's flush after
each test and a reload of the whole demo before the next (5 to 8 s a test).
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

from tests.conftest import copy_database

CHROMIUM = Path(os.environ.get("BACKONTRACK_CHROMIUM", "/usr/bin/chromium"))
AXE_SOURCE = settings.NODE_MODULES / "axe-core" / "axe.min.js"
SCREENSHOTS = settings.BASE_DIR / "test-artifacts" / "screenshots"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


# Before tests/conftest.py's hook, which deselects by this marker.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists() or not AXE_SOURCE.exists():
        missing = CHROMIUM if not CHROMIUM.exists() else AXE_SOURCE
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} is missing, and in CI the browser suite must run.")
        pytest.skip(f"{missing} is missing: install it (apt-get install -y chromium; npm ci).")
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API runs an event loop in this thread; the tests' own ORM
    # calls are still plain synchronous code, so Django's async guard is lifted meanwhile.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


# Whether the test database is still the demo as copied, but for sign-ins: true while only
# tests marked `only_signs_in` have run on it since it was copied.
_demo_as_copied = {"still": False}


@pytest.fixture
def transactional_db(
    request: pytest.FixtureRequest, demo_template: str, django_db_blocker: Any
) -> Iterator[None]:
    """In place of pytest-django's fixture (which live_server asks for): the test database
    becomes a fresh copy of the demo, which the test and the live server both use. A test
    marked `only_signs_in` (it writes nothing but sign-ins, sign-outs and the reads they
    audit) goes on with the copy the test before it used when that one only signed in too:
    what they leave behind (sessions, audit events) no other such test looks at."""
    signs_in_only = request.node.get_closest_marker("only_signs_in") is not None
    with django_db_blocker.unblock():
        if not (signs_in_only and _demo_as_copied["still"]):
            copy_database(demo_template, connection.settings_dict["NAME"])
        _demo_as_copied["still"] = signs_in_only
        yield
        connections.close_all()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_SOURCE.read_text()
