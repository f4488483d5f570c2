"""The prison register's import: everything checked before anything is written, each bad
row named by line and column, a re-run changes nothing, custody events move phases as the
hand-entered ones do."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from backontrack.accounts.models import Institution, User
from backontrack.accounts.step_up import SteppedUp
from backontrack.api import services as api_services
from backontrack.mentees.models import CustodyEvent, Mentee
from backontrack.programmes.models import Programme

from .conftest import demo_mentorship

pytestmark = pytest.mark.django_db

HEADER = (
    "person_id,event_id,event,occurred_on,first_name,last_name,date_of_birth,personal_id,"
    "gender,institution,expected_release_date,data_subject_category\n"
)


def row(n: int, **changes: str) -> str:
    values = {
        "person_id": f"P{n}",
        "event_id": f"E{n}",
        "event": "admission",
        "occurred_on": "2026-10-01",
        "first_name": "Test",
        "last_name": f"Person{n}",
        "date_of_birth": "1990-01-15",
        "personal_id": f"150190-{1000 + n}",
        "gender": "male",
        "institution": Institution.objects.order_by("id").first().name,  # type: ignore[union-attr]
        "expected_release_date": "",
        "data_subject_category": "",
        **changes,
    }
    return ",".join(values.values()) + "\n"


def run(tmp_path: Path, text: str, *args: str) -> tuple[str, str]:
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import-register", str(path), "--as", "coordinator", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_bad_row_in_the_middle_writes_nothing_and_is_named(tmp_path: Path) -> None:
    before = (Mentee.objects.count(), CustodyEvent.objects.count())
    text = HEADER + row(1) + row(2, date_of_birth="1990-13-01", gender="x") + row(3)
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    errors = io.StringIO()
    with pytest.raises(CommandError, match="1 of 3 rows are bad: nothing was imported"):
        call_command("import-register", str(path), "--as", "coordinator", stderr=errors)
    assert (Mentee.objects.count(), CustodyEvent.objects.count()) == before
    err = errors.getvalue()
    assert "line 3, column date_of_birth: Enter a date as YYYY-MM-DD." in err
    assert "line 3, column gender" in err
    assert "line 2" not in err and "line 4" not in err


def test_an_import_run_again_changes_nothing(tmp_path: Path) -> None:
    text = HEADER + row(1) + row(1, event_id="E1b", event="sentencing", occurred_on="2026-11-01")
    out, _err = run(tmp_path, text)
    assert "1 people and 2 events added" in out
    person = Mentee.objects.get(register_id="P1")
    assert person.custody_status == "sentenced"
    versions = list(Mentee.objects.values_list("id", "version"))
    events = CustodyEvent.objects.count()
    out, _err = run(tmp_path, text)
    assert "0 people and 0 events added, 2 rows already imported" in out
    assert list(Mentee.objects.values_list("id", "version")) == versions
    assert CustodyEvent.objects.count() == events


def test_with_skip_bad_the_good_rows_are_written(tmp_path: Path) -> None:
    out, err = run(tmp_path, HEADER + row(1) + row(2, event="escape") + row(3), "--skip-bad")
    assert "2 people and 2 events added" in out
    assert "line 3, column event" in err
    assert not Mentee.objects.filter(register_id="P2").exists()


def test_a_release_from_the_register_moves_the_mentorship_as_by_hand(tmp_path: Path) -> None:
    mentorship = demo_mentorship("active")
    mentee = mentorship.mentee
    # Registered by hand, before the register was connected: found by the number.
    Mentee.objects.filter(pk=mentee.pk).update(register_id=None)
    digits = mentee.personal_id.replace("-", "")
    text = HEADER + row(
        9,
        event="release",
        first_name=mentee.first_name,
        last_name=mentee.last_name,
        date_of_birth=mentee.date_of_birth.isoformat(),
        personal_id=digits,
        gender=mentee.gender,
        data_subject_category=mentee.data_subject_category,
        occurred_on="2026-11-30",
    )
    run(tmp_path, text)
    mentee.refresh_from_db()
    mentorship.refresh_from_db()
    assert mentee.register_id == "P9"
    assert mentee.custody_status == "released"
    assert mentorship.phase == "aftercare"


def test_a_system_client_imports_through_the_api(tmp_path: Path) -> None:
    coordinator = User.objects.get(username="coordinator")
    _client, secret = api_services.client_create(
        actor=coordinator,
        name="Register",
        programme=Programme.objects.default(),
        proof=SteppedUp(user_id=coordinator.pk, at=timezone.now()),
    )
    caller = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    bad: Any = caller.post(
        "/api/v1/register/import", HEADER + row(1) + row(2, occurred_on="soon"), "text/csv"
    )
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "line 3: occurred_on"
    assert not Mentee.objects.filter(register_id="P1").exists()
    good = caller.post("/api/v1/register/import", HEADER + row(1), "text/csv")
    assert good.status_code == 200, good.content
    assert good.json()["people_added"] == 1
    assert Mentee.objects.get(register_id="P1").programme == Programme.objects.default()
