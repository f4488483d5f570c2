"""Purposes a person stated in their session, for looks that are not routine (see
`access.require_stated_purpose`). A purpose holds for an hour, for the one record it was
given for, and is written into every event of those looks."""

import re
import time
from typing import Any

SESSION_KEY = "stated_purposes"
LIFETIME_SECONDS = 60 * 60
KEY_PATTERN = re.compile(r"(mentorship|mentee):[1-9][0-9]{0,17}|mentorships:closed")


def justification(reason: str, details: str) -> str:
    """How a stated purpose is written into the trail: a code, then the person's words."""
    return f"stated:{reason}:{details.strip()}"


def stated_in(session: Any) -> dict[str, str]:
    now = time.time()
    return {
        key: text
        for key, (text, until) in session.get(SESSION_KEY, {}).items()
        if until > now and KEY_PATTERN.fullmatch(key)
    }


def state(session: Any, key: str, text: str) -> None:
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"not a record that asks for a purpose: {key!r}")
    now = time.time()
    purposes = {k: v for k, v in session.get(SESSION_KEY, {}).items() if v[1] > now}
    purposes[key] = [text, now + LIFETIME_SECONDS]
    session[SESSION_KEY] = purposes
