"""Does a lesson's text name someone in the programme? The words of the text are compared
with the names of the programme's mentees (in SQL: the register's names are plaintext, and
compared exactly, in the forms a typed word may take) and with the names of their networks
(encrypted: opened here, for the mentees mentored in the programme only). The answer names
nobody: the caller learns only whose names matched, as ids, for the audit trail."""

import re
from collections.abc import Iterable
from itertools import pairwise

from django.db.models import Q

from backontrack.core import access
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship
from backontrack.network.models import NetworkMember
from backontrack.programmes.models import Programme

WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
# A network member's name is free text ("Yusuf, brother"): its parts this short are not
# compared, nor are the register's one-letter names.
SHORTEST_PART = 3


def words_of(texts: Iterable[str]) -> set[str]:
    """The text's words and pairs of neighbouring words (for two-part names), case-folded."""
    found: set[str] = set()
    for text in texts:
        words = [w.casefold() for w in WORD.findall(text)]
        found.update(w for w in words if len(w) >= 2)
        found.update(f"{a} {b}" for a, b in pairwise(words))
    return found


def _spellings(words: set[str]) -> set[str]:
    """The ways a name may be stored that a word of the text matches: exact comparisons,
    so that the same answer comes from every engine (SQLite folds only ASCII letters)."""
    spellings: set[str] = set()
    for word in words:
        spellings |= {word, word.capitalize(), word.title(), word.upper()}
    return spellings


def people_named(programme: Programme, texts: Iterable[str]) -> list[int]:
    """The ids of the programme's mentees whose name, or the name of someone in whose
    network, appears in the texts: two queries, whatever the text."""
    words = words_of(texts)
    if not words:
        return []
    spellings = sorted(_spellings(words))
    named = set(
        Mentee.objects.filter(access.in_programmes([programme.pk]))
        .filter(Q(first_name__in=spellings) | Q(last_name__in=spellings))
        .values_list("pk", flat=True)
    )
    mentored = Mentorship.objects.filter(programme=programme).values("mentee_id")
    for member in NetworkMember.objects.filter(mentee_id__in=mentored).only(
        "pk", "row_key", "mentee_id", "name"
    ):
        if member.mentee_id in named:
            continue
        name = member.name.casefold()
        parts = [part for part in WORD.findall(name) if len(part) >= SHORTEST_PART]
        if name.strip() in words or any(part in words for part in parts):
            named.add(member.mentee_id)
    return sorted(named)
