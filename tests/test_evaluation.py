"""Evaluation: follow-up outcomes 6, 12 and 24 months after a mentorship closes (and of
eligible people never matched), the coordinator's due list, the home page and send-alerts."""

import csv
import io
import random
import re
import zipfile
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import Institution, User
from backontrack.audit.models import Action, AuditEvent
from backontrack.core.access import comparison_referrals
from backontrack.core.errors import Refused
from backontrack.evaluation import services
from backontrack.evaluation import synthetic as case_histories
from backontrack.evaluation.dashboard import SECTION_OF
from backontrack.evaluation.dataset import AGE_BANDS, QUASI_IDENTIFIERS, make_k_anonymous
from backontrack.evaluation.followups import (
    due_follow_ups,
    first_due_follow_ups,
    follow_ups_due_rebuild,
    follow_ups_due_rebuild_all,
    listed_follow_ups,
    months_after,
    months_before,
)
from backontrack.evaluation.models import DueFollowUp, FollowUp, Group, Point
from backontrack.evaluation.selectors import follow_ups_due
from backontrack.mentees import synthetic
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral, Screening

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db

OUTCOME = {
    "recorded_on": "",
    "reconviction": "none",
    "custody": "released",
    "housing": "settled",
    "occupation": "work",
    "milieu_contact": "none",
    "source": "register",
}


def closed_months_ago(months: int, days: int = 3) -> Mentorship:
    """The demo's first closed mentorship, moved to have closed `months` (and a few days)
    ago, without any follow-up recorded."""
    mentorship = Mentorship.objects.filter(status=MentorshipStatus.CLOSED).earliest("id")
    closed_on = months_before(timezone.localdate(), months) - timedelta(days=days)
    Mentorship.objects.filter(pk=mentorship.pk).update(closed_on=closed_on)
    FollowUp.objects.filter(mentorship=mentorship).delete()
    follow_ups_due_rebuild(mentorships=[mentorship.pk])
    mentorship.refresh_from_db()
    return mentorship


def comparison_referral(months: int) -> Referral:
    """An eligible demo referral, screened `months` (and a few days) ago and never matched."""
    referral = Referral.objects.filter(status="eligible", mentorship__isnull=True).earliest("id")
    decided = timezone.now() - timedelta(
        days=(timezone.localdate() - months_before(timezone.localdate(), months)).days + 3
    )
    Screening.objects.filter(referral=referral).update(decided_at=decided, decision="eligible")
    FollowUp.objects.filter(referral=referral).delete()
    follow_ups_due_rebuild(referrals=[referral.pk])
    return referral


def form(client: Client, url: str, **changes: str) -> Any:
    token = client.get(url).context["form"]["form_token"].value()
    data = {**OUTCOME, "recorded_on": timezone.localdate().isoformat(), **changes}
    return client.post(url, {**data, "form_token": token})


