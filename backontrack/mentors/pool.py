"""Matching the whole pool: every accepted referral at once, by an optimal assignment, kept
as a draft the coordinator reviews, changes and confirms."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.core.concurrency import claim_version
from backontrack.mentees.models import Consent
from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral, Status

from . import matching, services
from .models import DraftProposal, Mentor, PoolDraft
from .readiness import readiness_of
from .services import Refused
from .solver import assign


def open_referrals(programme: Programme) -> list[Referral]:
    """The programme's accepted referrals whose mentee still consents to take part and has no
    mentorship yet: the pool to match. A person referred twice is in the pool once (the
    earliest)."""
    consenting = Consent.objects.filter(participation=True, withdrawn_on__isnull=True).values(
        "mentee_id"
    )
    mentored = Mentorship.objects.filter(status__in=OPEN_MENTORSHIP_STATUSES).values("mentee_id")
    referrals = (
        Referral.objects.filter(
            programme=programme, status=Status.ACCEPTED, mentee_id__in=consenting
        )
        .exclude(mentee_id__in=mentored)
        .select_related("mentee", "mentee__institution")
        .order_by("referred_on", "id")
    )
    seen: set[int] = set()
    pool = []
    for referral in referrals:
        if referral.mentee_id not in seen:
            seen.add(referral.mentee_id)
            pool.append(referral)
    return pool


@dataclass
class Problem:
    referrals: list[Referral]
    mentors: list[Mentor]
    parts: dict[str, np.ndarray]
    scores: np.ndarray
    allowed: np.ndarray
    capacity: np.ndarray


def build_problem(programme: Programme) -> Problem:
    referrals = open_referrals(programme)
    mentors = matching.candidate_mentors(programme_id=programme.pk)
    readiness = readiness_of(mentors)
    side = matching.mentor_side(mentors, readiness)
    rside = matching.referral_side(referrals)
    parts = matching.score_parts(rside, side, matching.earlier_mentorships(rside.mentee.tolist()))
    allowed = np.broadcast_to(side.ready[None, :], (len(referrals), len(mentors))).copy()
    column = {int(pk): j for j, pk in enumerate(side.ids)}
    rows: dict[int, list[int]] = {}
    for i, mentee_id in enumerate(rside.mentee.tolist()):
        rows.setdefault(mentee_id, []).append(i)
    for mentee_id, mentor_id in matching.conflicts_between(list(rows), list(column)):
        for i in rows[mentee_id]:
            allowed[i, column[mentor_id]] = False
    return Problem(
        referrals=referrals,
        mentors=mentors,
        parts=parts,
        scores=matching.total(parts),
        allowed=allowed,
        capacity=side.places_left.astype(np.int64),
    )


@transaction.atomic
def drafts_purge(*, now: datetime | None = None) -> int:
    """Remove confirmed and discarded drafts their programme's pool draft days after they
    closed. A closed draft is a working paper: what it decided lives on in the referrals,
    the mentorships and the audit trail, so its lines naming people and mentors are not
    kept."""
    removed = 0
    for programme in Programme.objects.only("id", "pool_draft_days"):
        days = programme.pool_draft_days
        cutoff = (now or timezone.now()) - timedelta(days=days)
        old = list(
            PoolDraft.objects.filter(programme=programme)
            .exclude(state=PoolDraft.State.OPEN)
            .filter(closed_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        if not old:
            continue
        PoolDraft.objects.filter(pk__in=old).delete()
        record(
            actor=None,
            username="(backontrack send-alerts)",
            action=Action.DELETE,
            object_type=PoolDraft._meta.label_lower,
            object_ids=old,
            fields=["proposals"],
            detail=f"closed more than {days} days ago",
        )
        removed += len(old)
    return removed


@transaction.atomic
def draft_create(*, actor: User, programme: Programme | None = None) -> PoolDraft:
    """Solve the programme's pool (the installation's default programme when none is named)
    and keep the result as its one open draft (an older open draft is discarded). Coaches
    are proposed per match — ready, with places left, not the mentor — and can be changed
    before confirming."""
    programme = programme or Programme.objects.default()
    if not access.coordinates(actor, programme):
        raise Refused(_("Only a coordinator of the programme matches its referrals."))
    problem = build_problem(programme)
    if not problem.referrals:
        raise Refused(_("There are no accepted referrals waiting for a mentor."))
    for older in PoolDraft.objects.select_for_update().filter(
        programme=programme, state=PoolDraft.State.OPEN
    ):
        _close(actor, older, PoolDraft.State.DISCARDED, "replaced by a new draft")
    assignment = assign(problem.scores, problem.allowed, problem.capacity)
    optimal = sum(float(problem.scores[i, j]) for i, j in enumerate(assignment) if j is not None)
    draft = PoolDraft.objects.create(
        programme=programme, created_by=actor, optimal_score=Decimal(str(round(optimal, 1)))
    )
    coach_load: Counter[int] = Counter()
    proposals = []
    for i, j in enumerate(assignment):
        referral = problem.referrals[i]
        if j is None:
            proposals.append(DraftProposal(draft=draft, referral=referral))
            continue
        mentor = problem.mentors[j]
        options = matching.coach_options(
            mentor,
            mentee_id=referral.mentee_id,
            programme_id=programme.pk,
            extra_coach_load=dict(coach_load),
        )
        coach = options[0].mentor if options else None
        if coach is not None:
            coach_load[coach.pk] += 1
        proposals.append(
            DraftProposal(
                draft=draft,
                referral=referral,
                mentor=mentor,
                coach=coach,
                score=Decimal(str(round(float(problem.scores[i, j]), 1))),
            )
        )
    DraftProposal.objects.bulk_create(proposals)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=draft,
        fields=["proposals"],
        detail=f"{sum(j is not None for j in assignment)} of {len(assignment)} referrals matched",
    )
    record(
        actor=actor,
        action=Action.LIST,
        object_type="referrals.referral",
        object_ids=[referral.pk for referral in problem.referrals],
        fields=["mentee", "proposed_mentor"],
        detail=f"in mentors.pooldraft #{draft.pk}",
    )
    return draft


def draft_loads(
    draft: PoolDraft, *, leave_out: DraftProposal | None = None
) -> tuple[dict[int, int], dict[int, int]]:
    """Places the draft's other proposals would take, per mentor and per coach."""
    proposals = draft.proposals.exclude(pk=leave_out.pk) if leave_out else draft.proposals.all()
    mentors: Counter[int] = Counter()
    coaches: Counter[int] = Counter()
    for mentor_id, coach_id in proposals.values_list("mentor_id", "coach_id"):
        if mentor_id:
            mentors[mentor_id] += 1
        if coach_id:
            coaches[coach_id] += 1
    return dict(mentors), dict(coaches)


