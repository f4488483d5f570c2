"""How a page's visible text is searched for the other language: the words of the app's
English messages that no Danish message uses (and the other way round), with the names of the
demo's people, organisations and programmes left out as the same in both languages. Used by
the access matrix's walk (every page each persona opens, read in Danish), the Danish walks and
the browser suite."""

import re
from functools import cache
from html.parser import HTMLParser

from django.conf import settings

from backontrack.accounts.models import Institution, Organisation, User
from backontrack.mentees.models import Mentee
from backontrack.mentors.curriculum import MODULES
from backontrack.mentors.models import Mentor
from backontrack.network.models import NetworkMember
from backontrack.programmes.models import Programme

from .conftest import PERSONA_NAMES

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
