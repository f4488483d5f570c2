"""Benchmark and independent optimality check of the mentor pool-assignment solver.

Builds a synthetic national-scale pool (by default 5,000 referrals and 1,000 mentors with 5
places each), times :func:`backontrack.mentors.solver.assign`, and checks its total against the
optimum of the same problem solved as a transportation linear programme by HiGHS:

    maximise   sum s_ij x_ij            over allowed pairs (i, j) only
    subject to sum_j x_ij <= 1          for every referral i
               sum_i x_ij <= capacity_j for every mentor j
               0 <= x_ij <= 1

The constraint matrix is the incidence matrix of a bipartite graph, hence totally unimodular,
so the LP optimum is attained at an integral vertex and equals the integer optimum.

Usage: .venv/bin/python benchmarks/pool_matching.py [--referrals 5000] [--mentors 1000]
       [--capacity 5] [--seed 1] [--skip-lp]

Exits 0 when the totals agree ("OPTIMAL: totals equal"), 1 on "MISMATCH" or infeasibility.
Not a test: it is not collected by pytest and takes tens of seconds at full scale.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import django
import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linprog

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backontrack.settings")
django.setup()

from backontrack.mentors.solver import assign, total_score  # noqa: E402

N_INSTITUTIONS = 40  # prisons, remand prisons, halfway houses and probation offices
CONFLICT_RATE = 0.01  # pairs with a conflict of interest recorded
NOT_READY_RATE = 0.10  # mentors not ready (in training, screening expired, paused)
EARLIER_RATE = 0.02  # referrals of people who had a mentor before


@dataclass(frozen=True)
class Problem:
    scores: npt.NDArray[np.float64]
    allowed: npt.NDArray[np.bool_]
    capacity: npt.NDArray[np.int64]


def _mask(rng: np.random.Generator, n: int, codes: int, rates: list[float]) -> np.ndarray:
    held = rng.random((n, codes)) < np.array(rates)
    return (held * (1 << np.arange(codes))).sum(axis=1).astype(np.int64)


def build_problem(n_referrals: int, n_mentors: int, capacity: int, seed: int) -> Problem:
    """A synthetic national pool scored by the application's own scoring
    (backontrack.mentors.matching.score_parts): institutions spread over the five regions,
    Danish spoken by most and fifteen languages in all, a gender preference for some
    referrals, orientations and competences, a few earlier mentorships. About 1 % of pairs
    have a conflict of interest and 10 % of mentors are not ready (their column is excluded).
    """
    from backontrack.mentors import matching

    rng = np.random.default_rng(seed)
    n_regions = len(matching.REGION_INDEX)
    n_languages = len(matching.LANGUAGE_BIT)
    language_rates = [0.9] + [0.06] * (n_languages - 1)
    region_of = rng.integers(0, n_regions, N_INSTITUTIONS)
    institution = rng.integers(0, N_INSTITUTIONS, n_referrals)
    orientations = list(matching.ORIENTATION_NEEDS.values())
    referrals = matching.ReferralSide(
        institution=institution,
        region=region_of[institution],
        languages=_mask(rng, n_referrals, n_languages, language_rates),
        gender_preference=np.where(
            rng.random(n_referrals) < 0.15, rng.integers(1, 3, n_referrals), 0
        ),
        needs=np.array(orientations)[rng.integers(0, len(orientations), n_referrals)],
        mentee=np.arange(n_referrals, dtype=np.int64),
    )
    covered = [
        frozenset(rng.choice(N_INSTITUTIONS, size=rng.integers(1, 4), replace=False).tolist())
        for _ in range(n_mentors)
    ]
    regions = np.zeros((n_mentors, n_regions), dtype=bool)
    for j, institutions in enumerate(covered):
        regions[j, region_of[list(institutions)]] = True
    mentors = matching.MentorSide(
        institutions=covered,
        regions=regions,
        languages=_mask(rng, n_mentors, n_languages, language_rates),
        gender=rng.integers(1, 3, n_mentors),
        competences=_mask(rng, n_mentors, len(matching.COMPETENCE_BIT), [0.35] * 4 + [0.4] * 2),
        capacity=np.full(n_mentors, float(capacity)),
        places_left=np.full(n_mentors, float(capacity)),
        ready=rng.random(n_mentors) >= NOT_READY_RATE,
        ids=np.arange(n_mentors, dtype=np.int64),
    )
    earlier = {
        (int(i), int(rng.integers(0, n_mentors)))
        for i in np.nonzero(rng.random(n_referrals) < EARLIER_RATE)[0]
    }
    scores = matching.total(matching.score_parts(referrals, mentors, earlier))
    allowed = rng.random((n_referrals, n_mentors)) >= CONFLICT_RATE
    allowed[:, ~mentors.ready] = False
    return Problem(scores, allowed, np.full(n_mentors, capacity, dtype=np.int64))


@dataclass(frozen=True)
class LpResult:
    total: float
    solution_total: float
    assigned: int
    max_fractionality: float
    status: str


def solve_lp(problem: Problem) -> LpResult:
    """The transportation LP over allowed pairs, solved by HiGHS through scipy's linprog."""
    n_referrals, n_mentors = problem.scores.shape
    rows, cols = np.nonzero(problem.allowed)
    n_vars = rows.size
    weights = problem.scores[rows, cols]
    if n_vars == 0:
        return LpResult(0.0, 0.0, 0, 0.0, "no allowed pairs")

    variable = np.arange(n_vars)
    constraint_matrix = sparse.csc_array(
        (
            np.ones(2 * n_vars),
            (np.concatenate([rows, n_referrals + cols]), np.concatenate([variable, variable])),
        ),
        shape=(n_referrals + n_mentors, n_vars),
    )
    bounds_ub = np.concatenate([np.ones(n_referrals), problem.capacity.astype(np.float64)])
    result = linprog(
        -weights, A_ub=constraint_matrix, b_ub=bounds_ub, bounds=(0, 1), method="highs"
    )
    if not result.success:
        raise RuntimeError(f"LP failed: {result.message}")
    x = np.asarray(result.x)
    chosen = x > 0.5
    return LpResult(
        total=float(-result.fun),
        solution_total=float(weights[chosen].sum()),
        assigned=int(chosen.sum()),
        max_fractionality=float(np.abs(x - np.round(x)).max()),
        status=str(result.message),
    )


