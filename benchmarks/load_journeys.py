"""The journeys of `benchmarks/load_test.py`, as locust users (not run by itself).

Mentors record meetings of their mentorships and read their home and the mentorship's page;
coordinators read their home and their mentees' pages; auditors read the trail. Each user
takes a signed-in session from the file named by BACKONTRACK_LOAD_SESSIONS, which
load_test.py writes. A meeting counts as recorded only when the form answers with the
redirect that follows a save; a form shown again (refused) is a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from locust import HttpUser, between, task

with open(os.environ["BACKONTRACK_LOAD_SESSIONS"]) as sessions_file:
    SESSIONS: dict[str, list[dict[str, Any]]] = json.load(sessions_file)
PROGRAMME_TIME = ZoneInfo(os.environ.get("BACKONTRACK_TIME_ZONE", "Europe/Copenhagen"))
_next = {role: itertools.cycle(sessions) for role, sessions in SESSIONS.items()}


# What a page says about a refused form: the messages at its top and under its fields.
_MESSAGE = r'class="(?:form-error-message|alert-text)"[^>]*>([^<]+)'


class _HiddenFields(HTMLParser):
    """The hidden inputs of a page's form (the CSRF token, the form's one-use token, the
    version of the record it edits)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.fields[found["name"] or ""] = found.get("value") or ""


class _SignedIn(HttpUser):
    abstract = True
    role = ""
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.persona = next(_next[self.role])
        # Set by hand: the demo serves plain HTTP, and the cookie is the persona's session.
        self.client.cookies.set("backontrack_session", self.persona["session"])

    def _page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as got:
            if got.status_code != 200:
                got.failure(f"{got.status_code} for {path}")


class Mentor(_SignedIn):
    role = "mentor"
    weight = 3

    @task(3)
    def record_a_meeting(self) -> None:
        """Today's meeting; when the form says one of that kind is already recorded today,
        the mentor ticks the box that there really were two and sends it again."""
        mentorship = random.choice(self.persona["mentorships"])  # noqa: S311 (not a secret)
        path = f"/mentorships/{mentorship}/meetings/new/"
        form = self.client.get(path, name="meeting form")
        data = {
            "occurred_on": datetime.now(PROGRAMME_TIME).date().isoformat(),
            "kind": random.choice(["prison_visit", "phone", "video"]),  # noqa: S311
            "outcome": "held",
            "duration_minutes": "45",
            "facts": "We talked about work in the kitchen and the next visit.",
        }
        for name in ("record a meeting", "record a second meeting that day"):
            if form.status_code != 200:
                return
            hidden = _HiddenFields()
            hidden.feed(form.text)
            with self.client.post(
                path,
                data={**data, **hidden.fields},
                name=name,
                allow_redirects=False,
                catch_response=True,
            ) as saved:
                if saved.status_code == 302:
                    return
                if "second_meeting" in saved.text and "second_meeting" not in data:
                    data["second_meeting"] = "on"
                    form = saved
                    continue
                said = re.findall(_MESSAGE, saved.text)
                saved.failure(f"{saved.status_code}, not saved: {' '.join(said)[:120]}")
                return

    @task(1)
    def home(self) -> None:
        self._page("/", "mentor: home")

    @task(2)
    def mentorship(self) -> None:
        mentorship = random.choice(self.persona["mentorships"])  # noqa: S311
        self._page(f"/mentorships/{mentorship}/", "mentor: mentorship page")


class Coordinator(_SignedIn):
    role = "coordinator"
    weight = 2

    @task(1)
    def home(self) -> None:
        self._page("/", "coordinator: home")

    @task(2)
    def mentee(self) -> None:
        mentee = random.choice(self.persona["mentees"])  # noqa: S311
        self._page(f"/mentees/{mentee}/", "coordinator: mentee page")


class Auditor(_SignedIn):
    role = "auditor"
    weight = 1

    @task(2)
    def trail(self) -> None:
        self._page("/audit/", "auditor: trail")

    @task(1)
    def older(self) -> None:
        self._page(f"/audit/?page={random.randint(2, 5)}", "auditor: trail, older page")  # noqa: S311
