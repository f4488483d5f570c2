"""The range each kind of date may take, in one place for forms and services alike.

A date outside every sensible range (0001-01-01, 9999-12-31) is not merely wrong: pages
that count days from it or add days to it fail. Forms refuse it with a message that names
the allowed range; services refuse it again (`DateOutOfRange`) for callers that bypass
the forms."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

# No record of the scheme can predate the millennium: its programmes began long after.
PROGRAMME_EPOCH = date(2000, 1, 1)
LIFETIME_YEARS = 110
RELEASE_HORIZON_YEARS = 100


class DateOutOfRange(ValueError):
    """A service was given a date outside its range; the message says which is allowed."""


def years_before(day: date, years: int) -> date:
    return day - timedelta(days=round(365.25 * years))


def years_after(day: date, years: int) -> date:
    return day + timedelta(days=round(365.25 * years))


@dataclass(frozen=True)
class DateRange:
    earliest: Callable[[date], date]
    latest: Callable[[date], date]
    # Formatted with %(earliest)s and %(latest)s.
    message: Any

    def bounds(self) -> tuple[date, date]:
        today = timezone.localdate()
        return self.earliest(today), self.latest(today)

    def problem(self, day: date | None, *, too_late: Any = None) -> str | None:
        """Why `day` is refused, or None. `too_late` replaces the message for a date after
        the range, for fields that already say it in their own words."""
        if day is None:
            return None
        earliest, latest = self.bounds()
        if day > latest and too_late is not None:
            return str(too_late)
        if earliest <= day <= latest:
            return None
        return str(self.message) % {
            "earliest": formats.date_format(earliest, "DATE_FORMAT"),
            "latest": formats.date_format(latest, "DATE_FORMAT"),
        }

    def validator(self, *, too_late: Any = None) -> Callable[[date | None], None]:
        def validate(day: date | None) -> None:
            if (problem := self.problem(day, too_late=too_late)) is not None:
                raise forms.ValidationError(problem, code="date_range")

        return validate

    def require(self, day: date | None) -> None:
        if (problem := self.problem(day)) is not None:
            raise DateOutOfRange(problem)


def _today(day: date) -> date:
    return day


def _epoch(day: date) -> date:
    return PROGRAMME_EPOCH


BIRTH = DateRange(
    earliest=lambda today: years_before(today, LIFETIME_YEARS),
    latest=_today,
    message=_("A date of birth must be between %(earliest)s and today."),
)
# What happened in the person's life before or outside the programme: a conviction, a
# custody event (an admission may be decades old).
LIFE_EVENT = DateRange(
    earliest=lambda today: years_before(today, LIFETIME_YEARS),
    latest=_today,
    message=_("The date must be between %(earliest)s and today."),
)
# What happened within the programme: referrals, consents, meetings, check-ins, reviews,
# screening checks, sign-offs, closures.
PROGRAMME_EVENT = DateRange(
    earliest=_epoch,
    latest=_today,
    message=_("The date must be between %(earliest)s and today."),
)
RELEASE = DateRange(
    earliest=lambda today: years_before(today, LIFETIME_YEARS),
    latest=lambda today: years_after(today, RELEASE_HORIZON_YEARS),
    message=_("A release date must be between %(earliest)s and %(latest)s."),
)
GOAL_TARGET = DateRange(
    earliest=_epoch,
    latest=lambda today: years_after(today, 20),
    message=_("A target date must be between %(earliest)s and %(latest)s."),
)
EXPIRY = DateRange(
    earliest=_epoch,
    latest=lambda today: years_after(today, 50),
    message=_("A date of expiry must be between %(earliest)s and %(latest)s."),
)
SESSION = DateRange(
    earliest=_epoch,
    latest=lambda today: years_after(today, 5),
    message=_("A session must be between %(earliest)s and %(latest)s."),
)
AUDIT_SEARCH = DateRange(
    earliest=_epoch,
    latest=lambda today: years_after(today, 1),
    message=_("Search between %(earliest)s and %(latest)s."),
)


def not_before_birth(day: date | None, born: date | None) -> str | None:
    if day is None or born is None or day >= born:
        return None
    return str(_("The date is before the person's date of birth."))
