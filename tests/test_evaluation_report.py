"""The theory of change (a programme's indicators, set by its coordinators, with their
trajectories on the dashboard) and the programme report (a printable page and a PDF, every
count under 5 hidden for every reader, each look and download audited)."""

import csv
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.audit.models import Action, AuditEvent
from backontrack.evaluation.followups import months_before
from backontrack.evaluation.models import Indicator
from backontrack.lessons.models import Lesson, LessonStatus
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Goal, GoalStatus, Mentorship
from backontrack.programmes.models import Programme

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def special() -> Programme:
    return Programme.objects.get(name="Special mentoring scheme")


def text_of(response: Any) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def post_form(client: Client, url: str, **data: str) -> Any:
    form = client.get(url).context["form"]
    initial = {name: form[name].value() for name in form.fields}
    initial = {
        k: ("on" if v is True else v)
        for k, v in initial.items()
        if v is not None and v is not False
    }
    return client.post(url, {**initial, **data})


# --- The theory of change ------------------------------------------------------------------


def test_the_coordinator_adds_an_indicator_and_changes_it_audited() -> None:
    coordinator = signed_in_client("coordinator")
    programme = Programme.objects.default()
    url = f"/evaluation/indicators/new/?programme={programme.pk}"
    response = post_form(
        coordinator,
        url,
        name="Arbejde eller uddannelse",
        description="Flere er i arbejde eller uddannelse efter mentorskabet.",
        measure="follow_up:occupation=work",
        active="on",
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(programme=programme, name="Arbejde eller uddannelse")
    assert (indicator.measure, indicator.target) == ("follow_up", "occupation=work")
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="evaluation.indicator")
    listed = text_of(coordinator.get(f"/evaluation/indicators/?programme={programme.pk}"))
    assert "Arbejde eller uddannelse" in listed
    assert "work or education: In work" in listed

    edit = f"/evaluation/indicators/{indicator.pk}/edit/"
    assert post_form(coordinator, edit, name="I arbejde").status_code == 302
    indicator.refresh_from_db()
    assert (indicator.name, indicator.version) == ("I arbejde", 1)
    assert AuditEvent.objects.filter(action=Action.CHANGE, object_type="evaluation.indicator")


def test_a_stale_or_invented_indicator_is_refused_with_a_message() -> None:
    coordinator = signed_in_client("coordinator")
    indicator = Indicator.objects.filter(programme=Programme.objects.default()).earliest("id")
    edit = f"/evaluation/indicators/{indicator.pk}/edit/"
    stale = post_form(coordinator, edit, name="Andet navn", version=str(indicator.version + 5))
    assert stale.status_code == 302
    assert "Someone else saved a change" in text_of(coordinator.get(stale["Location"]))
    invented = post_form(coordinator, edit, measure="follow_up:name=Ada")
    assert "Select a valid choice" in text_of(invented)
    taken = Indicator.objects.filter(programme=indicator.programme).exclude(pk=indicator.pk)
    duplicate = post_form(coordinator, edit, name=taken.first().name)  # type: ignore[union-attr]
    assert "an indicator of that name already" in text_of(duplicate)
    indicator.refresh_from_db()
    assert indicator.name != "Andet navn"


def test_an_indicator_that_seems_to_name_someone_waits_for_the_coordinator_s_word() -> None:
    coordinator = signed_in_client("coordinator")
    programme = Programme.objects.default()
    mentee = Mentorship.objects.filter(programme=programme).earliest("id").mentee
    url = f"/evaluation/indicators/new/?programme={programme.pk}"
    text = f"Som hos {mentee.first_name} {mentee.last_name}"
    warned = post_form(
        coordinator, url, name="Bolig", description=text, measure="follow_up:housing=settled"
    )
    assert "never names a person" in text_of(warned)
    assert not Indicator.objects.filter(name="Bolig").exists()
    assert AuditEvent.objects.filter(action=Action.SEARCH, detail="indicator name check")
    form = warned.context["form"]
    confirmed = {name: form[name].value() for name in form.fields}
    confirmed = {k: v for k, v in confirmed.items() if v not in (None, False, True)}
    confirmed.update(active="on", not_a_person="on")
    assert coordinator.post(url, confirmed).status_code == 302
    assert Indicator.objects.filter(name="Bolig").exists()


def test_another_programme_s_coordinator_cannot_change_its_indicators() -> None:
    indicator = Indicator.objects.filter(programme=Programme.objects.default()).earliest("id")
    client = signed_in_client("coordinator-special")
    assert client.get(f"/evaluation/indicators/{indicator.pk}/edit/").status_code == 404
    page = client.get(f"/evaluation/indicators/?programme={Programme.objects.default().pk}")
    assert "Nye relationer" not in page.content.decode()


