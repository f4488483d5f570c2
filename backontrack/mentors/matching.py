"""Scoring mentors for referrals, and which pairs are excluded.

The score is a sum of named parts, each with a maximum; every suggestion shows its parts.
Scores are computed as matrices (referrals by mentors) so the same code ranks the mentors
for one referral and feeds the pool solver for thousands at once."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Region, Role
from backontrack.mentees.models import Language
from backontrack.mentorships.models import Mentorship
from backontrack.referrals.models import Orientation, Referral

from .models import EXTREMISM_COMPETENCES, Competence, ConflictOfInterest, Mentor
from .readiness import Readiness, readiness_of


@dataclass(frozen=True)
class Part:
    key: str
    label: str | Promise
    maximum: int


PARTS = (
    Part("place", _("Institution and region"), 30),
    Part("language", _("Language"), 20),
    Part("competence", _("Competence for the orientation"), 20),
    Part("continuity", _("Continuity"), 15),
    Part("capacity", _("Capacity left"), 10),
    Part("gender", _("Gender preference"), 10),
)
MAX_SCORE = sum(part.maximum for part in PARTS)
SAME_REGION = 15  # points for the region when the mentor does not cover the institution

LANGUAGE_BIT = {code: 1 << n for n, code in enumerate(Language.values)}
COMPETENCE_BIT = {code: 1 << n for n, code in enumerate(Competence.values)}
EXTREMISM_MASK = sum(COMPETENCE_BIT[c] for c in EXTREMISM_COMPETENCES)
# The competence a referral's orientation asks for; 0 = any mentor fits equally.
ORIENTATION_NEEDS: dict[str, int] = {
    Orientation.RIGHT_WING: COMPETENCE_BIT[Competence.RIGHT_WING],
    Orientation.LEFT_WING: COMPETENCE_BIT[Competence.LEFT_WING],
    Orientation.RELIGIOUS: COMPETENCE_BIT[Competence.RELIGIOUS],
    Orientation.OTHER: COMPETENCE_BIT[Competence.OTHER_EXTREMISM],
    Orientation.MIXED: EXTREMISM_MASK,
    Orientation.NOT_APPLICABLE: 0,
}
REGION_INDEX = {code: n for n, code in enumerate(Region.values)}
GENDER_CODE = {"": 0, "female": 1, "male": 2, "other": 3, "not_stated": 4}


@dataclass
class ReferralSide:
    """What matching needs to know about each referral, as arrays (one entry a referral)."""

    institution: np.ndarray  # institution id, -1 if none
    region: np.ndarray  # index into Region, -1 if none
    languages: np.ndarray  # bit mask
    gender_preference: np.ndarray  # GENDER_CODE, 0 = none
    needs: np.ndarray  # competence bit mask wanted, 0 = any
    mentee: np.ndarray  # mentee id


@dataclass
class MentorSide:
    """What matching needs to know about each mentor, as arrays (one entry a mentor)."""

    institutions: list[frozenset[int]]
    regions: np.ndarray  # bool, mentors by regions
    languages: np.ndarray  # bit mask
    gender: np.ndarray  # GENDER_CODE
    competences: np.ndarray  # bit mask
    capacity: np.ndarray
    places_left: np.ndarray
    ready: np.ndarray  # bool: readiness says yes (includes a place left)
    ids: np.ndarray


def score_parts(
    referrals: ReferralSide, mentors: MentorSide, continuity: set[tuple[int, int]]
) -> dict[str, np.ndarray]:
    """Each part of the score as a referrals-by-mentors matrix. `continuity` holds
    (mentee id, mentor id) pairs with an earlier mentorship."""
    n, m = len(referrals.institution), len(mentors.ids)
    covers = np.zeros((n, m), dtype=bool)
    for j, institutions in enumerate(mentors.institutions):
        if institutions:
            covers[:, j] = np.isin(referrals.institution, list(institutions))
    in_region = np.zeros((n, m), dtype=bool)
    has_region = referrals.region >= 0
    in_region[has_region] = mentors.regions[:, referrals.region[has_region]].T
    place = np.where(covers, 30.0, np.where(in_region, float(SAME_REGION), 0.0))

    language = np.where((referrals.languages[:, None] & mentors.languages[None, :]) != 0, 20.0, 0.0)

    no_preference = referrals.gender_preference[:, None] == 0
    same_gender = referrals.gender_preference[:, None] == mentors.gender[None, :]
    gender = np.where(no_preference | same_gender, 10.0, 0.0)

    any_fits = referrals.needs[:, None] == 0
    fits = (referrals.needs[:, None] & mentors.competences[None, :]) != 0
    competence = np.where(any_fits | fits, 20.0, 0.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(mentors.capacity > 0, mentors.places_left / mentors.capacity, 0.0)
    capacity = np.broadcast_to(np.round(10.0 * share, 1)[None, :], (n, m)).copy()

    earlier = np.zeros((n, m), dtype=bool)
    if continuity:
        column = {int(mentor_id): j for j, mentor_id in enumerate(mentors.ids)}
        rows: dict[int, list[int]] = {}
        for i, mentee_id in enumerate(referrals.mentee.tolist()):
            rows.setdefault(mentee_id, []).append(i)
        for mentee_id, mentor_id in continuity:
            if mentor_id in column:
                for i in rows.get(mentee_id, []):
                    earlier[i, column[mentor_id]] = True
    return {
        "place": place,
        "language": language,
        "competence": competence,
        "continuity": np.where(earlier, 15.0, 0.0),
        "capacity": capacity,
        "gender": gender,
    }


def total(parts: dict[str, np.ndarray]) -> np.ndarray:
    return np.sum(list(parts.values()), axis=0)


# --- From the database ----------------------------------------------------------------------


def referral_side(referrals: Sequence[Referral]) -> ReferralSide:
    """Referrals with mentee and mentee__institution selected."""
    mentees = [referral.mentee for referral in referrals]
    return ReferralSide(
        institution=np.array([m.institution_id or -1 for m in mentees], dtype=np.int64),
        region=np.array(
            [REGION_INDEX.get(m.institution.region, -1) if m.institution else -1 for m in mentees],
            dtype=np.int64,
        ),
        languages=np.array(
            [sum(LANGUAGE_BIT.get(code, 0) for code in set(m.languages)) for m in mentees],
            dtype=np.int64,
        ),
        gender_preference=np.array(
            [GENDER_CODE.get(m.mentor_gender_preference, 0) for m in mentees], dtype=np.int64
        ),
        needs=np.array(
            [ORIENTATION_NEEDS.get(referral.orientation, 0) for referral in referrals],
            dtype=np.int64,
        ),
        mentee=np.array([m.pk for m in mentees], dtype=np.int64),
    )


def mentor_side(mentors: Sequence[Mentor], readiness: dict[int, Readiness]) -> MentorSide:
    """Mentors with their institutions prefetched."""
    regions = np.zeros((len(mentors), len(REGION_INDEX)), dtype=bool)
    for j, mentor in enumerate(mentors):
        for code in mentor.regions:
            if code in REGION_INDEX:
                regions[j, REGION_INDEX[code]] = True
        for institution in mentor.institutions.all():
            regions[j, REGION_INDEX[institution.region]] = True
    return MentorSide(
        institutions=[frozenset(i.pk for i in mentor.institutions.all()) for mentor in mentors],
        regions=regions,
        languages=np.array(
            [sum(LANGUAGE_BIT.get(code, 0) for code in set(m.languages)) for m in mentors],
            dtype=np.int64,
        ),
        gender=np.array([GENDER_CODE.get(m.gender, 0) for m in mentors], dtype=np.int64),
        competences=np.array(
            [sum(COMPETENCE_BIT.get(c, 0) for c in set(m.competences)) for m in mentors],
            dtype=np.int64,
        ),
        capacity=np.array([m.capacity for m in mentors], dtype=np.float64),
        places_left=np.array([readiness[m.pk].places_left for m in mentors], dtype=np.float64),
        ready=np.array([readiness[m.pk].ready for m in mentors], dtype=bool),
        ids=np.array([m.pk for m in mentors], dtype=np.int64),
    )


def taking_part(programme_id: int, role: str) -> Q:
    """Mentors whose account takes part in the programme in this role (mentor or coach)."""
    return Q(
        user__programme_memberships__programme_id=programme_id,
        user__programme_memberships__role=role,
    )


def candidate_mentors(*, programme_id: int) -> list[Mentor]:
    """Every mentor of the programme who could be matched at all: those who take part in it
    as mentors and have not left the corps."""
    return list(
        Mentor.objects.filter(taking_part(programme_id, Role.MENTOR))
        .exclude(status="left")
        .defer("prior_experience")
        .prefetch_related("institutions")
        .order_by("last_name", "first_name", "id")
    )


def conflicts_between(mentee_ids: Sequence[int], mentor_ids: Sequence[int]) -> set[tuple[int, int]]:
    return set(
        ConflictOfInterest.objects.filter(
            mentee_id__in=list(mentee_ids), mentor_id__in=list(mentor_ids)
        ).values_list("mentee_id", "mentor_id")
    )


def earlier_mentorships(mentee_ids: Sequence[int]) -> set[tuple[int, int]]:
    return set(
        Mentorship.objects.filter(mentee_id__in=list(mentee_ids)).values_list(
            "mentee_id", "mentor_id"
        )
    )


@dataclass
class Suggestion:
    mentor: Mentor
    readiness: Readiness
    score: float
    parts: list[tuple[Part, float]]
    exclusions: list[str]

    @property
    def excluded(self) -> bool:
        return bool(self.exclusions)


def suggestions_for(referral: Referral, *, today: date | None = None) -> list[Suggestion]:
    """Every mentor for one referral: the ones who can be matched, best first, each with the
    parts of their score; then the excluded ones with the reasons."""
    mentors = candidate_mentors(programme_id=referral.programme_id)
    readiness = readiness_of(mentors, today=today)
    side = mentor_side(mentors, readiness)
    mentee_id = referral.mentee_id
    conflicts = {mentor for (_mentee, mentor) in conflicts_between([mentee_id], side.ids.tolist())}
    parts = score_parts(referral_side([referral]), side, earlier_mentorships([mentee_id]))
    scores = total(parts)[0]
    suggestions = []
    for j, mentor in enumerate(mentors):
        exclusions = [gap.text for gap in readiness[mentor.pk].missing]
        if mentor.pk in conflicts:
            exclusions.append(str(_("Conflict of interest recorded")))
        suggestions.append(
            Suggestion(
                mentor=mentor,
                readiness=readiness[mentor.pk],
                score=float(scores[j]),
                parts=[(part, float(parts[part.key][0, j])) for part in PARTS],
                exclusions=exclusions,
            )
        )
    suggestions.sort(key=lambda s: (s.excluded, -s.score, s.mentor.last_name, s.mentor.pk))
    return suggestions


def coach_options(
    mentor: Mentor | None,
    *,
    mentee_id: int,
    programme_id: int,
    today: date | None = None,
    extra_coach_load: dict[int, int] | None = None,
) -> list[Readiness]:
    """Coaches of the programme who may supervise a new mentorship of `mentor` with this
    mentee: ready as coach, places left, not the mentor, no conflict of interest with the
    mentee. Those with most places left first."""
    conflicted = ConflictOfInterest.objects.filter(mentee_id=mentee_id).values("mentor_id")
    coaches = list(
        # A coach's account must hold the coach role: without it they could not see the
        # mentorships they were to supervise.
        Mentor.objects.filter(
            coach_capacity__gt=0, user__is_active=True, user__role_grants__role=Role.COACH
        )
        .filter(taking_part(programme_id, Role.COACH))
        .exclude(status="left")
        .exclude(Q(pk=mentor.pk) if mentor else Q(pk__in=[]))
        .exclude(pk__in=conflicted)
        .defer("prior_experience")
    )
    readiness = readiness_of(coaches, today=today)
    for coach_id, extra in (extra_coach_load or {}).items():
        if coach_id in readiness:
            readiness[coach_id].coach_load += extra
    options = [r for r in readiness.values() if r.coach_ready and r.coach_places_left > 0]
    options.sort(key=lambda r: (-r.coach_places_left, r.mentor.last_name, r.mentor.pk))
    return options
