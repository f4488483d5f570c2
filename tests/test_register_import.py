"""The prison register's import: everything checked before anything is written, each bad
row named by line and column, a re-run changes nothing, custody events move phases as the
hand-entered ones do."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import Institution, User
from backontrack.accounts.step_up import SteppedUp
from backontrack.api import services as api_services
from backontrack.audit.models import Action, AuditEvent, AuditEventSubject
from backontrack.audit.services import ChainProblem, verify_chain
from backontrack.core import access
from backontrack.demo.loader import SPECIAL_SCHEME
from backontrack.mentees import register_import
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


def test_a_file_changed_between_the_check_and_the_writing_writes_nothing() -> None:
    """The second pass writes only the file the first checked: a row added (or an event
    duplicated) in between is not written unchecked, nor is anything else."""
    checked = HEADER + row(1) + row(2)
    changed = checked + row(3) + row(4, person_id="P1")
    opened = iter([checked, changed])
    before = (Mentee.objects.count(), CustodyEvent.objects.count())
    report = register_import.import_file(
        actor=User.objects.get(username="coordinator"),
        programme=Programme.objects.default(),
        open_file=lambda: io.StringIO(next(opened), newline=""),
    )
    assert report.file_changed and report.people_added == 0
    assert (Mentee.objects.count(), CustodyEvent.objects.count()) == before


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


def special_system() -> tuple[User, str]:
    """A system client of the second programme, whose register holds none of the default
    programme's people."""
    coordinator = User.objects.get(username="coordinator")
    client, secret = api_services.client_create(
        actor=coordinator,
        name="Special register",
        programme=Programme.objects.get(name=SPECIAL_SCHEME),
        proof=SteppedUp(user_id=coordinator.pk, at=timezone.now()),
    )
    return client.account, secret


def someone_elsewhere(account: User) -> Mentee:
    """A person of the default programme that the account may not write to."""
    writable = access.register_mentees_writable_by(account).values_list("pk", flat=True)
    person = Mentee.objects.exclude(pk__in=list(writable)).order_by("id").first()
    assert person is not None
    return person


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.REFUSE).order_by("id"))


def test_an_import_cannot_probe_another_programmes_register(tmp_path: Path) -> None:
    account, secret = special_system()
    person = someone_elsewhere(account)
    Mentee.objects.filter(pk=person.pk).update(register_id="P-ELSEWHERE")
    versions = list(Mentee.objects.values_list("id", "version"))
    caller = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    elsewhere = caller.post(
        "/api/v1/register/import",
        HEADER + row(1) + row(2, person_id="P-ELSEWHERE") + row(3),
        "text/csv",
    )
    assert elsewhere.status_code == 422, elsewhere.content
    errors = elsewhere.json()["errors"]
    assert [error["field"] for error in errors] == ["line 3: person_id"]
    neutral = "This row cannot be written to this programme's register: ask its coordinator."
    assert errors[0]["message"] == neutral
    assert str(person) not in elsewhere.content.decode()
    assert list(Mentee.objects.values_list("id", "version")) == versions
    assert not Mentee.objects.filter(register_id__in=["P1", "P3"]).exists()
    # The same person by the personal identification number, under another register id:
    # the same answer, and it names nothing.
    digits = person.personal_id.replace("-", "")
    same = dict(
        first_name=person.first_name,
        last_name=person.last_name,
        date_of_birth=person.date_of_birth.isoformat(),
        personal_id=digits,
        gender=person.gender,
        data_subject_category=person.data_subject_category,
    )
    by_number = caller.post("/api/v1/register/import", HEADER + row(4, **same), "text/csv")
    assert by_number.status_code == 422
    assert by_number.json()["errors"] == [{"field": "line 2: personal_id", "message": neutral}]
    # Each refusal is in the trail, under the person the row named, as the system's.
    filed = refusals()
    assert [(e.object_id, e.actor_id, e.detail) for e in filed] == [
        (str(person.pk), account.pk, "register import, line 3"),
        (str(person.pk), account.pk, "register import, line 2"),
    ]
    assert AuditEventSubject.objects.filter(
        event=filed[0], object_type="mentees.mentee", object_id=str(person.pk)
    ).exists()
    # The programme's own people are imported as ever.
    assert caller.post("/api/v1/register/import", HEADER + row(1), "text/csv").status_code == 200


