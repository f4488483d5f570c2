"""A Danish page speaks Danish all through: not only its template, but every line the system
generated (history, timeline, audit trail) and every name the demo seeded (issue #13, item 7).

Every page each persona opens is read in Danish, and its visible text is searched for English:
the words of the app's English messages that no Danish message uses. The names of the demo's
people and e-mail addresses are left out, as the same in both languages, and so is text marked
as being in another language (the "English" of the language switch)."""

import re
from functools import cache
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.utils import translation

from backontrack.accounts.models import User
from backontrack.audit.describe import describe
from backontrack.audit.models import AuditEvent
from backontrack.mentees.models import Mentee
from backontrack.mentors.curriculum import MODULES
from backontrack.mentors.models import Mentor
from backontrack.network.models import NetworkMember

from .conftest import PERSONA_NAMES, demo_mentorship, signed_in_client
from .test_access_matrix import MATRIX, PUBLIC, _ids

pytestmark = pytest.mark.django_db

PO_FILE = settings.PACKAGE_DIR / "locale" / "da" / "LC_MESSAGES" / "django.po"
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
EMAIL = re.compile(r"\S+@\S+")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{[^}]*\}|<[^>]*>")
# Short words of the messages that say nothing about the language of a page (units,
# abbreviations, letters).
NEUTRAL = {"s", "t", "id", "ok", "csv", "min", "e", "mail", "pdf", "it", "ll", "re"}


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


@cache
def english_words() -> frozenset[str]:
    """The words of the English messages (msgid) that are in no Danish one (msgstr)."""
    words: dict[str, set[str]] = {"msgid": set(), "msgstr": set()}
    side = "msgid"
    for line in PO_FILE.read_text().splitlines():
        if line.startswith(("msgid", "msgstr")):
            side = "msgid" if line.startswith("msgid") else "msgstr"
        elif not line.startswith('"'):
            continue
        quoted = line[line.index('"') :] if '"' in line else ""
        words[side] |= _words(quoted.strip('"').replace('\\"', '"'))
    # The curriculum's Danish module names are Danish too ("Coaching", "Supervision").
    for module in MODULES:
        words["msgstr"] |= _words(module[2])
    return frozenset(words["msgid"] - words["msgstr"] - NEUTRAL)


class VisibleText(HTMLParser):
    """The text a reader sees: no script, style or tags, nothing marked as another language."""

    SKIPPED = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[bool] = []  # for each open element: is its text hidden?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        language = dict(attrs).get("lang")
        hidden = tag in self.SKIPPED or (language is not None and language != "da")
        self.open.append(hidden or (bool(self.open) and self.open[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if not (self.open and self.open[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@cache
def proper_names() -> tuple[str, ...]:
    """The names of the demo's people and the persona's user names, longest first."""
    names = set(PERSONA_NAMES)
    for user in User.objects.all():
        names |= {user.get_full_name(), user.first_name, user.last_name}
    for first, last in Mentee.objects.values_list("first_name", "last_name"):
        names |= {f"{first} {last}", first, last}
    names |= {str(mentor) for mentor in Mentor.objects.select_related("user")}
    names |= {member.name for member in NetworkMember.objects.all()}
    return tuple(sorted((n for n in names if n), key=len, reverse=True))


def english_on(text: str) -> dict[str, str]:
    """Each English word on the page, with a little of the text around its first use."""
    text = EMAIL.sub(" ", text)
    for name in proper_names():
        text = text.replace(name, " ")
    english = english_words()
    found: dict[str, str] = {}
    for match in WORD.finditer(text):
        word = match.group().lower()
        if word in english and word not in found:
            found[word] = text[max(match.start() - 30, 0) : match.end() + 30]
    return found


def test_the_search_finds_english_and_passes_danish() -> None:
    html = (
        '<p>Fase: Afsoning — Started from the custody status.</p><a lang="en">English</a>'
        "<script>const plan = 'made';</script>"
    )
    assert set(english_on(visible_text(html))) == {"started", "from", "the", "custody"}
    assert english_on("Fase: Afsoning — Fastsat ud fra frihedsberøvelsen.") == {}


@pytest.mark.parametrize("username", PERSONA_NAMES)
def test_every_page_a_persona_opens_is_danish_all_through(username: str) -> None:
    client = signed_in_client(username)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    ids = _ids()
    english = []
    for name, (template, who_may) in sorted(MATRIX.items()):
        if who_may == PUBLIC:
            continue
        url = template.format(**ids)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        english += [
            f"{name} ({url}): {word!r} in {context!r}"
            for word, context in english_on(visible_text(response.content.decode())).items()
        ]
    assert not english, "\n".join(english)


def test_the_audit_trail_reads_in_danish_whatever_wrote_it() -> None:
    """Every event of the demo, and those of the pages that write their own details (the
    home page, a mentorship's network), described for a Danish auditor."""
    mentorship = demo_mentorship("active")
    signed_in_client("coordinator").get("/")
    signed_in_client("coordinator").get(f"/mentorships/{mentorship.pk}/network/")
    english = []
    with translation.override("da"):
        for event in AuditEvent.objects.order_by("id"):
            described = describe(event)
            words = " | ".join(
                [
                    described.action,
                    described.record,
                    described.shown,
                    described.fields,
                    described.detail,
                    described.purpose,
                    described.roles,
                ]
            )
            english += [
                f"#{event.pk} {event.detail!r}: {word!r} in {context!r}"
                for word, context in english_on(words).items()
            ]
    assert not english, "\n".join(english)
