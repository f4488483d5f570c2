"""The API's pages in a browser: a person makes a token (password and a new code again),
sees it once and revokes it; a coordinator connects a system and rotates its secret; the
documentation opens. Each page passes axe on a desktop and a phone, in English and Danish."""

import re

from playwright.sync_api import Page, ViewportSize, expect

from backontrack.api.models import ApiClient, ApiToken
from tests.conftest import PASSWORD, current_code

from .helpers import check_accessibility, sign_in

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
SECRET = re.compile(r"^bot_[0-9a-f]{12}_\S{40,}$")


def _step_up(page: Page, username: str) -> None:
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("One-time code").fill(current_code(username))


def _on_a_phone_and_in_danish(page: Page, axe_source: str, path: str, name: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(path)
    check_accessibility(page, axe_source, f"{name}-phone")
    page.get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    check_accessibility(page, axe_source, f"{name}-phone-da")
    page.set_viewport_size(DESKTOP)
    page.goto(path)
    check_accessibility(page, axe_source, f"{name}-da")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_mentor_makes_a_token_with_a_step_up_sees_it_once_and_revokes_it(
    page: Page, axe_source: str
) -> None:
    sign_in(page, "mentor03")
    page.goto("/account/tokens/")
    check_accessibility(page, axe_source, "api-tokens")
    page.get_by_label("Name").fill("Kvartalsrapport")
    page.get_by_label("Read mentorships").check()
    page.get_by_label("Valid for (days)").fill("7")
    page.get_by_label("Your password").fill("not the password")
    page.get_by_label("One-time code").fill("123456")
    page.get_by_role("button", name="Create the token").click()
    expect(page.get_by_text("Your password or the one-time code is not right")).to_be_visible()
    assert not ApiToken.objects.filter(name="Kvartalsrapport").exists()
    check_accessibility(page, axe_source, "api-tokens-step-up-refused")
    _step_up(page, "mentor03")
    page.get_by_role("button", name="Create the token").click()
    secret = page.locator("code.bot-secret")
    expect(secret).to_be_visible()
    assert SECRET.match(secret.inner_text())
    check_accessibility(page, axe_source, "api-tokens-new-secret")
    page.set_viewport_size(PHONE)
    check_accessibility(page, axe_source, "api-tokens-new-secret-phone")
    page.set_viewport_size(DESKTOP)
    page.goto("/account/tokens/")
    expect(page.locator("code.bot-secret")).to_have_count(0)
    row = page.get_by_role("row", name=re.compile("Kvartalsrapport"))
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("The token is revoked: it no longer works.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Kvartalsrapport"))).to_contain_text("Revoked")
    assert ApiToken.objects.get(name="Kvartalsrapport").revoked_at is not None
    _on_a_phone_and_in_danish(page, axe_source, "/account/tokens/", "api-tokens")


def test_a_coordinator_connects_a_system_and_rotates_its_secret(
    page: Page, axe_source: str
) -> None:
    sign_in(page, "coordinator")
    page.goto("/api/clients/")
    check_accessibility(page, axe_source, "api-clients")
    page.get_by_label("Name of the system").fill("Sagsregister")
    page.get_by_label("Programme").select_option(label="Back on Track")
    _step_up(page, "coordinator")
    page.get_by_role("button", name="Connect", exact=True).click()
    first = page.locator("code.bot-secret")
    expect(first).to_be_visible()
    first_secret = first.inner_text()
    assert SECRET.match(first_secret)
    check_accessibility(page, axe_source, "api-clients-new-secret")
    row = page.get_by_role("row", name=re.compile("Sagsregister"))
    expect(row).to_contain_text("Working")
    expect(row).to_contain_text("custody-events:write")
    row.get_by_role("link", name="Rotate the secret").click()
    expect(page.get_by_role("heading", name="Rotate the secret of Sagsregister")).to_be_visible()
    check_accessibility(page, axe_source, "api-client-rotate")
    _step_up(page, "coordinator")
    page.get_by_role("button", name="Rotate the secret").click()
    second = page.locator("code.bot-secret")
    expect(second).to_be_visible()
    assert SECRET.match(second.inner_text()) and second.inner_text() != first_secret
    check_accessibility(page, axe_source, "api-client-rotated")
    system = ApiClient.objects.get(name="Sagsregister")
    assert system.tokens.filter(revoked_at__isnull=True).count() == 1
    path = f"/api/clients/{system.pk}/rotate/"
    _on_a_phone_and_in_danish(page, axe_source, "/api/clients/", "api-clients")
    _on_a_phone_and_in_danish(page, axe_source, path, "api-client-rotate")


def test_the_documentation_page_opens(page: Page, axe_source: str) -> None:
    sign_in(page, "referrer")
    page.goto("/api/")
    expect(page.get_by_role("heading", name="The API", exact=True)).to_be_visible()
    expect(page.get_by_text("POST /api/v1/referrals")).to_be_visible()
    check_accessibility(page, axe_source, "api-documentation")
    _on_a_phone_and_in_danish(page, axe_source, "/api/", "api-documentation")