def test_a_person_registered_here_under_another_id_is_refused_in_the_same_words(
    tmp_path: Path,
) -> None:
    run(tmp_path, HEADER + row(1))
    with pytest.raises(CommandError, match="1 of 1 rows are bad"):
        run(tmp_path, HEADER + row(2, personal_id="150190-1001"))
    assert refusals()[-1].detail == "register import, line 2"


def test_a_pushed_event_for_another_programmes_person_is_not_found_and_filed() -> None:
    account, secret = special_system()
    person = someone_elsewhere(account)
    Mentee.objects.filter(pk=person.pk).update(register_id="P-ELSEWHERE")
    caller = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"person_id": "P-ELSEWHERE", "event_id": "E-1", "kind": "release"}
    body["occurred_on"] = "2026-11-30"
    elsewhere = caller.post("/api/v1/register/custody-events", body, "application/json")
    nobody = caller.post(
        "/api/v1/register/custody-events", {**body, "person_id": "P-NOBODY"}, "application/json"
    )
    assert elsewhere.status_code == nobody.status_code == 404
    assert elsewhere.json() == nobody.json()
    assert not CustodyEvent.objects.filter(register_id="E-1").exists()
    assert [(e.object_id, e.actor_id, e.detail) for e in refusals()] == [
        (str(person.pk), account.pk, "register event"),
        ("", account.pk, "register event"),
    ]
    # An event id of another person's event is refused without saying whose.
    mine = access.register_mentees_writable_by(account).order_by("id").first()
    assert mine is not None
    Mentee.objects.filter(pk=mine.pk).update(register_id="P-MINE")
    taken = CustodyEvent.objects.filter(mentee=person).first()
    assert taken is not None
    CustodyEvent.objects.filter(pk=taken.pk).update(register_id="E-TAKEN")
    clash = caller.post(
        "/api/v1/register/custody-events",
        {**body, "person_id": "P-MINE", "event_id": "E-TAKEN"},
        "application/json",
    )
    assert clash.status_code == 422
    assert (
        str(person) not in clash.content.decode() and str(person.pk) not in clash.json()["detail"]
    )
    assert refusals()[-1].object_id == str(person.pk)


