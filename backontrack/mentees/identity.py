"""The Danish personal identification number (CPR): DDMMYY-SSSS."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backontrack.core.crypto import blind_index

INDEX_CONTEXT = "mentees.mentee.personal_id"
_SHAPE = re.compile(r"^\s*(\d{6})[-\s]?(\d{4})\s*$")


def normalise(value: str) -> str:
    """DDMMYYSSSS, or a ValidationError saying what is wrong."""
    match = _SHAPE.match(value or "")
    if not match:
        raise ValidationError(
            _("Enter the number as 10 digits, DDMMYY-SSSS, for example 010190-1234."),
            code="shape",
        )
    digits = match.group(1) + match.group(2)
    day, month = int(digits[0:2]), int(digits[2:4])
    try:
        date(2000, month, day)  # a leap year, so 29 February passes
    except ValueError:
        raise ValidationError(
            _("The first six digits must be a date of birth (DDMMYY)."), code="date"
        ) from None
    return digits


def formatted(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}"


def index_for(digits: str) -> str:
    return blind_index(digits, context=INDEX_CONTEXT)


def matches_date_of_birth(digits: str, born: date) -> bool:
    # Not strftime, which asks the C library's locale each time: the import asks this a row.
    return digits[:6] == f"{born.day:02d}{born.month:02d}{born.year % 100:02d}"
