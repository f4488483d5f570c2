"""The evaluation's pages at a larger scale: the dashboard, the programme report (page and
PDF) and every CSV download ask the database the same number of questions for the demo and
for the demo with a few hundred more people with case histories (issue #18: the count must
not grow on the way to national scale)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backontrack.evaluation.dashboard import SECTION_OF
from backontrack.evaluation.models import Indicator
from backontrack.evaluation.theory import KEY_PREFIX
from backontrack.mentorships.models import Meeting, Mentorship
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral
from backontrack.reviews.models import Rating

from .conftest import signed_in_client
from .test_evaluation import add_cases

pytestmark = pytest.mark.django_db

READERS = ("coordinator", "evaluator")


def pages() -> list[str]:
    programme = Programme.objects.default()
    indicators = Indicator.objects.filter(programme=programme, active=True)
    keys = [*SECTION_OF, *(f"{KEY_PREFIX}{pk}" for pk in indicators.values_list("pk", flat=True))]
    query = f"?programme={programme.pk}"
    return [
        f"/evaluation/{query}",
        f"/evaluation/report/{query}",
        f"/evaluation/report/pdf/{query}",
        *(f"/evaluation/figures/{key}.csv{query}" for key in keys),
    ]


def query_counts() -> dict[tuple[str, str], int]:
    """The queries of each page for each reader, each page read in a fresh session (so that
    the once-a-minute write of the session's last activity is never counted)."""
    counts = {}
    for username in READERS:
        for page in pages():
            client = signed_in_client(username)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page)
            assert response.status_code == 200, (username, page)
            counts[(username, page)] = len(queries.captured_queries)
    return counts


def test_every_evaluation_page_asks_as_many_queries_with_hundreds_more_cases() -> None:
    programme = Programme.objects.default()
    assert Indicator.objects.filter(programme=programme, active=True).exists()
    on_the_demo = query_counts()
    cases_before = (Referral.objects.count(), Mentorship.objects.count(), Rating.objects.count())
    add_cases(300)
    cases_after = (Referral.objects.count(), Mentorship.objects.count(), Rating.objects.count())
    assert all(
        after > before + 100 for before, after in zip(cases_before, cases_after, strict=True)
    )
    assert Meeting.objects.filter(mentorship__programme=programme).count() > 1000
    assert query_counts() == on_the_demo
