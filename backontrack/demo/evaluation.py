"""Two and a half years of earlier cases in Back on Track, so that every figure of the
programme dashboard has a believable shape and follow-ups exist at 6, 12 and 24 months: 60
synthetic people, each referred, most mentored and closed, the rest eligible but withdrawn
before a match (the comparison group). Written in bulk (evaluation/synthetic.py): it adds
about a second to the demo."""

import random
from datetime import date

from backontrack.accounts.models import Institution
from backontrack.evaluation import synthetic as case_histories
from backontrack.mentees import synthetic
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme

from .guard import demo_only

EARLIER_CASES = 60
HISTORY_DAYS = 1100


def load(*, today: date) -> None:
    demo_only()
    rng = random.Random(2018)  # noqa: S311 - synthetic data, not secrets
    people = synthetic.generate(
        EARLIER_CASES,
        institutions=list(Institution.objects.order_by("pk")),
        rng=rng,
        today=today,
        taken=synthetic.existing_indexes(),
    )
    ids = synthetic.save_batch(list(people))
    case_histories.add_cases(
        list(Mentee.objects.filter(pk__in=ids).order_by("pk")),
        programme=Programme.objects.default(),
        rng=rng,
        today=today,
        within_days=HISTORY_DAYS,
        closed_only=True,
    )
