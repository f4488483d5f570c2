"""The pool-assignment solver: exact optimum, hard exclusions, capacities, determinism.

Pure-function tests: no database.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from backontrack.mentors.solver import assign, total_score

pytestmark = pytest.mark.engine_independent


def _arrays(
    scores: list[list[float]], allowed: list[list[bool]] | None, capacity: list[int]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    score_arr = np.array(scores, dtype=np.float64)
    allowed_arr = (
        np.ones(score_arr.shape, dtype=bool) if allowed is None else np.array(allowed, dtype=bool)
    )
    return score_arr, allowed_arr, np.array(capacity, dtype=np.int64)


def _check_feasible(
    assignment: list[int | None],
    allowed: npt.NDArray[np.bool_],
    capacity: npt.NDArray[np.int64],
) -> None:
    assert len(assignment) == allowed.shape[0]
    used = np.zeros(allowed.shape[1], dtype=np.int64)
    for referral, mentor in enumerate(assignment):
        if mentor is None:
            continue
        assert isinstance(mentor, int)
        assert 0 <= mentor < allowed.shape[1]
        assert allowed[referral, mentor], f"referral {referral} assigned through forbidden pair"
        used[mentor] += 1
    assert (used <= capacity).all(), f"capacity exceeded: used {used}, capacity {capacity}"


def _brute_force(
    scores: npt.NDArray[np.float64],
    allowed: npt.NDArray[np.bool_],
    capacity: npt.NDArray[np.int64],
) -> float:
    """Best total over every feasible assignment, each referral possibly unassigned."""
    n_referrals, n_mentors = scores.shape
    options = [
        [None, *(j for j in range(n_mentors) if allowed[i, j] and capacity[j] > 0)]
        for i in range(n_referrals)
    ]
    best = 0.0
    for choice in itertools.product(*options):
        counts = np.bincount([j for j in choice if j is not None], minlength=n_mentors)
        if (counts[:n_mentors] > capacity).any():
            continue
        total = sum(float(scores[i, j]) for i, j in enumerate(choice) if j is not None)
        best = max(best, total)
    return best


def _random_case(
    rng: np.random.Generator, smallest: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    n_referrals = int(rng.integers(smallest, 6))
    n_mentors = int(rng.integers(smallest, 5))
    scores = rng.integers(0, 21, size=(n_referrals, n_mentors)).astype(np.float64)
    allowed = rng.random((n_referrals, n_mentors)) >= rng.choice([0.0, 0.2, 0.5])
    capacity = rng.integers(0, 3, size=n_mentors).astype(np.int64)
    # Forbidden entries may hold anything, even negative or NaN: they must be ignored.
    garbage = rng.choice([-5.0, np.nan, 99.0], size=scores.shape)
    scores = np.where(allowed, scores, garbage)
    return scores, allowed, capacity


def test_matches_brute_force_on_small_random_cases() -> None:
    rng = np.random.default_rng(20240601)
    for case in range(300):
        # One case in ten may have no referrals or no mentors at all.
        scores, allowed, capacity = _random_case(rng, smallest=0 if case % 10 == 0 else 1)
        assignment = assign(scores, allowed, capacity)
        _check_feasible(assignment, allowed, capacity)
        expected = _brute_force(scores, allowed, capacity)
        got = total_score(scores, assignment)
        assert got == expected, f"case {case}: solver {got} != brute force {expected}"


def test_deterministic() -> None:
    rng = np.random.default_rng(7)
    # Many ties: few distinct scores, identical mentors.
    scores = rng.integers(0, 3, size=(60, 15)).astype(np.float64)
    allowed = rng.random((60, 15)) > 0.2
    capacity = rng.integers(0, 4, size=15)
    first = assign(scores, allowed, capacity)
    for _ in range(3):
        assert assign(scores.copy(), allowed.copy(), capacity.copy()) == first
    # Same values in a different memory layout give the same answer.
    assert assign(np.asfortranarray(scores), np.asfortranarray(allowed), capacity) == first


def test_more_referrals_than_slots() -> None:
    scores, allowed, capacity = _arrays(
        [[5, 1], [4, 2], [3, 3], [2, 4], [1, 5], [9, 9]], None, [1, 2]
    )
    assignment = assign(scores, allowed, capacity)
    _check_feasible(assignment, allowed, capacity)
    # Mentor 0 takes referral 0 (5) and mentor 1 takes referrals 4 and 5 (5 + 9).
    assert assignment == [0, None, None, None, 1, 1]
    assert total_score(scores, assignment) == 19


def test_never_assigns_through_forbidden_pair() -> None:
    # The forbidden pair (0, 0) would score highest by far.
    scores, allowed, capacity = _arrays([[100, 1], [1, 1]], [[False, True], [False, False]], [5, 5])
    assignment = assign(scores, allowed, capacity)
    assert assignment == [1, None]
    assert total_score(scores, assignment) == 1


def test_only_forbidden_pairs_leave_everyone_unassigned() -> None:
    scores, allowed, capacity = _arrays([[3, 4], [5, 6]], [[False, False], [False, False]], [1, 1])
    assert assign(scores, allowed, capacity) == [None, None]


def test_capacity_zero_mentor_never_used() -> None:
    scores, allowed, capacity = _arrays([[100, 1], [100, 2], [100, 3]], None, [0, 2])
    assignment = assign(scores, allowed, capacity)
    _check_feasible(assignment, allowed, capacity)
    assert 0 not in assignment
    assert assignment == [None, 1, 1]


def test_no_first_come_bias() -> None:
    # Referral 0 alone would take mentor 0 (10 > 9), but referral 1 can only use mentor 0:
    # giving it to referral 1 and mentor 1 to referral 0 scores 9 + 8 = 17 > 10.
    scores, allowed, capacity = _arrays([[10, 9], [8, 0]], [[True, True], [True, False]], [1, 1])
    assignment = assign(scores, allowed, capacity)
    assert assignment == [1, 0]
    assert total_score(scores, assignment) == 17


def test_capacity_shared_optimally() -> None:
    # One mentor with two places and one with one place; the best total needs both places.
    scores, allowed, capacity = _arrays([[9, 8], [9, 1], [9, 1]], None, [2, 1])
    assignment = assign(scores, allowed, capacity)
    _check_feasible(assignment, allowed, capacity)
    assert assignment == [1, 0, 0]
    assert total_score(scores, assignment) == 26


def test_integer_scores_accepted() -> None:
    scores = np.array([[1, 2], [3, 4]], dtype=np.int64)
    allowed = np.ones((2, 2), dtype=bool)
    assignment = assign(scores, allowed, np.array([1, 1]))
    assert total_score(scores, assignment) == 5


@pytest.mark.parametrize(
    ("shape", "capacity", "expected"),
    [
        ((0, 0), [], []),
        ((0, 3), [1, 1, 1], []),
        ((3, 0), [], [None, None, None]),
    ],
)
def test_empty_inputs(shape: tuple[int, int], capacity: list[int], expected: list[None]) -> None:
    scores = np.zeros(shape)
    allowed = np.zeros(shape, dtype=bool)
    assert assign(scores, allowed, np.array(capacity, dtype=np.int64)) == expected
    assert total_score(scores, expected) == 0.0


def test_all_capacities_zero() -> None:
    scores, allowed, capacity = _arrays([[1, 2], [3, 4]], None, [0, 0])
    assert assign(scores, allowed, capacity) == [None, None]


def test_zero_scores_allowed() -> None:
    scores, allowed, capacity = _arrays([[0, 0], [0, 0]], None, [1, 1])
    assignment = assign(scores, allowed, capacity)
    _check_feasible(assignment, allowed, capacity)
    assert total_score(scores, assignment) == 0


@pytest.mark.parametrize(
    ("scores", "allowed", "capacity", "message"),
    [
        (np.zeros(3), np.zeros(3, dtype=bool), np.zeros(3, dtype=int), "2-D"),
        (np.zeros((2, 3)), np.zeros((3, 2), dtype=bool), np.zeros(3, dtype=int), "same shape"),
        (np.zeros((2, 3)), np.zeros((2, 3), dtype=bool), np.zeros(2, dtype=int), "capacity"),
        (np.zeros((2, 3)), np.zeros((2, 3), dtype=bool), np.zeros((3, 1), dtype=int), "1-D"),
        (np.zeros((2, 2)), np.ones((2, 2), dtype=bool), np.array([1, -1]), ">= 0"),
        (-np.ones((2, 2)), np.ones((2, 2), dtype=bool), np.array([1, 1]), ">= 0"),
        (np.full((1, 1), np.nan), np.ones((1, 1), dtype=bool), np.array([1]), "finite"),
        (np.zeros((1, 1)), np.ones((1, 1)), np.array([1]), "boolean"),
        (np.zeros((1, 1)), np.ones((1, 1), dtype=bool), np.array([1.5]), "integer"),
    ],
)
def test_invalid_input_raises(
    scores: npt.NDArray[np.float64],
    allowed: npt.NDArray[np.bool_],
    capacity: npt.NDArray[np.int64],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        assign(scores, allowed, capacity)


def test_negative_score_on_forbidden_pair_is_ignored() -> None:
    scores, allowed, capacity = _arrays([[-1, 2]], [[False, True]], [1, 1])
    assert assign(scores, allowed, capacity) == [1]


def test_total_score_length_mismatch() -> None:
    with pytest.raises(ValueError, match="entries"):
        total_score(np.zeros((2, 2)), [None])