def pair_score(referral: Referral, mentor: Mentor) -> float:
    readiness = readiness_of([mentor])
    parts = matching.score_parts(
        matching.referral_side([referral]),
        matching.mentor_side([mentor], readiness),
        matching.earlier_mentorships([referral.mentee_id]),
    )
    return float(matching.total(parts)[0, 0])


@transaction.atomic
def proposal_change(
    *,
    actor: User,
    draft: PoolDraft,
    version: int,
    proposal: DraftProposal,
    mentor: Mentor | None,
    coach: Mentor | None,
) -> DraftProposal:
    """Change one line of the draft: another mentor and coach, or no match for now. The
    same readiness rules apply as for a single match, counting the draft's other lines."""
    if not access.coordinates(actor, draft.programme_id):
        raise Refused(_("Only a coordinator of the programme matches its referrals."))
    if draft.state != PoolDraft.State.OPEN:
        raise Refused(_("This draft is closed."))
    if mentor is not None:
        extra_load, extra_coach_load = draft_loads(draft, leave_out=proposal)
        problems = services.match_problems(
            referral=proposal.referral,
            mentor=mentor,
            coach=coach,
            extra_load=extra_load,
            extra_coach_load=extra_coach_load,
        )
        if problems:
            raise Refused(" ".join(problems))
    claim_version(draft, version)
    proposal.mentor = mentor
    proposal.coach = coach if mentor is not None else None
    proposal.score = (
        Decimal(str(round(pair_score(proposal.referral, mentor), 1))) if mentor else Decimal(0)
    )
    proposal.edited = True
    proposal.save()
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=draft,
        fields=["mentor", "coach"],
        detail=f"line for referrals.referral #{proposal.referral_id}",
    )
    return proposal


@transaction.atomic
def draft_confirm(*, actor: User, draft: PoolDraft, version: int) -> int:
    """Make every proposed match at once, or none: each goes through the same service and
    checks as a single match. Returns how many mentorships were proposed."""
    if not access.coordinates(actor, draft.programme_id):
        raise Refused(_("Only a coordinator of the programme matches its referrals."))
    if draft.state != PoolDraft.State.OPEN:
        raise Refused(_("This draft is closed."))
    claim_version(draft, version)
    made = 0
    for proposal in draft.proposals.select_related(
        "referral", "referral__mentee", "mentor", "coach"
    ).filter(mentor__isnull=False):
        if proposal.mentor is None or proposal.coach is None:
            raise Refused(
                _("Choose a coach for %(name)s before confirming.")
                % {"name": proposal.referral.mentee}
            )
        try:
            services.referral_match(
                actor=actor,
                referral=proposal.referral,
                version=proposal.referral.version,
                mentor=proposal.mentor,
                coach=proposal.coach,
                score=float(proposal.score),
            )
        except Refused as refused:
            raise Refused(
                _(
                    "%(name)s: %(problem)s Nothing was confirmed; change this line and "
                    "confirm again."
                )
                % {"name": proposal.referral.mentee, "problem": refused}
            ) from refused
        made += 1
    _close(actor, draft, PoolDraft.State.CONFIRMED, "confirmed")
    return made


def _close(actor: User, draft: PoolDraft, state: str, why: str) -> None:
    draft.state = state
    draft.closed_at = timezone.now()
    draft.save(update_fields=["state", "closed_at"])
    record(actor=actor, action=Action.CHANGE, obj=draft, fields=["state"], detail=why)


@transaction.atomic
def draft_discard(*, actor: User, draft: PoolDraft, version: int) -> None:
    if not access.coordinates(actor, draft.programme_id):
        raise Refused(_("Only a coordinator of the programme matches its referrals."))
    if draft.state != PoolDraft.State.OPEN:
        raise Refused(_("This draft is closed."))
    claim_version(draft, version)
    _close(actor, draft, PoolDraft.State.DISCARDED, "discarded")