def test_the_import_writes_what_rows_by_hand_write_in_a_few_queries_a_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: Any
) -> None:
    monkeypatch.setattr(register_import, "CHUNK", 10)
    prison = Institution.objects.order_by("id").last()
    assert prison is not None
    rows = [row(n) for n in range(1, 40)]
    # A person's events across two chunks: sentenced, then moved to another prison.
    rows[12] = row(5, event_id="E5b", event="sentencing", occurred_on="2026-11-01", institution="")
    rows[25] = row(
        5, event_id="E5c", event="transfer", occurred_on="2026-11-10", institution=prison.name
    )
    before = AuditEvent.objects.count()
    with django_assert_max_num_queries(120):
        out, _err = run(tmp_path, HEADER + "".join(rows))
    assert "37 people and 39 events added" in out
    person = Mentee.objects.get(register_id="P5")
    assert (person.custody_status, person.institution, person.version) == ("sentenced", prison, 3)
    assert person.programme == Programme.objects.default()
    assert person.personal_id == "150190-1005"
    events = CustodyEvent.objects.filter(mentee=person).order_by("occurred_on")
    assert [(e.kind, e.register_id) for e in events] == [
        ("admission", "E5"),
        ("sentencing", "E5b"),
        ("transfer", "E5c"),
    ]
    # The trail holds what the forms would have written, event by event, and verifies.
    written = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    ids = {str(person.pk), *(str(ev.pk) for ev in events)}
    about = [
        (e.action, e.object_type, e.fields)
        for e in written
        if e.object_id in ids or ids & set(e.object_ids)
    ]
    assert about == [
        (
            "create",
            "mentees.mentee",
            [
                "custody_status",
                "data_subject_category",
                "date_of_birth",
                "first_name",
                "gender",
                "institution",
                "last_name",
                "personal_id",
            ],
        ),
        ("create", "mentees.custodyevent", ["institution", "kind", "occurred_on", "register_id"]),
        ("change", "mentees.mentee", ["custody_status", "institution"]),
        ("create", "mentees.custodyevent", ["kind", "occurred_on", "register_id"]),
        ("change", "mentees.mentee", ["custody_status"]),
        ("create", "mentees.custodyevent", ["institution", "kind", "occurred_on", "register_id"]),
        ("change", "mentees.mentee", ["institution"]),
    ]
    owners = dict(CustodyEvent.objects.values_list("pk", "mentee_id"))
    filed = [e for e in written if e.object_type == "mentees.custodyevent"]
    assert sum(len(e.object_ids) for e in filed) == 39
    for e in filed:
        assert e.people == sorted({str(owners[int(i)]) for i in e.object_ids}, key=int)
    # Four chunks of ten rows: a few events each, not three a row.
    assert len(written) < 25
    assert written[-1].detail == "register import: 39 rows, 37 people and 39 events"
    assert not [found for found in verify_chain() if isinstance(found, ChainProblem)]
    # Run again: nothing changes, and the import's own summary is all it writes.
    versions = list(Mentee.objects.values_list("id", "version"))
    last = AuditEvent.objects.latest("id").pk
    out, _err = run(tmp_path, HEADER + "".join(rows))
    assert "0 people and 0 events added, 39 rows already imported" in out
    assert list(Mentee.objects.values_list("id", "version")) == versions
    assert [e.detail for e in AuditEvent.objects.filter(id__gt=last)] == [
        "register import: 39 rows, 0 people and 0 events"
    ]


@pytest.mark.postgresql_only
def test_on_postgresql_a_chunks_look_ups_use_the_registers_indexes(tmp_path: Path) -> None:
    """Each chunk asks for its people and events by the register's ids: as a scan of the
    whole register, 100,000 rows took 100 scans of it a pass (§18 of docs/performance.md)."""
    text = HEADER + row(1) + row(2) + row(1, event_id="E1b", event="sentencing")
    run(tmp_path, text)
    with CaptureQueriesContext(connection) as queries:
        out, _err = run(tmp_path, text)
    assert "3 rows already imported" in out
    tables = ('FROM "mentees_mentee"', 'FROM "mentees_custodyevent"')
    look_ups = [
        sql
        for sql in (query["sql"] for query in queries.captured_queries)
        if sql.startswith("SELECT") and " = ANY(" in sql and any(t in sql for t in tables)
    ]
    # The people by either id, those the actor may write to, the events (in the one pass of
    # a re-run).
    assert len(look_ups) == 3
    with connection.cursor() as cursor:
        # With sequential scans off, a table is scanned only where no index can answer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in look_ups:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(line for (line,) in cursor.fetchall())
            assert "Seq Scan on mentees_" not in plan, plan


def test_a_re_run_reads_the_file_once_and_a_new_row_in_it_is_written(tmp_path: Path) -> None:
    text = HEADER + row(1) + row(2)
    run(tmp_path, text)
    opened: list[str] = []

    def import_again(text: str) -> register_import.Report:
        def open_file() -> io.StringIO:
            opened.append(text)
            return io.StringIO(text, newline="")

        return register_import.import_file(
            actor=User.objects.get(username="coordinator"),
            programme=Programme.objects.default(),
            open_file=open_file,
        )

    last = AuditEvent.objects.latest("id").pk
    report = import_again(text)
    assert (report.people_added, report.events_added, report.unchanged) == (0, 0, 2)
    assert len(opened) == 1
    assert [e.detail for e in AuditEvent.objects.filter(id__gt=last)] == [
        "register import: 2 rows, 0 people and 0 events"
    ]
    # One row not in the register yet: both passes, and it is written.
    opened.clear()
    report = import_again(text + row(3))
    assert (report.people_added, report.events_added, report.unchanged) == (1, 1, 2)
    assert len(opened) == 2
    assert Mentee.objects.filter(register_id="P3").exists()
