"""Days are Copenhagen days, whatever the server's clock says.

The users are in Copenhagen (TIME_ZONE); a server may keep UTC. Each test here freezes the
clock around a Copenhagen midnight with the process's own zone set to UTC, as on such a
server: at 23:30 UTC on 1 December it is already 2 December in Copenhagen (UTC+1 in winter),
and a day taken from the server's clock (`date.today()`) or from a UTC datetime
(`timezone.now().date()`) would be the day before. Last, a guard over the source keeps
those calls from coming back."""

import ast
import io
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from backontrack.accounts.models import User
from backontrack.mentees.models import CustodyEvent, Mentee
from backontrack.mentorships.models import (
    Meeting,
    Mentorship,
    MentorshipChange,
    MentorshipStatus,
    Phase,
)
from backontrack.programmes.models import Programme

from .conftest import alerts_rederived, demo_mentorship, signed_in_client

UTC = ZoneInfo("UTC")
ROOT = Path(__file__).resolve().parent.parent

# (the moment in UTC, the day it is in Copenhagen)
BEFORE_MIDNIGHT = (datetime(2026, 12, 1, 22, 30, tzinfo=UTC), date(2026, 12, 1))  # 23:30 CET
AFTER_MIDNIGHT = (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), date(2026, 12, 2))  # 00:30 CET
LATER_IN_UTC = (datetime(2026, 12, 2, 0, 30, tzinfo=UTC), date(2026, 12, 2))  # 01:30 CET
SUMMER_NIGHT = (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), date(2026, 7, 1))  # 00:30 CEST
# The Copenhagen day that begins between BEFORE_MIDNIGHT and AFTER_MIDNIGHT.
NEW_DAY = date(2026, 12, 2)
AROUND_MIDNIGHT = pytest.mark.parametrize(
    ("moment", "local_day"),
    [BEFORE_MIDNIGHT, AFTER_MIDNIGHT, LATER_IN_UTC],
    ids=["23:30-copenhagen", "00:30-copenhagen", "00:30-utc"],
)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """The clock stopped at `moment`, and the process's zone UTC: time-machine sets it from
    the destination's ZoneInfo. The server's own calendar then says the UTC day."""
    with time_machine.travel(moment, tick=False):
        assert time.strftime("%Y-%m-%d") == moment.date().isoformat()
        yield


def started_mentorship(phase: str = Phase.SENTENCE) -> Mentorship:
    """The demo's active mentorship, begun well before the frozen days, in `phase`, with no
    release date to raise other alerts. Its meetings, which the demo dates back from the day
    it was loaded, move to its initial meeting's day: one on a frozen day would make a
    meeting recorded there a second one of the day."""
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    Mentorship.objects.filter(pk=mentorship.pk).update(
        phase=phase,
        initial_meeting_on=date(2026, 1, 5),
        created_at=datetime(2026, 1, 2, 9, tzinfo=UTC),
    )
    Meeting.objects.filter(mentorship=mentorship).update(occurred_on=date(2026, 1, 5))
    Mentee.objects.filter(pk=mentorship.mentee_id).update(expected_release_date=None)
    alerts_rederived()
    return demo_mentorship(MentorshipStatus.ACTIVE)


def mentor_of(mentorship: Mentorship) -> str:
    assert mentorship.mentor.user is not None
    return str(mentorship.mentor.user.username)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "local_day"),
    [BEFORE_MIDNIGHT, AFTER_MIDNIGHT, LATER_IN_UTC, SUMMER_NIGHT],
    ids=["23:30-copenhagen", "00:30-copenhagen", "00:30-utc", "00:30-copenhagen-summer"],
)
def test_a_meeting_recorded_just_after_midnight_is_dated_the_copenhagen_day(
    moment: datetime, local_day: date
) -> None:
    mentorship = started_mentorship()
    url = f"/mentorships/{mentorship.pk}/meetings/new/"
    with clock_at(moment):
        mentor = signed_in_client(mentor_of(mentorship))
        form = mentor.get(url).context["form"]
        assert form["occurred_on"].value() == local_day
        data = {
            "version": "0",
            "kind": "prison_visit",
            "outcome": "held",
            "duration_minutes": "45",
            "facts": "A late visit.",
        }
        tomorrow = (local_day + timedelta(days=1)).isoformat()
        refused = mentor.post(url, {**data, "occurred_on": tomorrow})
        assert "A meeting cannot be recorded before it has taken place." in refused.content.decode()
        response = mentor.post(url, {**data, "occurred_on": local_day.isoformat()})
        assert response.status_code == 302
    meeting = Meeting.objects.filter(mentorship=mentorship).latest("id")
    assert (meeting.occurred_on, meeting.facts) == (local_day, "A late visit.")


@pytest.mark.django_db
@AROUND_MIDNIGHT
def test_the_no_meeting_alert_starts_on_the_copenhagen_day(
    settings: Any, moment: datetime, local_day: date
) -> None:
    Programme.objects.update(no_meeting_days=14)
    mentorship = started_mentorship(Phase.SENTENCE)
    # Fifteen days before the new day: quiet for too long from Copenhagen's midnight on.
    Meeting.objects.filter(mentorship=mentorship).update(
        occurred_on=NEW_DAY - timedelta(days=15), outcome=Meeting.Outcome.HELD
    )
    alerts_rederived()
    with clock_at(moment):
        home = signed_in_client(mentor_of(mentorship)).get("/")
    shown = [
        alert
        for alert in home.context["mentor_alerts"]
        if alert.mentorship.pk == mentorship.pk and alert.kind == "no_meeting"
    ]
    assert bool(shown) is (local_day >= NEW_DAY)


