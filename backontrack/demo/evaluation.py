"""Two and a half years of earlier cases in Back on Track, so that every figure of the
programme dashboard has a believable shape and follow-ups exist at 6, 12 and 24 months: 60
synthetic people, each referred, most mentored and closed, the rest eligible but withdrawn
before a match (the comparison group). Written in bulk (evaluation/synthetic.py): it adds
about a second to the demo. Each programme's theory of change has a few indicators: goal
areas, review items and follow-up outcomes, in Danish like the rest of the demo's records."""

import random
from datetime import date

from backontrack.accounts.models import Institution, User
from backontrack.evaluation import services
from backontrack.evaluation import synthetic as case_histories
from backontrack.evaluation.models import Measure
from backontrack.mentees import synthetic
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme

from .guard import demo_only

EARLIER_CASES = 60
HISTORY_DAYS = 1100
SPECIAL_SCHEME = "Special mentoring scheme"
# (programme is the special scheme's, name, what the programme expects, measure, target)
INDICATORS = (
    (
        False,
        "Nye relationer uden for miljøet",
        "Mentor og mentee arbejder med relationer uden for kriminelle og ekstremistiske "
        "miljøer: flere af målene i indsatsområdet nås, når mentorskabet slutter.",
        Measure.GOAL_AREA,
        "relations",
    ),
    (
        False,
        "Nogen at gå til",
        "Flere har personer uden for miljøerne at gå til, jo længere mentorskabet varer.",
        Measure.REVIEW_ITEM,
        "prosocial_ties",
    ),
    (
        False,
        "Svagere bånd til grupperne",
        "Båndene til en ekstremistisk gruppe eller et miljø bliver svagere undervejs.",
        Measure.REVIEW_ITEM,
        "group_ties",
    ),
    (
        False,
        "Ingen ny dom",
        "Færre af de mentorerede end i sammenligningsgruppen dømmes igen inden for to år.",
        Measure.FOLLOW_UP,
        "reconviction=none",
    ),
    (
        False,
        "Ingen kontakt til det ekstremistiske miljø",
        "Efter mentorskabet har flere ingen kontakt til miljøet end i sammenligningsgruppen.",
        Measure.FOLLOW_UP,
        "milieu_contact=none",
    ),
    (
        True,
        "Motivation for et liv uden kriminalitet",
        "Målene om motivation nås oftere, når mentorskabet slutter.",
        Measure.GOAL_AREA,
        "motivation",
    ),
)


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
    _theory_of_change()


def _theory_of_change() -> None:
    """The indicators each programme's coordinator set (Camilla Holm coordinates both)."""
    coordinator = User.objects.get(username="coordinator")
    for special, name, description, measure, target in INDICATORS:
        programme = (
            Programme.objects.get(name=SPECIAL_SCHEME) if special else Programme.objects.default()
        )
        services.indicator_create(
            actor=coordinator,
            programme=programme,
            data=services.IndicatorData(
                name=name, description=description, measure=measure, target=target, active=True
            ),
        )