def test_months_are_counted_in_calendar_months() -> None:
    assert months_after(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert months_after(date(2024, 8, 15), 24) == date(2026, 8, 15)
    assert months_before(date(2025, 3, 31), 6) == date(2024, 9, 30)


def test_a_closed_mentorship_is_due_for_its_6_month_follow_up_on_the_list_and_home() -> None:
    mentorship = closed_months_ago(6)
    coordinator = signed_in_client("coordinator")
    page = coordinator.get("/evaluation/follow-ups/").content.decode()
    assert f"Mentorship no. {mentorship.pk}" in page
    assert f"/evaluation/follow-ups/mentorships/{mentorship.pk}/6/" in page
    assert mentorship.mentee.last_name not in page  # the list names no one
    home = coordinator.get("/").content.decode()
    assert f"6 months follow-up of mentorship no. {mentorship.pk}" in home


def test_a_follow_up_not_yet_due_is_not_listed_and_is_refused() -> None:
    mentorship = closed_months_ago(5)
    coordinator = signed_in_client("coordinator")
    assert (
        f"Mentorship no. {mentorship.pk}<"
        not in coordinator.get("/evaluation/follow-ups/").content.decode()
    )
    with pytest.raises(Refused, match="due on"):
        services.follow_up_record(
            actor=User.objects.get(username="coordinator"),
            case=mentorship,
            months=6,
            outcome=services.Outcome(**{**OUTCOME, "recorded_on": timezone.localdate()}),  # type: ignore[arg-type]
        )


def test_the_coordinator_records_a_follow_up_once_and_it_is_audited() -> None:
    mentorship = closed_months_ago(12)
    coordinator = signed_in_client("coordinator")
    url = f"/evaluation/follow-ups/mentorships/{mentorship.pk}/12/"
    response = form(coordinator, url, reconviction="extremism", milieu_contact="strong")
    assert response.status_code == 302
    follow_up = FollowUp.objects.get(mentorship=mentorship, months=12)
    assert (follow_up.group, follow_up.reconviction, follow_up.milieu_contact) == (
        Group.MENTORED,
        "extremism",
        "strong",
    )
    assert mentorship.closed_on is not None
    assert follow_up.due_on == months_after(mentorship.closed_on, 12)
    event = AuditEvent.objects.filter(action=Action.CREATE, object_type="evaluation.followup").get()
    assert event.people == [str(mentorship.mentee_id)]
    assert (
        f"/mentorships/{mentorship.pk}/12/"
        not in coordinator.get("/evaluation/follow-ups/").content.decode()
    )
    again = form(coordinator, url)
    assert "has been recorded already" in again.content.decode()
    assert FollowUp.objects.filter(mentorship=mentorship).count() == 1


def test_a_form_with_a_missing_or_invented_answer_is_shown_again_with_what_was_chosen() -> None:
    mentorship = closed_months_ago(6)
    coordinator = signed_in_client("coordinator")
    url = f"/evaluation/follow-ups/mentorships/{mentorship.pk}/6/"
    response = form(coordinator, url, housing="castle", source="")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Source: This field is required." in page
    assert "castle is not one of the available choices" in page
    assert re.search(r'name="occupation" value="work"[^>]*checked', page)  # kept
    assert not FollowUp.objects.filter(mentorship=mentorship).exists()


def test_the_comparison_group_is_followed_up_from_the_screening() -> None:
    referral = comparison_referral(6)
    coordinator = signed_in_client("coordinator")
    assert (
        f"Referral no. {referral.pk} (comparison group)"
        in coordinator.get("/evaluation/follow-ups/").content.decode()
    )
    response = form(coordinator, f"/evaluation/follow-ups/referrals/{referral.pk}/6/")
    assert response.status_code == 302
    assert FollowUp.objects.get(referral=referral).group == Group.COMPARISON


@pytest.mark.parametrize(
    "username", ["mentor01", "mentor02", "evaluator", "liaison-ministry", "coordinator-special"]
)
def test_nobody_but_the_programme_s_coordinator_reaches_a_follow_up(username: str) -> None:
    mentorship = closed_months_ago(6)
    client = signed_in_client(username)
    assert client.get(f"/evaluation/follow-ups/mentorships/{mentorship.pk}/6/").status_code == 404


def test_an_open_mentorship_or_an_unknown_point_has_no_follow_up() -> None:
    coordinator = signed_in_client("coordinator")
    active = Mentorship.objects.filter(status=MentorshipStatus.ACTIVE).earliest("id")
    assert coordinator.get(f"/evaluation/follow-ups/mentorships/{active.pk}/6/").status_code == 404
    closed = closed_months_ago(6)
    assert coordinator.get(f"/evaluation/follow-ups/mentorships/{closed.pk}/7/").status_code == 404


def test_send_alerts_tells_the_coordinators_once_without_names() -> None:
    mentorship = closed_months_ago(24)
    out = io.StringIO()
    call_command("send-alerts", stdout=out)
    follow_up_mails = [m for m in mail.outbox if "follow-ups due" in m.subject]
    assert follow_up_mails
    # Both of the programme's coordinators.
    assert {m.to[0] for m in follow_up_mails} == {
        "coordinator@example.org",
        "coordinator2@example.org",
    }
    assert mentorship.mentee.last_name not in follow_up_mails[0].body
    assert "/evaluation/follow-ups/" in follow_up_mails[0].body
    mail.outbox.clear()
    call_command("send-alerts", stdout=io.StringIO())
    assert not [m for m in mail.outbox if "follow-ups due" in m.subject]


def test_the_due_list_s_queries_do_not_grow_with_the_cases(
    django_assert_max_num_queries: object,
) -> None:
    closed_months_ago(6)
    coordinator = signed_in_client("coordinator")
    with django_assert_max_num_queries(30) as few:  # type: ignore[operator]
        coordinator.get("/evaluation/follow-ups/")
    closed = Mentorship.objects.filter(status=MentorshipStatus.CLOSED)
    Mentorship.objects.filter(pk__in=closed.values("pk")).update(
        closed_on=months_before(timezone.localdate(), 7)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        coordinator.get("/evaluation/follow-ups/")


def test_the_first_follow_ups_due_and_their_number_are_those_of_the_whole_list() -> None:
    """Over two years of days, on the demo with 150 more people and with closures and
    screenings moved to the end of a month that a shorter month makes due on one day (the
    later days given the lower case numbers, a screening late in the evening), the first few
    follow-ups the database picks and the number it counts are those of the whole list
    worked out in Python; so is what the home shows."""
    call_command(
        "seed",
        mentees=150,
        with_cases=True,
        random_seed=20,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    month_end = date(timezone.localdate().year - 1, 8, 28)
    closed = Mentorship.objects.filter(status=MentorshipStatus.CLOSED).order_by("-id")[:4]
    for later, mentorship in enumerate(closed):
        Mentorship.objects.filter(pk=mentorship.pk).update(closed_on=month_end + timedelta(later))
    comparison = Referral.objects.filter(status="eligible", mentorship__isnull=True)
    for later, referral in enumerate(comparison.order_by("-id")[:4]):
        evening = datetime.combine(month_end + timedelta(later), time(23, 30))
        Screening.objects.filter(referral=referral).update(
            decided_at=timezone.make_aware(evening), decision="eligible"
        )
    FollowUp.objects.all().delete()
    follow_ups_due_rebuild_all()  # the records were changed around the services
    mentorships = Mentorship.objects.filter(status=MentorshipStatus.CLOSED)
    referrals = comparison_referrals()
    edge = months_after(month_end, 12) - timedelta(days=1)  # the moved ones listed first
    days = [edge + timedelta(days=n) for n in range(-2, 3)]
    days += [timezone.localdate() + timedelta(days=n) for n in range(-400, 400, 29)]
    for today in days:
        expected = due_follow_ups(mentorships, referrals, today)
        for limit in (1, 3, 5):
            assert first_due_follow_ups(DueFollowUp.objects.all(), today, limit) == (
                expected[:limit],
                len(expected),
            ), (today, limit)
    listed = due_follow_ups(mentorships, referrals, edge)
    assert [due.due_on for due in listed[:4]] == [months_after(month_end, 6)] * 4
    expected = follow_ups_due(User.objects.get(username="coordinator"))
    assert len(expected) > 5
    home = signed_in_client("coordinator").get("/")
    assert home.context["follow_ups"] == {"due": expected[:5], "count": len(expected)}


def kept_rows() -> list[tuple[Any, ...]]:
    return sorted(
        DueFollowUp.objects.values_list(
            "group",
            "mentorship_id",
            "referral_id",
            "programme_id",
            "months",
            "counted_from",
            "due_on",
        )
    )


def days_around(counted_from: date) -> list[date]:
    """The days a follow-up counted from this day begins and stops being listed on, at each
    point, with the days either side (a month end clips them by up to three days)."""
    return [
        months_after(counted_from, months) + timedelta(days=offset)
        for point in Point
        for months in (point, point + 6)
        for offset in range(-1, 4)
    ]


def assert_kept_as_the_records_say(days: list[date]) -> None:
    """On each of these days the kept rows list what the records say (worked out the old
    way, from every closure and screening), and a rebuild derives the rows the services kept."""
    for today in [timezone.localdate(), *days]:
        assert listed_follow_ups(DueFollowUp.objects.all(), today) == due_follow_ups(
            Mentorship.objects.filter(status=MentorshipStatus.CLOSED),
            comparison_referrals(),
            today,
        ), today
    kept = kept_rows()
    follow_ups_due_rebuild_all()
    assert kept_rows() == kept


def test_the_services_keep_the_follow_ups_due_as_the_records_say() -> None:
    """Closing a mentorship on the last day of a month, deciding a screening half an hour
    after a Copenhagen midnight (the UTC day still the day before), matching a referral of
    the comparison group and recording a follow-up each change what is due: after each, the
    rows the services kept list, on the days the change matters, what the records say, and a
    rebuild derives the same rows."""
    from backontrack.mentors import matching
    from backontrack.mentors import services as mentor_services
    from backontrack.mentorships import services as mentorship_services
    from backontrack.referrals import services as referral_services
    from backontrack.referrals.models import Finding

    coordinator = User.objects.get(username="coordinator")
    assert DueFollowUp.objects.exists()  # the demo loader derived them
    assert_kept_as_the_records_say([])

    month_end = timezone.localdate()
    while month_end.day != 31:
        month_end -= timedelta(days=1)
    mentorship = Mentorship.objects.filter(status=MentorshipStatus.ACTIVE).earliest("id")
    mentorship_services.mentorship_close(
        actor=coordinator,
        mentorship=mentorship,
        version=mentorship.version,
        closure=mentorship_services.Closure(
            month_end, "completed", "", "held", "held", "none", False
        ),
    )
    assert DueFollowUp.objects.filter(mentorship=mentorship).count() == 3
    assert_kept_as_the_records_say(days_around(month_end))

    referral = Referral.objects.filter(
        status="screening", programme=Programme.objects.default()
    ).earliest("id")
    local_midnight = datetime.combine(timezone.localdate(), time.min)
    after_midnight = timezone.make_aware(local_midnight) + timedelta(minutes=30)
    assert after_midnight.astimezone(ZoneInfo("UTC")).date() < timezone.localdate()
    C, N = Finding.CONFIRMED, Finding.NOT_CONFIRMED
    with time_machine.travel(after_midnight, tick=False):
        referral_services.referral_screen(
            actor=coordinator,
            referral=referral,
            version=referral.version,
            data=referral_services.ScreeningData(
                findings={"charged": N, "convicted": N, "hate_crime": C, "vulnerability": N},
                evidence={},
                conviction_date=None,
                decision="eligible",
                not_eligible_reason="",
                decision_note="",
                override_reason="",
            ),
        )
    assert DueFollowUp.objects.filter(referral=referral).count() == 3
    assert_kept_as_the_records_say(days_around(timezone.localdate()))

    accepted = Referral.objects.filter(status="accepted").earliest("id")
    assert DueFollowUp.objects.filter(referral=accepted).exists()  # in the comparison group
    best = next(s for s in matching.suggestions_for(accepted) if not s.excluded)
    coach = matching.coach_options(
        best.mentor, mentee_id=accepted.mentee_id, programme_id=accepted.programme_id
    )[0].mentor
    mentor_services.referral_match(
        actor=coordinator,
        referral=accepted,
        version=accepted.version,
        mentor=best.mentor,
        coach=coach,
        score=0,
    )
    assert not DueFollowUp.objects.filter(referral=accepted).exists()
    screened_on = timezone.localdate(Screening.objects.get(referral=accepted).decided_at)
    assert_kept_as_the_records_say(days_around(screened_on))

    due = follow_ups_due(coordinator)[0]
    case: Mentorship | Referral = (
        Mentorship.objects.get(pk=due.case_id)
        if due.group == Group.MENTORED
        else Referral.objects.get(pk=due.case_id)
    )
    services.follow_up_record(
        actor=coordinator,
        case=case,
        months=due.months,
        outcome=services.Outcome(
            recorded_on=timezone.localdate(),
            reconviction="none",
            custody="released",
            housing="settled",
            occupation="work",
            milieu_contact="none",
            source="register",
        ),
    )
    assert due not in follow_ups_due(coordinator)
    assert_kept_as_the_records_say(days_around(months_before(due.due_on, due.months)))


# --- The programme dashboard ---------------------------------------------------------------


def dashboard_text(client: Client, query: str = "") -> str:
    response = client.get(f"/evaluation/{query}")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


CRITERIA_SHOWN = {
    "charged_with_terrorism": "Charged with terrorism",
    "convicted_of_terrorism": "Convicted of terrorism",
    "hate_crime": "Hate-crime-aggravated offence",
    "vulnerable": "Vulnerable to radicalisation",
}


def criteria_counts(programme: Programme) -> dict[str, int]:
    """How many of the programme's referrals of the dashboard's default period meet each
    criterion, counted from the database (the criteria are encrypted: read row by row)."""
    start = months_before(timezone.localdate(), 24)
    referrals = list(Referral.objects.filter(programme=programme, referred_on__gte=start))
    return {name: sum(1 for r in referrals if getattr(r, name)) for name in CRITERIA_SHOWN}


def special() -> Programme:
    return Programme.objects.get(name="Special mentoring scheme")


def test_the_coordinator_sees_the_programme_s_figures_exactly() -> None:
    coordinator = signed_in_client("coordinator")
    for programme in (Programme.objects.default(), special()):
        page = dashboard_text(coordinator, f"?programme={programme.pk}")
        for name, number in criteria_counts(programme).items():
            assert f"{CRITERIA_SHOWN[name]} {number} " in page
        received = Referral.objects.filter(
            programme=programme, referred_on__gte=months_before(timezone.localdate(), 24)
        ).count()
        assert f"Received {received} " in page


def test_the_evaluator_sees_every_count_under_5_as_hidden() -> None:
    evaluator = signed_in_client("evaluator")
    counts = criteria_counts(special())
    assert [n for n in counts.values() if n < 5]  # the small scheme has small groups
    page = dashboard_text(evaluator, f"?programme={special().pk}")
    for name, number in counts.items():
        assert f"{CRITERIA_SHOWN[name]} {number if number >= 5 else '&lt;5'} " in page
    # No cell of any table holds a count from 0 to 4.
    for programme in (special(), Programme.objects.default()):
        html = evaluator.get(f"/evaluation/?programme={programme.pk}").content.decode()
        cells = re.findall(r"<td>([^<]*)</td>", html)
        assert cells
        assert not [c for c in cells if c.strip() in {"0", "1", "2", "3", "4"}]


def test_each_figure_downloads_as_csv_with_what_the_reader_may_see() -> None:
    evaluator = signed_in_client("evaluator")
    for key in SECTION_OF:
        response = evaluator.get(f"/evaluation/figures/{key}.csv")
        assert response.status_code == 200, key
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) > 1
        assert not [v for row in rows[1:] for v in row[1:] if v in {"0", "1", "2", "3", "4"}], key
    assert evaluator.get("/evaluation/figures/nothing.csv").status_code == 404
    exports = AuditEvent.objects.filter(action=Action.EXPORT, object_type="programmes.programme")
    assert exports.count() == len(SECTION_OF)


def test_the_dashboard_s_queries_do_not_grow_with_the_data() -> None:
    coordinator = signed_in_client("coordinator")
    counts = []
    for programme in (special(), Programme.objects.default()):
        coordinator.get(f"/evaluation/?programme={programme.pk}")
        with CaptureQueriesContext(connection) as queries:
            assert "Referrals by criterion" in dashboard_text(
                coordinator, f"?programme={programme.pk}"
            )
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 45


def test_a_period_that_ends_before_it_starts_is_refused_with_a_message() -> None:
    page = dashboard_text(signed_in_client("coordinator"), "?start=2026-01-01&end=2025-01-01")
    assert "The end comes after the start." in page
    assert "Referrals by criterion A referral" not in page


@pytest.mark.parametrize(
    "username", ["mentor01", "liaison-ministry", "auditor", "admin", "referrer"]
)
def test_nobody_else_reaches_the_dashboard(username: str) -> None:
    client = signed_in_client(username)
    assert client.get("/evaluation/").status_code == 404
    assert client.get("/evaluation/figures/funnel.csv").status_code == 404


def test_another_programme_s_coordinator_cannot_ask_for_it() -> None:
    default = Programme.objects.default()
    page = dashboard_text(signed_in_client("coordinator-special"), f"?programme={default.pk}")
    assert "Select a valid choice" in page


# --- The evaluator's data set --------------------------------------------------------------


def add_cases(count: int) -> None:
    """`count` synthetic people with case histories in Back on Track (evaluation/synthetic.py)."""
    rng = random.Random(2026)
    people = synthetic.generate(
        count,
        institutions=list(Institution.objects.order_by("pk")),
        rng=rng,
        today=timezone.localdate(),
        taken=synthetic.existing_indexes(),
    )
    ids = synthetic.save_batch(list(people))
    case_histories.add_cases(
        list(Mentee.objects.filter(pk__in=ids)),
        programme=Programme.objects.default(),
        rng=rng,
        today=timezone.localdate(),
    )


def download(client: Client, file: str, purpose: str = "Annual evaluation 2026") -> Any:
    start = months_before(timezone.localdate(), 36).isoformat()
    return client.post(
        "/evaluation/data-set/",
        {
            "programme": Programme.objects.default().pk,
            "start": start,
            "end": timezone.localdate().isoformat(),
            "purpose": purpose,
            "file": file,
        },
    )


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:2000]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def every_person_s_identifiers() -> list[str]:
    """Every name and ID number of the database's people, as they are stored or shown."""
    found = []
    for mentee in Mentee.objects.all():
        found += [mentee.first_name, mentee.last_name, mentee.personal_id]
        found.append(mentee.personal_id.replace("-", ""))
    for referral in Referral.objects.all():
        found += [referral.referred_name, referral.reason]
    return [value for value in found if value and len(value) > 3]


def test_every_quasi_identifier_combination_in_the_export_occurs_at_least_5_times() -> None:
    add_cases(40)
    rows = csv_rows(download(signed_in_client("evaluator"), "cases"))
    assert rows
    groups = Counter(tuple(row[q] for q in QUASI_IDENTIFIERS) for row in rows)
    assert min(groups.values()) >= 5
    report = {
        r["measure"]: int(r["count"])
        for r in csv_rows(download(signed_in_client("evaluator"), "suppression"))
    }
    assert report["cases exported"] == len(rows)
    assert report["cases left out (group under k)"] + len(rows) >= 40


def test_no_name_id_number_or_free_text_reaches_an_export_or_an_evaluator_page() -> None:
    add_cases(40)
    evaluator = signed_in_client("evaluator")
    texts = [
        download(evaluator, "cases").content.decode(),
        download(evaluator, "follow-ups").content.decode(),
        evaluator.get("/").content.decode(),
        evaluator.get("/evaluation/").content.decode(),
        evaluator.get("/evaluation/data-set/").content.decode(),
        *(evaluator.get(f"/evaluation/figures/{key}.csv").content.decode() for key in SECTION_OF),
    ]
    workbook = download(evaluator, "xlsx")
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as book:
        texts += [book.read(name).decode() for name in book.namelist() if name.endswith(".xml")]
        assert "xl/worksheets/sheet3.xml" in book.namelist()  # the data dictionary
    identifiers = every_person_s_identifiers()
    assert len(identifiers) > 100
    for text in texts:
        assert not [value for value in identifiers if value in text]


def test_pseudonyms_are_stable_for_a_purpose_and_new_for_another() -> None:
    add_cases(40)
    evaluator = signed_in_client("evaluator")
    first = {r["person"] for r in csv_rows(download(evaluator, "cases"))}
    again = {r["person"] for r in csv_rows(download(evaluator, "cases", "annual  EVALUATION 2026"))}
    other = {r["person"] for r in csv_rows(download(evaluator, "cases", "Reoffending study"))}
    assert first == again
    assert first and not first & other
    assert not {str(pk) for pk in Mentee.objects.values_list("pk", flat=True)} & first


def test_each_export_is_recorded_with_its_purpose_under_the_people_in_it() -> None:
    add_cases(40)
    rows = csv_rows(download(signed_in_client("evaluator"), "cases", "Reoffending study"))
    event = AuditEvent.objects.filter(action=Action.EXPORT, object_type="mentees.mentee").get()
    assert event.justification == "evaluation:reoffending study"
    assert len(event.object_ids) == len(rows)


def test_dates_are_months_and_ages_are_bands() -> None:
    add_cases(40)
    rows = csv_rows(download(signed_in_client("evaluator"), "cases"))
    assert all(re.fullmatch(r"\d{4}-\d{2}", row["referred_month"]) for row in rows)
    assert {row["age_band"] for row in rows} <= {"*", *(label for _l, label in AGE_BANDS)}


def test_the_k_anonymity_check_suppresses_one_quasi_identifier_after_another() -> None:
    rows = [
        {"age_band": "25-34", "gender": "male", "region": "r1", "orientation": "o", "criteria": c}
        for c in ["a", "a", "a", "b", "b", "c"]
    ]
    kept, suppressed, left_out = make_k_anonymous(rows)
    assert len(kept) == 6 and left_out == 0
    assert suppressed["criteria"] == 6
    lone = [{"age_band": "x", "gender": "g", "region": "r", "orientation": "o", "criteria": "c"}]
    assert make_k_anonymous(lone)[2] == 1


@pytest.mark.parametrize("username", ["coordinator", "mentor01", "liaison-security", "auditor"])
def test_only_the_evaluator_downloads_the_data_set(username: str) -> None:
    client = signed_in_client(username)
    assert client.get("/evaluation/data-set/").status_code == 404
    assert download(client, "cases").status_code == 404
