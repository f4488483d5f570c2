"""Progress reviews: instruments as data (an invalid file refused with the problem named),
licences, what is due, recording a review and each item's trajectory."""

import copy
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.mentorships import alerts
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.mentorships.services import Refused
from backontrack.reviews import instruments, services
from backontrack.reviews.models import Instrument, Occasion, Review

from .conftest import alerts_rederived, demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db
DEFAULT = json.loads(instruments.DEFAULT.read_text(encoding="utf-8"))


def active() -> Mentorship:
    return demo_mentorship(MentorshipStatus.ACTIVE)


def load(tmp_path: Path, definition: object) -> str:
    path = tmp_path / "instrument.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    out = io.StringIO()
    call_command("load-instrument", str(path), stdout=out)
    return out.getvalue()


DELETE = object()


def broken(path: tuple, value: object) -> dict:
    """The shipped instrument as a new version, with one thing at `path` changed."""
    definition = copy.deepcopy(DEFAULT)
    definition["version"] = 99
    *parents, last = path
    target = definition
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return definition


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("domains",), DELETE, "'domains' is missing"),
        (("domains", 0, "items", 0, "kind"), "bad", "domains[0].items[0].kind: must be"),
        (("domains", 1, "items", 1, "code"), "prosocial_ties", "is used twice"),
        (("scale",), [DEFAULT["scale"][0]], "scale: needs at least two steps"),
        (("scale", 1, "value"), 0, "two steps have the same value"),
        (("domains", 2, "name"), {"da": "kun dansk"}, "domains[2].name: needs an English"),
        (("version",), 0, "version: must be a whole number from 1"),
        (("domains", 0, "items"), [], "domains[0].items: needs at least one item"),
        (("version",), True, "version: must be a whole number from 1"),
        (("domains", 0, "items", 0, "code"), "x" * 65, "a code of 1 to 64"),
        (("scale", 1, "value"), 10**6, "scale[1].value: must be a whole number"),
        (("name", "en"), "x" * 501, "name.en: longer than 500 characters"),
    ],
)
def test_an_invalid_instrument_file_is_refused_naming_the_problem(
    tmp_path: Path, path: tuple, value: object, message: str
) -> None:
    with pytest.raises(CommandError) as refused:
        load(tmp_path, broken(path, value))
    assert message in str(refused.value)
    assert not Instrument.objects.filter(version=99).exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [("[" * 100_000, "nested too deeply"), (" " * (300 * 1024), "larger than 256 KB")],
)
def test_a_pathological_file_is_refused(tmp_path: Path, raw: str, message: str) -> None:
    path = tmp_path / "instrument.json"
    path.write_text(raw, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("load-instrument", str(path))


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "instrument.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load-instrument", str(path))


def test_a_loaded_version_never_changes(tmp_path: Path) -> None:
    assert Instrument.objects.filter(code="bot-desistance", version=1).exists()  # shipped
    assert "already loaded, unchanged" in load(tmp_path, DEFAULT)
    changed = copy.deepcopy(DEFAULT)
    changed["domains"][0]["name"]["en"] = "Friends"
    with pytest.raises(CommandError, match="give the changed instrument a new version"):
        load(tmp_path, changed)
    changed["version"] = 2
    assert "loaded." in load(tmp_path, changed)


def _post(mentorship: Mentorship, values: dict[str, str], **extra: str) -> dict[str, str]:
    data = {"occasion": "intake", "held_on": timezone.localdate().isoformat(), **extra}
    for item in Instrument.objects.get(code="bot-desistance", version=1).items():
        data[f"rating_{item['code']}"] = values.get(item["code"], "unknown")
    return data


def test_the_mentor_records_reviews_and_sees_each_items_trajectory() -> None:
    mentorship = active()
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    page = client.get(f"/mentorships/{mentorship.pk}/reviews/").content.decode()
    assert "Due now: Intake" in page
    response = client.post(
        f"/mentorships/{mentorship.pk}/reviews/new/",
        _post(
            mentorship,
            {"prosocial_ties": "0", "group_ties": "2"},
            held_on=(timezone.localdate() - timedelta(days=30)).isoformat(),
            evidence_group_ties="Still writes to the group every week.",
        ),
    )
    assert response.status_code == 302
    response = client.post(
        f"/mentorships/{mentorship.pk}/reviews/new/",
        _post(mentorship, {"prosocial_ties": "2", "group_ties": "2"}, occasion="periodic"),
    )
    assert response.status_code == 302
    assert Review.objects.filter(mentorship=mentorship).count() == 2
    page = client.get(f"/mentorships/{mentorship.pk}/reviews/").content.decode()
    assert "Still writes to the group every week." in page
    rows = page.split("<tr>")
    prosocial = next(r for r in rows if "people outside criminal and extremist circles" in r)
    assert "Not present" in prosocial and "Clearly present" in prosocial and "better" in prosocial
    group = next(r for r in rows if "Keeps close ties to an extremist group" in r)
    assert "the same" in group


