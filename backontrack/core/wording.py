"""Sentences the system writes about what happened — a history line, a timeline entry — are
kept as a code and its parameters and put into words when shown, in the reader's language:
what is stored never freezes the language of whoever happened to cause it. Text a person
typed is kept and shown as typed."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.utils import formats
from django.utils.functional import Promise


@dataclass(frozen=True)
class Wording:
    """One sentence with `%(name)s` placeholders (translatable, or a bare pattern of
    parameters such as a domain and its status). A parameter named in `choices` holds a
    choice's code and is shown by its label; one named in `dates` holds an ISO date (or
    nothing) and is shown in the reader's date format."""

    text: Promise | str
    choices: Mapping[str, type[models.Choices]] = field(default_factory=dict)
    dates: tuple[str, ...] = ()

    def render(self, params: Mapping[str, object]) -> str:
        values: dict[str, object] = {}
        for name, value in params.items():
            if name in self.choices:
                values[name] = _label(self.choices[name], value)
            elif name in self.dates:
                values[name] = _day(value)
            else:
                values[name] = value
        return str(self.text) % values


def _label(choices: type[models.Choices], value: object) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def _day(value: object) -> str:
    if not value:
        return "—"
    try:
        return formats.date_format(date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
    except ValueError:
        return str(value)


def in_words(
    wordings: Mapping[str, Wording], code: str, params: Mapping[str, object] | None
) -> str | None:
    """The sentence for `code` in the active language, or None when the code is not one of
    `wordings` (text written before codes were, which is shown as it was written)."""
    wording = wordings.get(code)
    if wording is None:
        return None
    try:
        return wording.render(params or {})
    except (KeyError, TypeError, ValueError):
        return str(wording.text)


def with_typed(generated: str, typed: str) -> str:
    """A generated sentence followed by what a person typed with it."""
    if not generated or not typed:
        return generated or typed
    separator = " " if generated.endswith((".", "!", "?")) else ": "
    return f"{generated}{separator}{typed}"
