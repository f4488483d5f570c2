"""The database goes away while a signed-in coordinator opens a mentee's page: the browser
gets the 503 page in the reader's language, with Retry-After, not a 500 or a traceback;
/healthz names the database as down; and once the database is reachable again the same page
is served, with nothing restarted.

The outage is a real one for the application: its connections to PostgreSQL run through a
proxy (tests/database_cut.py) that the test cuts at the request's fourth statement, after
the session and the user were read, and that then turns every new connection away (the
test's own connection does not pass through it). The PostgreSQL server, which other work
shares, is never stopped."""

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import MentorshipStatus
from tests.database_cut import database_behind_a_cut

from .helpers import check_accessibility, sign_in

PHONE = ViewportSize(width=390, height=844)
UNAVAILABLE = {"en": "Back on Track is unavailable", "da": "Back on Track kan ikke bruges lige nu"}


@pytest.mark.parametrize("language", ["en", "da"])
def test_a_signed_in_user_sees_the_outage_page_and_the_service_comes_back_by_itself(
    page: Page, axe_source: str, live_server: Any, language: str
) -> None:
    mentee = Mentee.objects.filter(mentorships__status=MentorshipStatus.ACTIVE).earliest("id")
    name, last_name = f"{mentee.first_name} {mentee.last_name}", mentee.last_name
    with database_behind_a_cut() as database:
        sign_in(page, "coordinator")
        page.goto(f"/mentees/{mentee.pk}/")
        if language == "da":
            page.get_by_role("button", name="Dansk").click()
            expect(page.locator("html")).to_have_attribute("lang", "da")
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)

        database.cut_at_query(4)
        response = page.goto(f"/mentees/{mentee.pk}/")
        assert database.down
        assert response is not None
        assert response.status == 503
        assert response.headers["retry-after"] == "30"
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_have_text(UNAVAILABLE[language])
        body = page.locator("body").inner_text()
        assert "Traceback" not in body
        assert "Server Error" not in body
        assert last_name not in body
        check_accessibility(page, axe_source, f"outage-{language}")
        page.set_viewport_size(PHONE)
        assert (reloaded := page.reload()) is not None
        assert reloaded.status == 503
        check_accessibility(page, axe_source, f"outage-{language}-phone")

        # As a monitor asks, without a session.
        with pytest.raises(urllib.error.HTTPError) as health:
            urllib.request.urlopen(f"{live_server.url}/healthz", timeout=30)  # noqa: S310 (http)
        assert health.value.code == 503
        assert json.loads(health.value.read()) == {
            "status": "error",
            "database": "unavailable: OperationalError",
        }

        database.restore()
        back = page.goto(f"/mentees/{mentee.pk}/")
        assert back is not None
        assert back.status == 200
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        expect(page.locator("html")).to_have_attribute("lang", language)
