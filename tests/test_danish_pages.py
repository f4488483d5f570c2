"""A Danish page speaks Danish all through: not only its template, but every line the system
generated (history, timeline, audit trail) and every name the demo seeded (issue #13, item 7).

Every page each persona opens is read in Danish, and its visible text is searched for English:
the words of the app's English messages that no Danish message uses. The names of the demo's
people and e-mail addresses are left out, as the same in both languages, and so is text marked
as being in another language (the "English" of the language switch)."""

import importlib
import re
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from types import ModuleType

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import timezone, translation

from backontrack.accounts.models import Institution, Organisation, User
from backontrack.audit.describe import describe
from backontrack.audit.models import AuditEvent
from backontrack.mentees.models import Mentee
from backontrack.mentors.curriculum import MODULES
from backontrack.mentors.models import Mentor
from backontrack.mentorships.models import Mentorship, MentorshipChange
from backontrack.network.models import NetworkMember
from backontrack.programmes.models import Programme

from .conftest import PERSONA_NAMES, demo_mentorship, signed_in_client
from .test_access_matrix import MATRIX, PUBLIC, _ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_after() -> Iterator[None]:
    """The pages read here leave Danish active in the thread; the next test expects English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


PO_FILE = settings.PACKAGE_DIR / "locale" / "da" / "LC_MESSAGES" / "django.po"
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
EMAIL = re.compile(r"\S+@\S+")
# Hashes, ids and codes ("046766a3…") are in no language.
CODE = re.compile(r"\w*\d\w*")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{[^}]*\}|<[^>]*>")
# Words of the English messages that say nothing about the language of a page: units,
# abbreviations, letters, and words that are Danish as well.
NEUTRAL = {"s", "t", "id", "ok", "csv", "min", "e", "mail", "pdf", "re", "job", "tag", "handles"}


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


@cache
def english_words() -> frozenset[str]:
    """The words of the English messages (msgid) that are in no Danish one (msgstr)."""
    return _catalogue_words("msgid")


@cache
def danish_words() -> frozenset[str]:
    """The words of the Danish messages (msgstr) that are in no English one (msgid)."""
    return _catalogue_words("msgstr")


def _catalogue_words(only_in: str) -> frozenset[str]:
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
    other = "msgstr" if only_in == "msgid" else "msgid"
    return frozenset(words[only_in] - words[other] - NEUTRAL)


class VisibleText(HTMLParser):
    """The text a reader sees or hears: no script, style or tags, nothing marked as being in
    another language than the page's."""

    SKIPPED = {"script", "style", "template"}
    # What a screen reader or a pointer reads out besides the text.
    READ = ("aria-label", "title", "alt", "placeholder")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self, language: str = "da") -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.parts: list[str] = []
        self.open: list[bool] = []  # for each open element: is its text hidden?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        language = attributes.get("lang")
        hidden = tag in self.SKIPPED or (
            tag != "html" and language is not None and language != self.language
        )
        hidden = hidden or (bool(self.open) and self.open[-1])
        if not hidden:
            self.parts += [attributes[name] or "" for name in self.READ if name in attributes]
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
                self.parts.append(attributes.get("value") or "")
        if tag not in self.VOID:
            self.open.append(hidden)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if not (self.open and self.open[-1]):
            self.parts.append(data)


def visible_text(html: str, language: str = "da") -> str:
    parser = VisibleText(language)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@cache
def proper_names() -> tuple[str, ...]:
    """The names of the demo's people and the persona's user names, of its organisations,
    institutions and programmes, longest first."""
    names = set(PERSONA_NAMES)
    for user in User.objects.all():
        names |= {user.get_full_name(), user.first_name, user.last_name}
    for first, last in Mentee.objects.values_list("first_name", "last_name"):
        names |= {f"{first} {last}", first, last}
    names |= {str(mentor) for mentor in Mentor.objects.select_related("user")}
    names |= {member.name for member in NetworkMember.objects.all()}
    names |= set(Organisation.objects.values_list("name", flat=True))
    names |= set(Institution.objects.values_list("name", flat=True))
    names |= set(Programme.objects.values_list("name", flat=True))
    return tuple(sorted((n for n in names if n), key=len, reverse=True))


def english_on(text: str) -> dict[str, str]:
    """Each English word on the page, with a little of the text around its first use."""
    return _foreign_on(text, english_words())


