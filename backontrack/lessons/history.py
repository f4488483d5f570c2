"""A lesson's history in words, in the reader's language (stored as codes, core.wording)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from backontrack.core.wording import Wording, in_words

from .models import LessonChange, LessonStatus

WORDINGS: dict[str, Wording] = {
    LessonChange.Kind.PROPOSED: Wording(_("Proposed")),
    LessonChange.Kind.EDITED: Wording(
        _("Changed by its author; the earlier wording is kept as version %(version)s")
    ),
    LessonChange.Kind.MOVED: Wording(
        _("%(from)s → %(to)s"), choices={"from": LessonStatus, "to": LessonStatus}
    ),
}
CONFIRMED = _("The author confirmed that a word that looks like a name is not a person.")


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str
    note: str
    confirmed: bool


def history_of(changes: list[LessonChange]) -> list[HistoryLine]:
    return [
        HistoryLine(
            at=change.changed_at,
            who=str(change.changed_by),
            what=in_words(WORDINGS, change.kind, change.params) or change.kind,
            note=change.note,
            confirmed=bool(change.params.get("names_confirmed")),
        )
        for change in changes
    ]
