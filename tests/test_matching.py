"""Matching: explained suggestions for one referral, readiness enforced in every path, and
the pool draft's optimal assignment."""

import importlib.util
import io
import itertools
import sys
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import Action, AuditEvent
from backontrack.mentors import matching, pool, services
from backontrack.mentors.models import ConflictOfInterest, DraftProposal, Mentor, PoolDraft
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral, Status

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def mentor(username: str) -> Mentor:
    return Mentor.objects.get(user__username=username)


def coordinator() -> User:
    return User.objects.get(username="coordinator")


def accepted() -> list[Referral]:
    return list(Referral.objects.filter(status=Status.ACCEPTED).order_by("id"))


def conflicted() -> Referral:
    conflict = ConflictOfInterest.objects.get(mentor__user__username="mentor05")
    return Referral.objects.get(mentee=conflict.mentee, status=Status.ACCEPTED)


def test_each_part_of_the_score_follows_its_rule() -> None:
    referrals = matching.ReferralSide(
        institution=np.array([7, 7]),
        region=np.array([0, 0]),
        languages=np.array([matching.LANGUAGE_BIT["ar"], matching.LANGUAGE_BIT["da"]]),
        gender_preference=np.array([matching.GENDER_CODE["female"], 0]),
        needs=np.array([matching.ORIENTATION_NEEDS["religious"], 0]),
        mentee=np.array([100, 101]),
    )
    regions = np.zeros((3, len(matching.REGION_INDEX)), dtype=bool)
    regions[1, 0] = True
    mentors = matching.MentorSide(
        institutions=[frozenset({7}), frozenset({8}), frozenset()],
        regions=regions,
        languages=np.array(
            [matching.LANGUAGE_BIT["ar"], matching.LANGUAGE_BIT["da"], matching.LANGUAGE_BIT["en"]]
        ),
        gender=np.array([matching.GENDER_CODE["female"], matching.GENDER_CODE["male"], 1]),
        competences=np.array([matching.COMPETENCE_BIT["religious"], 0, 0]),
        capacity=np.array([2.0, 4.0, 1.0]),
        places_left=np.array([2.0, 1.0, 0.0]),
        ready=np.array([True, True, False]),
        ids=np.array([1, 2, 3]),
    )
    parts = matching.score_parts(referrals, mentors, {(101, 2)})
    assert parts["place"][0].tolist() == [30, 15, 0]
    assert parts["language"][0].tolist() == [20, 0, 0]
    assert parts["language"][1].tolist() == [0, 20, 0]
    assert parts["gender"][0].tolist() == [10, 0, 10]
    assert parts["gender"][1].tolist() == [10, 10, 10]  # no preference: every mentor fits
    assert parts["competence"][0].tolist() == [20, 0, 0]
    assert parts["competence"][1].tolist() == [20, 20, 20]  # no orientation to match
    assert parts["continuity"].tolist() == [[0, 0, 0], [0, 15, 0]]
    assert parts["capacity"][0].tolist() == [10, 2.5, 0]
    assert matching.total(parts)[0].tolist() == [90, 17.5, 10]
    assert sum(part.maximum for part in matching.PARTS) == matching.MAX_SCORE


def test_suggestions_are_ranked_and_explain_themselves_and_their_exclusions() -> None:
    referral = conflicted()
    page = signed_in_client("coordinator").get(f"/referrals/{referral.pk}/match/")
    assert page.status_code == 200
    html = page.content.decode()
    for part in matching.PARTS:
        assert str(part.label) in html
    assert "Conflict of interest recorded" in html
    assert "Criminal-record check: expired on" in html
    assert "Status is “In training”" in html
    suggestions = matching.suggestions_for(referral)
    possible = [s for s in suggestions if not s.excluded]
    assert [s.score for s in possible] == sorted((s.score for s in possible), reverse=True)
    assert all(s.score == sum(points for _, points in s.parts) for s in suggestions)
    assert mentor("mentor05").pk not in {s.mentor.pk for s in possible}
    # The best mentor comes first on the page and is preselected.
    assert f'value="{possible[0].mentor.pk}" id="mentor-{possible[0].mentor.pk}" checked' in html