def danish_on(text: str) -> dict[str, str]:
    """Each Danish word on an English page, with a little of the text around its first use."""
    return _foreign_on(text, danish_words())


def _foreign_on(text: str, english: frozenset[str]) -> dict[str, str]:
    text = CODE.sub(" ", EMAIL.sub(" ", text))
    for name in proper_names():
        text = text.replace(name, " ")
    found: dict[str, str] = {}
    for match in WORD.finditer(text):
        word = match.group().lower()
        if word in english and word not in found:
            found[word] = text[max(match.start() - 30, 0) : match.end() + 30]
    return found


def test_the_search_finds_english_and_passes_danish() -> None:
    html = (
        '<p>Fase: Afsoning — Started from the custody status.</p><a lang="en">English</a>'
        '<script>const plan = \'made\';</script><input type="submit" value="Withdrawn">'
    )
    found = {"started", "from", "the", "custody", "withdrawn"}
    assert set(english_on(visible_text(html))) == found
    assert english_on("Fase: Afsoning — Fastsat ud fra frihedsberøvelsen.") == {}


@pytest.mark.once_on_postgresql
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


@pytest.mark.once_on_postgresql
def test_the_history_of_every_demo_mentorship_is_danish() -> None:
    """Each story's history and timeline: phases moved by custody events and by the release
    date, goals set and reached, needs secured, a reallocation, pauses and closures."""
    client = signed_in_client("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    english = []
    for pk, status in Mentorship.objects.order_by("id").values_list("pk", "status"):
        if status == "closed":  # a closed case opens once the coordinator has said why
            client.post("/purpose/", {"key": f"mentorship:{pk}", "next": "/", "reason": "quality"})
        for url in (f"/mentorships/{pk}/", f"/mentorships/{pk}/timeline/"):
            response = client.get(url)
            assert response.status_code == 200, url
            english += [
                f"{url}: {word!r} in {context!r}"
                for word, context in english_on(visible_text(response.content.decode())).items()
            ]
    assert not english, "\n".join(english)


def _migration() -> ModuleType:
    return importlib.import_module("backontrack.mentorships.migrations.0009_history_text_to_codes")


def test_history_written_before_the_codes_is_read_in_the_readers_language() -> None:
    mentorship = demo_mentorship("active")
    written = [
        ("phase", "sentence", "Started from the custody status."),
        ("phase", "aftercare", "Custody event: Released on licence on 2026-10-03."),
        ("phase", "re_entry", "Den forventede løsladelse er inden for 90 dage."),
        ("goal", "active:1", "New goal: Family and network"),
        ("goal", "dropped:1", "Everyday life and conflicts: He moved away."),
        ("plan", "Custody constraints updated", ""),
        ("reentry", "Housing: In progress", ""),
        ("reentry", "Release date: 2027-01-15", "Was 2026-12-01."),
        ("status", "closed", "Ended early. He withdrew."),
        ("mentor", "Sofie Dahl", "Transfer to a distant institution. Too far away."),
        ("phase", "sentence", "Typed by the coordinator."),
    ]
    changes = MentorshipChange.objects.bulk_create(
        MentorshipChange(
            mentorship=mentorship, kind=kind, to_value=to, reason=why, occurred_at=timezone.now()
        )
        for kind, to, why in written
    )
    _migration().forwards(django_apps, None)
    with translation.override("da"):
        read = [
            (change.to_label(), change.reason_text())
            for change in MentorshipChange.objects.filter(pk__in=[c.pk for c in changes]).order_by(
                "id"
            )
        ]
    assert read == [
        ("Afsoning", "Fastsat ud fra frihedsberøvelsen."),
        ("Efterværn", "Hændelse under frihedsberøvelsen: Prøveløsladt den 03.10.2026."),
        ("Udslusning", "Den forventede løsladelse er inden for 90 dage."),
        ("Arbejdes der på", "Nyt mål: Familie og netværk"),
        ("Opgivet", "Hverdagsliv og konflikter: He moved away."),
        ("Rammerne under frihedsberøvelsen er opdateret", ""),
        ("Bolig: I gang", ""),
        ("Løsladelsesdato: 15.01.2027", "Var 01.12.2026."),
        ("Afsluttet", "Afbrudt før tid. He withdrew."),
        ("Sofie Dahl", "Overførsel til en fjern institution. Too far away."),
        ("Afsoning", "Typed by the coordinator."),
    ]
