"""Evaluation: follow-up outcomes 6, 12 and 24 months after a mentorship closes (and of
eligible people never matched), the coordinator's due list, the home page and send-alerts."""

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import Action, AuditEvent
from backontrack.core.errors import Refused
from backontrack.evaluation import services
from backontrack.evaluation.dashboard import SECTION_OF
from backontrack.evaluation.followups import months_after, months_before
from backontrack.evaluation.models import FollowUp, Group
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
    assert {m.to[0] for m in follow_up_mails} == {"coordinator@example.org"}
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


# --- The programme dashboard ---------------------------------------------------------------


def dashboard_text(client: Client, query: str = "") -> str:
    response = client.get(f"/evaluation/{query}")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def criterion_count(name: str) -> int:
    programme = Programme.objects.default()
    start = months_before(timezone.localdate(), 24)
    return sum(
        1
        for r in Referral.objects.filter(programme=programme, referred_on__gte=start)
        if getattr(r, name)
    )


def test_the_coordinator_sees_the_programme_s_figures_exactly() -> None:
    page = dashboard_text(signed_in_client("coordinator"))
    charged = criterion_count("charged_with_terrorism")
    assert 0 < charged < 5  # the demo has a small group to hide from the evaluator
    assert f"Charged with terrorism {charged} " in page
    received = Referral.objects.filter(
        programme=Programme.objects.default(),
        referred_on__gte=months_before(timezone.localdate(), 24),
    ).count()
    assert f"Received {received} " in page


def test_the_evaluator_sees_every_count_under_5_as_hidden() -> None:
    page = dashboard_text(signed_in_client("evaluator"))
    assert "Charged with terrorism &lt;5 " in page
    assert f"Convicted of terrorism {criterion_count('convicted_of_terrorism')} " in page
    # No cell of any table holds a count from 1 to 4.
    cells = re.findall(
        r"<td>([^<]*)</td>", signed_in_client("evaluator").get("/evaluation/").content.decode()
    )
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
    special = Programme.objects.get(name="Special mentoring scheme")
    counts = []
    for programme in (special, Programme.objects.default()):
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