def _goal_quarter(programme: Programme) -> tuple[int, int]:
    """Of the goals in the relations area of the mentorships closed in the current quarter
    (up to today): how many, and how many achieved — counted in Python from the database."""
    today = timezone.localdate()
    start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    goals = [
        g
        for g in Goal.objects.filter(mentorship__programme=programme, area="relations")
        if g.mentorship.closed_on and start <= g.mentorship.closed_on <= today
    ]
    return len(goals), sum(1 for g in goals if g.status == GoalStatus.ACHIEVED)


def test_the_dashboard_shows_each_indicator_s_trajectory() -> None:
    programme = Programme.objects.default()
    page = text_of(signed_in_client("coordinator").get(f"/evaluation/?programme={programme.pk}"))
    for name in Indicator.objects.filter(programme=programme).values_list("name", flat=True):
        assert name in page
    assert "Mentored: with the outcome (%)" in page
    assert "Mean rating (lower is better)" in page
    goals, achieved = _goal_quarter(programme)
    share = f"{round(100 * achieved / goals, 1)} {goals}" if goals else "— 0"
    today = timezone.localdate()
    assert f"{today.year} Q{(today.month - 1) // 3 + 1} {share} " in page


def test_an_indicator_downloads_as_csv_with_small_counts_hidden_for_the_evaluator() -> None:
    indicator = Indicator.objects.get(programme=special())
    response = signed_in_client("evaluator").get(
        f"/evaluation/figures/indicator-{indicator.pk}.csv?programme={special().pk}"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][1] == "Goals achieved (%)"
    assert {row[2] for row in rows[1:]} == {"<5"}  # the small scheme: every count hidden
    assert (
        signed_in_client("evaluator").get("/evaluation/figures/indicator-0.csv").status_code == 404
    )


def test_the_dashboard_s_queries_do_not_grow_with_indicators_or_cases() -> None:
    coordinator = signed_in_client("coordinator")
    counts = []
    for programme in (special(), Programme.objects.default()):
        with CaptureQueriesContext(connection) as queries:
            coordinator.get(f"/evaluation/?programme={programme.pk}")
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


# --- The programme report ------------------------------------------------------------------


def test_a_liaison_reads_the_report_with_small_counts_hidden_and_no_names_audited() -> None:
    liaison = signed_in_client("liaison-ministry")
    assert "/evaluation/report/" in liaison.get("/").content.decode()
    html = liaison.get(f"/evaluation/report/?programme={special().pk}").content.decode()
    page = text_of(liaison.get(f"/evaluation/report/?programme={special().pk}"))
    assert "Key figures" in page and "Follow-up outcomes" in page and "Lessons adopted" in page
    assert "Motivation for et liv uden kriminalitet" in page
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert cells and not [c for c in cells if c.strip() in {"0", "1", "2", "3", "4"}]
    assert not [m.last_name for m in Mentee.objects.all() if m.last_name in html]
    looked = AuditEvent.objects.filter(action=Action.VIEW, object_type="programmes.programme")
    assert [e.fields for e in looked] == [["report"], ["report"]]


def test_the_report_lists_the_lessons_adopted_in_the_period_and_files_their_read() -> None:
    programme = Programme.objects.default()
    start = months_before(timezone.localdate(), 24)
    adopted = Lesson.objects.filter(
        programme=programme, status=LessonStatus.ADOPTED, decided_on__gte=start
    )
    assert adopted
    page = text_of(
        signed_in_client("evaluator").get(f"/evaluation/report/?programme={programme.pk}")
    )
    for lesson in adopted:
        assert lesson.title in page
    assert AuditEvent.objects.filter(
        action=Action.LIST, object_type="lessons.lesson", detail="programme report"
    ).exists()


def test_the_report_downloads_as_a_pdf_recorded_as_an_export() -> None:
    response = signed_in_client("liaison-security").get("/evaluation/report/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, object_type="programmes.programme", detail__endswith="(PDF)"
    )


def test_the_report_s_queries_do_not_grow_with_the_programme() -> None:
    evaluator = signed_in_client("evaluator")
    counts = []
    for programme in (special(), Programme.objects.default()):
        with CaptureQueriesContext(connection) as queries:
            evaluator.get(f"/evaluation/report/?programme={programme.pk}")
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("username", ["mentor01", "auditor", "admin", "referrer", "trainer"])
def test_nobody_else_reaches_the_report(username: str) -> None:
    client = signed_in_client(username)
    assert client.get("/evaluation/report/").status_code == 404
    assert client.get("/evaluation/report/pdf/").status_code == 404


def test_a_liaison_reaches_neither_the_dashboard_nor_the_data_set() -> None:
    liaison = signed_in_client("liaison-ministry")
    for path in ("/evaluation/", "/evaluation/data-set/", "/evaluation/indicators/"):
        assert liaison.get(path).status_code == 404