def test_the_match_pages_defaults_are_always_a_valid_choice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    referral = accepted()[0]
    best = next(s for s in matching.suggestions_for(referral) if not s.excluded)
    real_options = matching.coach_options

    def best_mentor_ranked_first_as_coach(*args: Any, **kwargs: Any) -> list[Any]:
        options = real_options(*args, **kwargs)
        return [SimpleNamespace(mentor=best.mentor), *options]

    monkeypatch.setattr(matching, "coach_options", best_mentor_ranked_first_as_coach)
    client = signed_in_client("coordinator")
    initial = client.get(f"/referrals/{referral.pk}/match/").context["form"].initial
    assert initial["mentor"] == best.mentor.pk
    assert initial["coach"] not in {None, best.mentor.pk}
    done = client.post(f"/referrals/{referral.pk}/match/", initial)
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.MATCHED


def test_a_coordinator_matches_a_referral_and_a_mentorship_is_proposed() -> None:
    referral = accepted()[0]
    best = next(s for s in matching.suggestions_for(referral) if not s.excluded)
    coach = matching.coach_options(
        best.mentor, mentee_id=referral.mentee_id, programme_id=referral.programme_id
    )[0].mentor
    client = signed_in_client("coordinator")
    assert client.get(f"/referrals/{referral.pk}/match/").status_code == 200
    response = client.post(
        f"/referrals/{referral.pk}/match/",
        {"version": referral.version, "mentor": best.mentor.pk, "coach": coach.pk},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.MATCHED
    mentorship = Mentorship.objects.get(referral=referral)
    assert (mentorship.mentor, mentorship.coach) == (best.mentor, coach)
    assert mentorship.status == MentorshipStatus.PROPOSED
    assert float(mentorship.match_score or 0) == pytest.approx(best.score)
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="mentorships.mentorship", object_id=str(mentorship.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        action=Action.CHANGE, object_type="referrals.referral", object_id=str(referral.pk)
    ).exists()
    # The page that showed every mentor's readiness is in the trail, under the mentors.
    shown = AuditEvent.objects.filter(action=Action.LIST, object_type="mentors.mentor").latest("id")
    assert str(best.mentor.pk) in shown.object_ids
    detail = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert f"Mentor {best.mentor}" in detail
    # The referrer sees the outcome, not who the mentor is.
    mine = signed_in_client("referrer").get(f"/referrals/{referral.pk}/").content.decode()
    assert "Matched with a mentor" in mine and str(best.mentor) not in mine


@pytest.mark.parametrize(
    ("mentor_name", "coach_name", "problem"),
    [
        ("mentor08", "mentor01", "only active mentors are matched"),
        ("mentor06", "mentor01", "Criminal-record check: expired"),
        ("mentor05", "mentor01", "conflict of interest is recorded"),
        ("mentor03", "mentor04", "Coach supervision: not signed off"),
        ("mentor01", "mentor01", "The coach cannot be the mentor"),
    ],
)
def test_the_service_refuses_a_match_that_readiness_forbids(
    mentor_name: str, coach_name: str, problem: str
) -> None:
    referral = conflicted()
    with pytest.raises(services.Refused, match=problem):
        services.referral_match(
            actor=coordinator(),
            referral=referral,
            version=referral.version,
            mentor=mentor(mentor_name),
            coach=mentor(coach_name),
            score=0,
        )
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert not Mentorship.objects.filter(referral=referral).exists()


def test_a_coach_with_a_conflict_of_interest_is_neither_offered_nor_accepted() -> None:
    referral = accepted()[0]
    henrik = mentor("mentor01")
    services.conflict_record(
        actor=coordinator(),
        mentor=henrik,
        mentee=referral.mentee,
        side="mentee",
        description="Threatened the coach's family.",
    )
    offered = matching.coach_options(
        None, mentee_id=referral.mentee_id, programme_id=referral.programme_id
    )
    assert henrik.pk not in {option.mentor.pk for option in offered}
    with pytest.raises(services.Refused, match="coach Henrik Lund"):
        services.referral_match(
            actor=coordinator(),
            referral=referral,
            version=referral.version,
            mentor=mentor("mentor03"),
            coach=henrik,
            score=0,
        )
    draft = pool.draft_create(actor=coordinator())
    line = draft.proposals.get(referral=referral)
    assert line.coach != henrik


def test_a_person_is_never_matched_twice() -> None:
    matched = Referral.objects.filter(status=Status.MATCHED).order_by("id").first()
    assert matched is not None
    second = accepted()[0]
    Referral.objects.filter(pk=second.pk).update(mentee=matched.mentee)
    second.refresh_from_db()
    assert second.pk not in {r.pk for r in pool.open_referrals(Programme.objects.default())}
    page = signed_in_client("coordinator").get(f"/referrals/{second.pk}/match/")
    assert "This person already has a mentorship" in page.content.decode()
    with pytest.raises(services.Refused, match="already has a mentorship"):
        services.referral_match(
            actor=coordinator(),
            referral=second,
            version=second.version,
            mentor=mentor("mentor03"),
            coach=mentor("mentor01"),
            score=0,
        )
    assert Mentorship.objects.filter(mentee=matched.mentee).count() == 1


def test_a_full_mentor_is_not_offered_and_cannot_be_matched() -> None:
    jonas = mentor("mentor03")
    Mentor.objects.filter(pk=jonas.pk).update(capacity=1)
    if not Mentorship.objects.filter(mentor=jonas).exists():
        matched = Referral.objects.filter(status=Status.MATCHED).order_by("id").first()
        Mentorship.objects.filter(referral=matched).update(mentor=jonas)
    referral = accepted()[0]
    suggestion = next(s for s in matching.suggestions_for(referral) if s.mentor.pk == jonas.pk)
    assert suggestion.excluded and "Full: 1 of 1 mentees" in suggestion.exclusions
    response = signed_in_client("coordinator").post(
        f"/referrals/{referral.pk}/match/",
        {"version": referral.version, "mentor": jonas.pk, "coach": mentor("mentor01").pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(services.Refused, match="Full"):
        services.referral_match(
            actor=coordinator(),
            referral=referral,
            version=referral.version,
            mentor=jonas,
            coach=mentor("mentor01"),
            score=0,
        )


def test_only_a_coordinator_may_match() -> None:
    referral = accepted()[0]
    for username in ("referrer", "mentor01", "trainer"):
        with pytest.raises(services.Refused):
            services.referral_match(
                actor=User.objects.get(username=username),
                referral=referral,
                version=referral.version,
                mentor=mentor("mentor03"),
                coach=mentor("mentor01"),
                score=0,
            )


def _brute_force(problem: pool.Problem) -> float:
    n, m = problem.scores.shape
    best = 0.0
    for choice in itertools.product([None, *range(m)], repeat=n):
        used = Counter(j for j in choice if j is not None)
        if any(used[j] > problem.capacity[j] for j in used):
            continue
        if any(j is not None and not problem.allowed[i, j] for i, j in enumerate(choice)):
            continue
        best = max(best, sum(problem.scores[i, j] for i, j in enumerate(choice) if j is not None))
    return best


def test_the_pool_draft_is_optimal_and_never_uses_an_excluded_pair() -> None:
    problem = pool.build_problem(Programme.objects.default())
    assert len(problem.referrals) == 3
    draft = pool.draft_create(actor=coordinator())
    assert float(draft.optimal_score) == pytest.approx(_brute_force(problem), abs=0.05)
    proposals = list(draft.proposals.select_related("referral", "mentor", "coach"))
    assert len(proposals) == 3
    for proposal in proposals:
        assert proposal.mentor is not None and proposal.coach is not None
        assert proposal.coach != proposal.mentor
        assert (
            services.match_problems(
                referral=proposal.referral, mentor=proposal.mentor, coach=proposal.coach
            )
            == []
        )
    conflict = conflicted()
    assert next(p for p in proposals if p.referral == conflict).mentor != mentor("mentor05")
    # Only one draft is open at a time.
    assert PoolDraft.objects.filter(state=PoolDraft.State.OPEN).count() == 1


def test_a_line_of_the_draft_can_be_changed_but_not_to_a_mentor_who_is_not_ready() -> None:
    draft = pool.draft_create(actor=coordinator())
    line = draft.proposals.select_related("referral").first()
    assert line is not None
    client = signed_in_client("coordinator")
    url = f"/matching/drafts/{draft.pk}/lines/{line.pk}/"
    page = client.get(url).content.decode()
    assert "Leyla Demir" not in page  # in training: never offered
    with pytest.raises(services.Refused, match="only active mentors"):
        pool.proposal_change(
            actor=coordinator(),
            draft=draft,
            version=draft.version,
            proposal=line,
            mentor=mentor("mentor08"),
            coach=mentor("mentor01"),
        )
    response = client.post(url, {"version": draft.version, "mentor": "", "coach": ""})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.mentor is None and line.edited


def test_the_draft_counts_its_own_lines_against_capacity() -> None:
    draft = pool.draft_create(actor=coordinator())
    lines = list(draft.proposals.select_related("referral"))
    henrik = mentor("mentor01")
    Mentor.objects.filter(pk=henrik.pk).update(capacity=1)
    DraftProposal.objects.filter(pk=lines[0].pk).update(mentor=henrik)
    with pytest.raises(services.Refused, match="Full"):
        pool.proposal_change(
            actor=coordinator(),
            draft=draft,
            version=draft.version,
            proposal=lines[1],
            mentor=henrik,
            coach=mentor("mentor02"),
        )


def accepted_here() -> QuerySet[Referral]:
    """Back on Track's accepted referrals (the pool the draft matches)."""
    return Referral.objects.filter(programme__is_default=True, status=Status.ACCEPTED)


def test_confirming_the_draft_matches_every_line_or_none() -> None:
    draft = pool.draft_create(actor=coordinator())
    client = signed_in_client("coordinator")
    chosen = draft.proposals.exclude(mentor=None).first()
    assert chosen is not None and chosen.mentor is not None
    # The mentor of one line was paused after the draft was made: nothing is confirmed.
    paused = chosen.mentor
    services.mentor_move(
        actor=coordinator(),
        mentor=paused,
        version=paused.version,
        to_status="paused",
        reason="Ill.",
    )
    response = client.post(f"/matching/drafts/{draft.pk}/confirm/", {"version": draft.version})
    assert response.status_code == 302
    assert accepted_here().count() == 3
    draft.refresh_from_db()
    assert draft.state == PoolDraft.State.OPEN
    page = client.get(f"/matching/drafts/{draft.pk}/").content.decode()
    assert "Nothing was confirmed" in page
    paused.refresh_from_db()
    services.mentor_move(
        actor=coordinator(), mentor=paused, version=paused.version, to_status="active", reason=""
    )
    response = client.post(f"/matching/drafts/{draft.pk}/confirm/", {"version": draft.version})
    assert response.status_code == 302
    assert accepted_here().count() == 0
    draft.refresh_from_db()
    assert draft.state == PoolDraft.State.CONFIRMED
    assert (
        Mentorship.objects.filter(
            programme__is_default=True, status=MentorshipStatus.PROPOSED
        ).count()
        == 4
    )


def test_the_match_page_query_count_does_not_grow_with_the_corps() -> None:
    referral = accepted()[0]
    client = signed_in_client("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/referrals/{referral.pk}/match/").status_code == 200
        return len(queries)

    before = count()
    for n in range(10):
        services.mentor_create(
            actor=coordinator(),
            data=services.MentorData(
                first_name=f"Extra{n}",
                last_name="Mentor",
                gender="female",
                languages=["da"],
                regions=["hovedstaden"],
                competences=["religious"],
                recruited_from="corps",
                prior_experience="",
                capacity=2,
                coach_capacity=1,
                user=None,
            ),
            institutions=[],
        )
    assert count() == before


def test_the_benchmark_script_checks_optimality_at_a_small_scale(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path(settings.BASE_DIR) / "benchmarks" / "pool_matching.py"
    spec = importlib.util.spec_from_file_location("pool_matching", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "pool_matching", module)
    spec.loader.exec_module(module)
    assert module.main(["--referrals", "120", "--mentors", "30", "--capacity", "3"]) == 0
    assert "OPTIMAL: totals equal" in capsys.readouterr().out


@pytest.mark.parametrize(("days", "kept"), [(29, True), (31, False)])
def test_closed_pool_drafts_are_removed_after_30_days(days: int, kept: bool) -> None:
    closed = pool.draft_create(actor=coordinator())
    PoolDraft.objects.filter(pk=closed.pk).update(
        state=PoolDraft.State.DISCARDED, closed_at=timezone.now() - timedelta(days=days)
    )
    still_open = pool.draft_create(actor=coordinator())
    PoolDraft.objects.filter(pk=still_open.pk).update(
        created_at=timezone.now() - timedelta(days=90)
    )
    out = io.StringIO()
    call_command("send-alerts", stdout=out)
    assert PoolDraft.objects.filter(pk=closed.pk).exists() is kept
    assert DraftProposal.objects.filter(draft_id=closed.pk).exists() is kept
    assert PoolDraft.objects.filter(pk=still_open.pk).exists()
    assert f"{0 if kept else 1} closed pool drafts removed" in out.getvalue()


def test_the_language_given_in_a_referral_counts_in_the_match_score() -> None:
    """The referral form asks for the person's languages, so the language part of the
    score is earned by the mentors who speak one of them."""
    from backontrack.accounts.models import Institution

    response = signed_in_client("referrer").post(
        "/referrals/new/",
        {
            "first_name": "Samir",
            "last_name": "Holm",
            "personal_id": "050591-1235",
            "date_of_birth": "1991-05-05",
            "gender": "male",
            "languages": ["ar"],
            "institution": Institution.objects.get(name="Københavns Fængsler").pk,
            "custody_status": "remand",
            "referring_unit": "Københavns Fængsler, afdeling C",
            "referred_on": timezone.localdate().isoformat(),
            "vulnerable": "on",
            "vulnerability_rationale": "Seeks out recruiters on the wing.",
            "orientation": "religious",
            "reason": "Asked the imam about fighting abroad.",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.latest("id")
    assert referral.mentee.languages == ["ar"]
    points = {
        s.mentor.pk: dict((part.key, value) for part, value in s.parts)["language"]
        for s in matching.suggestions_for(referral)
    }
    speakers = {m.pk for m in Mentor.objects.all() if "ar" in m.languages}
    assert speakers, "the demo has mentors who speak Arabic"
    assert {pk for pk, value in points.items() if value > 0} == speakers & set(points)


def test_the_pool_draft_prints_its_scores_for_people(settings: Any) -> None:
    draft = pool.draft_create(actor=coordinator())
    DraftProposal.objects.filter(draft=draft).update(score=Decimal("75.6"))
    client = signed_in_client("coordinator")
    html = client.get(f"/matching/drafts/{draft.pk}/").content.decode()
    total = 75.6 * draft.proposals.count()
    assert f"Total score {total:.1f}" in html
    assert "00000" not in html
    client.post("/i18n/setlang/", {"language": "da", "next": "/"})
    danish = client.get(f"/matching/drafts/{draft.pk}/").content.decode()
    assert f"{total:.1f}".replace(".", ",") in danish
