"""Optimal pool assignment of referrals to mentors.

The problem is a maximum-weight bipartite b-matching: each referral gets at most one mentor,
mentor ``j`` takes at most ``capacity[j]`` referrals, some pairs are forbidden outright, and the
total score of the assigned pairs is as large as possible. It is solved exactly, in one go for
the whole pool, so no referral is favoured for having been considered first.

How: every mentor ``j`` is expanded into ``capacity[j]`` identical "slot" columns, which turns
the b-matching into an ordinary rectangular assignment problem, solved by
:func:`scipy.optimize.linear_sum_assignment`. Forbidden pairs get weight 0 in the expanded
matrix and are dropped from its answer afterwards.

Why that is exact: all weights are non-negative, so any matching can be completed to a matching
of full size ``min(rows, slots)`` by adding edges of weight >= 0 without lowering its total;
hence the best full-size matching is worth as much as the best matching of any size. Dropping
the weight-0 forbidden edges from it changes nothing in the total and leaves a feasible
assignment. Leaving a referral unassigned and assigning it through a forbidden pair both score
0, so the optimum over "assign or leave unassigned" is reached.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

__all__ = ["assign", "total_score"]


def _validate(
    scores: npt.ArrayLike, allowed: npt.ArrayLike, capacity: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    score_arr = np.asarray(scores)
    allowed_arr = np.asarray(allowed)
    capacity_arr = np.asarray(capacity)

    if score_arr.ndim != 2:
        raise ValueError(
            f"scores must be a 2-D array (referrals x mentors), got shape {score_arr.shape}"
        )
    if allowed_arr.shape != score_arr.shape:
        raise ValueError(
            f"allowed must have the same shape as scores {score_arr.shape}, got {allowed_arr.shape}"
        )
    n_mentors = score_arr.shape[1]
    if capacity_arr.shape != (n_mentors,):
        raise ValueError(
            f"capacity must be a 1-D array with one entry per mentor ({n_mentors}), "
            f"got shape {capacity_arr.shape}"
        )
    if allowed_arr.size and allowed_arr.dtype != np.bool_:
        raise ValueError(f"allowed must be a boolean array, got dtype {allowed_arr.dtype}")
    if score_arr.size and not (
        np.issubdtype(score_arr.dtype, np.floating) or np.issubdtype(score_arr.dtype, np.integer)
    ):
        raise ValueError(f"scores must be a real numeric array, got dtype {score_arr.dtype}")
    if capacity_arr.size and not np.issubdtype(capacity_arr.dtype, np.integer):
        raise ValueError(f"capacity must be an integer array, got dtype {capacity_arr.dtype}")

    score_f = score_arr.astype(np.float64, copy=False)
    allowed_b = allowed_arr.astype(np.bool_, copy=False)
    capacity_i = capacity_arr.astype(np.int64, copy=False)

    if capacity_i.size and capacity_i.min() < 0:
        bad = int(np.flatnonzero(capacity_i < 0)[0])
        raise ValueError(f"capacity must be >= 0, mentor {bad} has {capacity_i[bad]}")
    allowed_scores = score_f[allowed_b]
    if allowed_scores.size:
        if not np.isfinite(allowed_scores).all():
            raise ValueError("scores of allowed pairs must be finite (no NaN or infinity)")
        if allowed_scores.min() < 0:
            rows, cols = np.nonzero(allowed_b & (score_f < 0))
            raise ValueError(
                "scores of allowed pairs must be >= 0, "
                f"pair ({int(rows[0])}, {int(cols[0])}) has {score_f[rows[0], cols[0]]}"
            )
    return score_f, allowed_b, capacity_i


def assign(
    scores: npt.NDArray[np.floating] | npt.NDArray[np.integer],
    allowed: npt.NDArray[np.bool_],
    capacity: npt.NDArray[np.integer],
) -> list[int | None]:
    """Assign referrals (rows) to mentors (columns) maximising the total score.

    ``scores[i, j]`` is the value of giving referral ``i`` to mentor ``j`` (>= 0 where allowed);
    ``allowed[i, j]`` False forbids the pair; ``capacity[j]`` is the number of places mentor
    ``j`` has left. Returns, for each referral, the assigned mentor's column index or None.
    Each referral gets at most one mentor, no mentor exceeds its capacity, no forbidden pair is
    used, and the sum of scores of the assigned pairs is maximal. The result is deterministic.
    An allowed pair of score 0 may or may not be used: either way it adds nothing.

    Method (see the module docstring): mentors are expanded into ``capacity[j]`` identical
    slot columns and :func:`scipy.optimize.linear_sum_assignment` finds a maximum-weight
    matching of full size with forbidden pairs weighted 0. Since all weights are >= 0, a
    maximum-weight full-size matching is also a maximum-weight matching of any size, so
    discarding its forbidden (weight 0) pairs afterwards yields the optimum with unassignment
    allowed.

    Raises ValueError on mismatched shapes, wrong dtypes, a negative capacity, or a negative
    or non-finite score on an allowed pair.
    """
    score_f, allowed_b, capacity_i = _validate(scores, allowed, capacity)
    n_referrals = score_f.shape[0]
    result: list[int | None] = [None] * n_referrals

    # Keep only mentors with places left and at least one allowed referral, and referrals
    # with at least one allowed pair among those mentors.
    mentor_keep = np.flatnonzero((capacity_i > 0) & allowed_b.any(axis=0))
    if mentor_keep.size == 0:
        return result
    sub_allowed = allowed_b[:, mentor_keep]
    referral_keep = np.flatnonzero(sub_allowed.any(axis=1))
    if referral_keep.size == 0:
        return result
    sub_allowed = sub_allowed[referral_keep]

    # A mentor can never usefully take more referrals than it has allowed referrals.
    slots = np.minimum(capacity_i[mentor_keep], sub_allowed.sum(axis=0))

    weights = np.where(sub_allowed, score_f[np.ix_(referral_keep, mentor_keep)], 0.0)
    expanded = np.repeat(weights, slots, axis=1)
    slot_mentor = np.repeat(np.arange(mentor_keep.size), slots)

    rows, cols = linear_sum_assignment(expanded, maximize=True)

    sub_mentor = slot_mentor[cols]
    keep = sub_allowed[rows, sub_mentor]
    for row, mentor in zip(
        referral_keep[rows[keep]].tolist(), mentor_keep[sub_mentor[keep]].tolist(), strict=True
    ):
        result[row] = mentor
    return result


def total_score(
    scores: npt.NDArray[np.floating] | npt.NDArray[np.integer],
    assignment: Sequence[int | None],
) -> float:
    """Sum of ``scores[i, assignment[i]]`` over the assigned referrals (None counts 0)."""
    score_arr = np.asarray(scores, dtype=np.float64)
    if score_arr.ndim != 2:
        raise ValueError(f"scores must be a 2-D array, got shape {score_arr.shape}")
    if len(assignment) != score_arr.shape[0]:
        raise ValueError(
            f"assignment has {len(assignment)} entries but scores has {score_arr.shape[0]} rows"
        )
    rows = [i for i, mentor in enumerate(assignment) if mentor is not None]
    cols = [mentor for mentor in assignment if mentor is not None]
    if not rows:
        return 0.0
    return float(score_arr[rows, cols].sum())
