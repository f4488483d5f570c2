"""Reads of progress reviews: each loads through the access policy and records what it
showed, about whom, in the same call."""

from dataclasses import dataclass

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.mentorships.models import Mentorship
from backontrack.mentorships.selectors import mentorship_shown

from .models import Review

# The reviews shown side by side: the latest ones (the page says how many there are).
COLUMNS = 8


@dataclass
class Reviews:
    mentorship: Mentorship
    every: list[Review]  # all of them, oldest first: what is due depends on them all
    shown: list[Review]  # the latest COLUMNS, whose ratings the page shows


def reviews_page(user: object, pk: int) -> Reviews:
    """The reviews of the mentorship the user may see (404 otherwise)."""
    mentorship = mentorship_shown(user, pk, ["name"], f"reviews of mentorship #{pk}")
    every = list(access.reviews_of(user, mentorship))
    shown = every[-COLUMNS:]
    if shown:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Review._meta.label_lower,
            object_ids=[r.pk for r in shown],
            fields=["occasion", "held_on", "ratings", "evidence", "summary"],
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    return Reviews(mentorship=mentorship, every=every, shown=shown)