@pytest.mark.django_db
@AROUND_MIDNIGHT
def test_the_daily_move_into_re_entry_happens_on_the_copenhagen_day(
    settings: Any, moment: datetime, local_day: date
) -> None:
    Programme.objects.update(re_entry_days=90)
    mentorship = started_mentorship(Phase.SENTENCE)
    Mentee.objects.filter(pk=mentorship.mentee_id).update(
        expected_release_date=NEW_DAY + timedelta(days=90)
    )
    with clock_at(moment):
        call_command("send-alerts", stdout=io.StringIO())
    mentorship.refresh_from_db()
    moved = local_day >= NEW_DAY
    assert mentorship.phase == (Phase.RE_ENTRY if moved else Phase.SENTENCE)
    if moved:
        change = mentorship.changes.filter(kind=MentorshipChange.Kind.PHASE).latest("id")
        assert (change.to_value, change.occurred_at) == (Phase.RE_ENTRY, moment)


@pytest.mark.django_db
def test_a_phase_move_after_midnight_is_dated_the_copenhagen_day_on_the_timeline() -> None:
    """Released at 00:30 in Copenhagen (23:30 UTC the day before): the custody event is
    dated the Copenhagen day, the phase move it causes is on the same day of the timeline."""
    mentorship = started_mentorship(Phase.SENTENCE)
    moment, local_day = AFTER_MIDNIGHT
    with clock_at(moment):
        coordinator = signed_in_client("coordinator")
        response = coordinator.post(
            f"/mentees/{mentorship.mentee_id}/custody/new/",
            {"kind": "release", "occurred_on": local_day.isoformat()},
        )
        assert response.status_code == 302
        mentor = signed_in_client(mentor_of(mentorship))
        url = f"/mentorships/{mentorship.pk}/timeline/"
        phases = mentor.get(url + "?kind=phase").context["page"]
        custody = mentor.get(url + "?kind=custody").context["page"]
    mentorship.refresh_from_db()
    assert mentorship.phase == Phase.AFTERCARE
    change = mentorship.changes.filter(kind=MentorshipChange.Kind.PHASE).latest("id")
    event = CustodyEvent.objects.filter(mentee_id=mentorship.mentee_id).latest("id")
    assert (change.to_value, event.kind, event.occurred_on) == (
        Phase.AFTERCARE,
        "release",
        local_day,
    )
    assert {item.pk: when for when, _, _, item in phases}[change.pk] == local_day
    assert {item.pk: when for when, _, _, item in custody}[event.pk] == local_day


@pytest.mark.django_db
def test_the_timeline_begins_on_the_copenhagen_day_the_mentorship_was_created() -> None:
    """Created at 00:30 in Copenhagen on 2 December (23:30 UTC on the 1st): a custody event
    of 1 December is from before the mentorship and not on its timeline; one of the 2nd is."""
    mentorship = started_mentorship(Phase.SENTENCE)
    moment, local_day = AFTER_MIDNIGHT
    Mentorship.objects.filter(pk=mentorship.pk).update(created_at=moment)
    before, on_the_day = (
        CustodyEvent.objects.create(
            mentee_id=mentorship.mentee_id,
            kind="transfer",
            occurred_on=day,
            recorded_by=User.objects.get(username="coordinator"),
        )
        for day in (local_day - timedelta(days=1), local_day)
    )
    with clock_at(moment + timedelta(hours=1)):
        timeline = signed_in_client(mentor_of(mentorship)).get(
            f"/mentorships/{mentorship.pk}/timeline/?kind=custody"
        )
    shown = {item.pk for _, _, _, item in timeline.context["page"]}
    assert on_the_day.pk in shown and before.pk not in shown


# The guard. Ruff's flake8-datetimez rules (DTZ, pyproject.toml) refuse date.today(),
# datetime.now() without a zone, datetime.utcnow() and the like; what they cannot see is a
# day taken from an aware datetime, which is the UTC day for every datetime Django hands
# out (timezone.now(), a DateTimeField). So no `.date()` in backontrack/: the day of a
# datetime is `timezone.localdate(value)`, today is `timezone.localdate()`.


def day_of_datetime_calls(source: str) -> list[int]:
    """The lines of `<something>.date()` calls in this Python source."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "date"
        and not node.args
        and not node.keywords
    ]


@pytest.mark.engine_independent
def test_the_guard_finds_a_day_taken_from_a_datetime() -> None:
    assert day_of_datetime_calls("day = timezone.now().date()\n") == [1]
    assert day_of_datetime_calls("x = 1\nday = meeting.recorded_at.date()\n") == [2]
    assert day_of_datetime_calls("day = timezone.localdate(meeting.recorded_at)\n") == []
    assert day_of_datetime_calls("field = forms.DateField()\n") == []


@pytest.mark.engine_independent
def test_no_day_in_backontrack_is_taken_from_a_datetime() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "backontrack").rglob("*.py"))
        for line in day_of_datetime_calls(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "Use timezone.localdate(value) for the day of a datetime: " + ", ".join(
        found
    )


@pytest.mark.engine_independent
def test_ruff_refuses_naive_dates_and_times() -> None:
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"][
        "lint"
    ]
    assert "DTZ" in lint["select"]
    assert not any(rule.startswith("DTZ") for rule in lint.get("ignore", []))
    assert not any(
        rule.startswith("DTZ")
        for pattern, rules in lint.get("per-file-ignores", {}).items()
        if pattern.startswith("backontrack")
        for rule in rules
    )