def test_an_incomplete_review_is_refused_and_keeps_what_was_entered() -> None:
    mentorship = active()
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    data = _post(mentorship, {"prosocial_ties": "1"}, summary="Calmer this month.")
    del data["rating_group_ties"]
    response = client.post(f"/mentorships/{mentorship.pk}/reviews/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and "This field is required" in html
    assert "Calmer this month." in html
    assert not Review.objects.filter(mentorship=mentorship).exists()


def test_a_licensed_instrument_is_rated_only_by_certified_users(tmp_path: Path) -> None:
    licensed = copy.deepcopy(DEFAULT)
    licensed.update(code="licensed-tool", requires_licence=True)
    load(tmp_path, licensed)
    instrument = Instrument.objects.get(code="licensed-tool")
    mentorship = active()
    mentor = mentorship.mentor.user
    assert mentor is not None
    assert instrument not in services.current_instruments(mentor)
    ratings = [services.ItemRating(i["code"], None, "") for i in instrument.items()]
    with pytest.raises(Refused, match="needs a licence"):
        services.review_record(
            actor=mentor,
            mentorship=mentorship,
            instrument=instrument,
            occasion="intake",
            held_on=timezone.localdate(),
            ratings=ratings,
            summary="",
        )
    call_command(
        "certify-rater", mentor.username, "licensed-tool", by="coordinator", stdout=io.StringIO()
    )
    assert instrument in services.current_instruments(mentor)
    services.review_record(
        actor=mentor,
        mentorship=mentorship,
        instrument=instrument,
        occasion="intake",
        held_on=timezone.localdate(),
        ratings=ratings,
        summary="",
    )


def test_reviews_fall_due_at_intake_every_six_months_and_before_release() -> None:
    mentorship = active()
    today = date(2026, 6, 1)
    assert services.due(mentorship, [], None, today) == [Occasion.INTAKE]
    intake = Review(occasion=Occasion.INTAKE, held_on=today - timedelta(days=179))
    assert services.due(mentorship, [intake], None, today) == []
    intake.held_on = today - timedelta(days=180)
    assert services.due(mentorship, [intake], None, today) == [Occasion.PERIODIC]
    intake.held_on = today
    assert services.due(mentorship, [intake], today + timedelta(days=61), today) == []
    assert services.due(mentorship, [intake], today + timedelta(days=60), today) == [
        Occasion.PRE_RELEASE
    ]


def test_the_coach_reads_the_reviews_and_records_none() -> None:
    mentorship = active()
    coach = signed_in_client(mentorship.coach.user.username)  # type: ignore[union-attr]
    assert coach.get(f"/mentorships/{mentorship.pk}/reviews/").status_code == 200
    assert coach.get(f"/mentorships/{mentorship.pk}/reviews/new/").status_code == 404
    with pytest.raises(Refused):
        services.review_record(
            actor=User.objects.get(username=mentorship.coach.user.username),  # type: ignore[union-attr]
            mentorship=mentorship,
            instrument=Instrument.objects.get(code="bot-desistance"),
            occasion="intake",
            held_on=timezone.localdate(),
            ratings=[],
            summary="",
        )


def _review_alerts(mentorship: Mentorship, today: date) -> list[str]:
    found = alerts.alerts(Mentorship.objects.filter(pk=mentorship.pk), today=today)
    return [a.text for a in found if a.kind == "review"]


@pytest.mark.parametrize(("days", "alert"), [(29, False), (30, True)])
def test_a_missing_intake_review_is_flagged_after_30_days(days: int, alert: bool) -> None:
    mentorship = active()
    started = mentorship.initial_meeting_on
    assert started is not None
    assert bool(_review_alerts(mentorship, started + timedelta(days=days))) is alert


@pytest.mark.parametrize(("days", "alert"), [(179, False), (180, True)])
def test_a_periodic_review_is_flagged_six_months_after_the_last(days: int, alert: bool) -> None:
    mentorship = active()
    held = mentorship.initial_meeting_on
    assert held is not None
    Review.objects.create(
        mentorship=mentorship,
        instrument=Instrument.objects.get(code="bot-desistance", version=1),
        occasion=Occasion.INTAKE,
        held_on=held,
        recorded_by=User.objects.get(username="coordinator"),
    )
    alerts_rederived()
    texts = _review_alerts(mentorship, held + timedelta(days=days))
    assert ("A periodic progress review is due." in texts) is alert


def test_the_review_alert_reaches_the_coachs_home_page() -> None:
    mentorship = active()
    Mentorship.objects.filter(pk=mentorship.pk).update(
        initial_meeting_on=timezone.localdate() - timedelta(days=40)
    )
    alerts_rederived()
    coach = signed_in_client(mentorship.coach.user.username)  # type: ignore[union-attr]
    assert "The intake review is overdue" in coach.get("/").content.decode()
