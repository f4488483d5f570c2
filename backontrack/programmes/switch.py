"""The programme switch of the list pages, for people who take part in several programmes:
all of them at once, or one (`?programme=<id>`); a page that works on one programme at a
time (matching) always has one chosen."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Programme

PARAMETER = "programme"


@dataclass(frozen=True)
class ProgrammeSwitch:
    choices: list[Programme]
    chosen: Programme | None
    # Whether "all my programmes" is offered (a page of one programme at a time has no "all").
    offers_all: bool
    # The page's other query parameters, kept when the programme changes.
    keep: list[tuple[str, str]]

    @property
    def shown(self) -> bool:
        return len(self.choices) > 1


def programme_switch(
    request: HttpRequest, programmes: QuerySet[Programme], *, one_at_a_time: bool = False
) -> ProgrammeSwitch:
    choices = list(programmes.order_by("-is_default", "name", "id"))
    asked = request.GET.get(PARAMETER, "")
    chosen = next((p for p in choices if str(p.pk) == asked), None)
    if chosen is None and choices and (one_at_a_time or len(choices) == 1):
        chosen = choices[0]
    keep = [
        (name, value)
        for name, values in request.GET.lists()
        if name not in (PARAMETER, "page")
        for value in values
    ]
    return ProgrammeSwitch(choices, chosen, not one_at_a_time, keep)