def infeasibilities(problem: Problem, assignment: Sequence[int | None]) -> list[str]:
    """Independent check of the solver's answer against the hard constraints."""
    errors: list[str] = []
    if len(assignment) != problem.scores.shape[0]:
        return [f"assignment has {len(assignment)} entries, expected {problem.scores.shape[0]}"]
    pairs = [(i, j) for i, j in enumerate(assignment) if j is not None]
    if not pairs:
        return errors
    rows = np.array([i for i, _ in pairs])
    cols = np.array([j for _, j in pairs])
    forbidden = int((~problem.allowed[rows, cols]).sum())
    if forbidden:
        errors.append(f"{forbidden} assignments through forbidden pairs")
    used = np.bincount(cols, minlength=problem.capacity.size)
    over = int((used > problem.capacity).sum())
    if over:
        errors.append(f"{over} mentors over capacity")
    return errors


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--referrals", type=int, default=5000)
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip-lp", action="store_true", help="time the solver only, without the LP check"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    problem = build_problem(args.referrals, args.mentors, args.capacity, args.seed)
    build_time = time.perf_counter() - started
    n_referrals, n_mentors = problem.scores.shape
    ready = int(problem.allowed.any(axis=0).sum())
    print(
        f"problem: {n_referrals} referrals x {n_mentors} mentors, capacity {args.capacity} "
        f"each ({int(problem.capacity.sum())} places), seed {args.seed}"
    )
    print(
        f"allowed pairs: {int(problem.allowed.sum())} of {problem.allowed.size}; "
        f"ready mentors: {ready}; distinct scores: {np.unique(problem.scores).size}; "
        f"built in {build_time:.2f} s"
    )

    started = time.perf_counter()
    assignment = assign(problem.scores, problem.allowed, problem.capacity)
    solver_time = time.perf_counter() - started
    solver_total = total_score(problem.scores, assignment)
    solver_assigned = sum(mentor is not None for mentor in assignment)
    print(f"solver: {solver_time:.2f} s wall, total {solver_total:.1f}, assigned {solver_assigned}")

    errors = infeasibilities(problem, assignment)
    if errors:
        print("INFEASIBLE: " + "; ".join(errors))
        return 1
    if args.skip_lp:
        print("LP check skipped")
        return 0

    started = time.perf_counter()
    lp = solve_lp(problem)
    lp_time = time.perf_counter() - started
    print(
        f"LP (HiGHS): {lp_time:.2f} s wall, total {lp.total:.4f}, solution total "
        f"{lp.solution_total:.1f}, assigned {lp.assigned}, "
        f"max fractionality {lp.max_fractionality:.2g} ({lp.status})"
    )

    # Every part of the score is a whole number here, so distinct totals differ by at least 1.
    tolerance = 1e-6 * max(1.0, abs(lp.total))
    if abs(solver_total - lp.total) <= tolerance:
        print("OPTIMAL: totals equal")
        return 0
    print(f"MISMATCH: solver total {solver_total} != LP total {lp.total}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
