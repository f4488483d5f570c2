import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from .conftest import signed_in_client

TEMPLATES = sorted((settings.PACKAGE_DIR / "templates").rglob("*.html"))
PO_FILE = settings.PACKAGE_DIR / "locale" / "da" / "LC_MESSAGES" / "django.po"


@pytest.mark.engine_independent
@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.name))
def test_no_template_needs_an_exception_in_the_content_security_policy(template: Path) -> None:
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.mark.engine_independent
def test_every_message_has_a_danish_translation() -> None:
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-wrap", str(PO_FILE)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-wrap", str(PO_FILE)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # Only the header (msgid "") may remain.
    assert untranslated.count("msgid ") <= 1, untranslated
    assert fuzzy == "", fuzzy


@pytest.mark.django_db
def test_pages_follow_the_language_switch(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "da", "next": "/signin/"}, follow=True)
    content = response.content.decode()
    assert '<html lang="da">' in content
    assert "Log ind" in content
    assert "English" in content


@pytest.mark.django_db
def test_the_home_page_is_translated_for_signed_in_users() -> None:
    client = signed_in_client("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    content = client.get("/").content.decode()
    assert "Log ud" in content
    assert "Forside" in content


@pytest.mark.django_db
def test_a_server_error_shows_a_plain_page_without_details() -> None:
    from django.test import RequestFactory
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("en"):
        response = server_error(RequestFactory().get("/"))
    content = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in content
    assert "Traceback" not in content


@pytest.mark.django_db
def test_a_missing_page_is_a_404_page_with_a_way_home() -> None:
    response = signed_in_client("mentor05").get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Go to your home page" in response.content
