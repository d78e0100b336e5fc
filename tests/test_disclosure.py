"""data.disclosure.suppress: hand-worked tables, then random tables and constraints (hypothesis).

The reader's side is recomputed here independently: for one equation, a hidden cell's
possible values are those t for which the other hidden cells, each within what the
reader knows (primary 1-9, complementary 0 or more), can make up the rest.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data import disclosure
from data.disclosure import COMPLEMENTARY, PRIMARY, feasible_intervals, suppress


def reader_range(total, parts, values, status, cell) -> tuple[float, float]:
    """Smallest and largest value of a hidden `cell` consistent with one published equation."""
    known = {PRIMARY: (1, 9), COMPLEMENTARY: (0, math.inf)}
    members = [(total, -1), *((part, 1) for part in parts)]
    visible_sum = sum(sign * values[member] for member, sign in members if status.get(member) is None)
    others = [(member, sign) for member, sign in members if status.get(member) is not None and member != cell]
    # sum over hidden of sign * x = -visible_sum; the others' part can be anything in [low, high]
    low = sum(sign * (known[status[m]][0] if sign > 0 else known[status[m]][1]) for m, sign in others)
    high = sum(sign * (known[status[m]][1] if sign > 0 else known[status[m]][0]) for m, sign in others)
    own_sign = dict(members)[cell]
    own_low, own_high = known[status[cell]]
    candidates = range(0, 10) if status[cell] == PRIMARY else range(0, sum(values.values()) + 10)
    possible = [t for t in candidates if own_low <= t <= own_high and low <= -visible_sum - own_sign * t <= high]
    return min(possible), max(possible)


def assert_protected(values, constraints, status) -> None:
    """No equation leaves exactly one hidden member, works a hidden one out, or narrows a primary below 5 values."""
    for total, parts in constraints:
        members = [total, *parts]
        hidden = [cell for cell in members if status[cell] is not None]
        if len(hidden) == len(members):
            continue
        assert len(hidden) != 1, f"{hidden[0]} is the only hidden cell of the total {total}"
        for cell in hidden:
            low, high = reader_range(total, parts, values, status, cell)
            assert high > low, f"{cell} is worked out from the total {total}"
            if status[cell] == PRIMARY:
                assert high - low >= 4, f"{cell} narrowed to {low}..{high} by the total {total}"


# --- given / expect ---------------------------------------------------------------------


def test_nothing_small_nothing_hidden():
    values = {"total": 45, "a": 10, "b": 35}
    assert suppress(values, [("total", ["a", "b"])]) == {"total": None, "a": None, "b": None}


def test_a_lone_small_count_takes_the_smallest_part_that_protects_it():
    # total 25 = a 3 + b 10 + c 12: a alone would be 25 - 10 - 12 = 3. Hiding b too leaves
    # a + b = 13 with b >= 0: a could be 1..9 (b 12..4). c (12) or the total would do as well;
    # b is the smallest.
    values = {"total": 25, "a": 3, "b": 10, "c": 12}
    assert suppress(values, [("total", ["a", "b", "c"])]) == {
        "total": None,
        "a": PRIMARY,
        "b": COMPLEMENTARY,
        "c": None,
    }


def test_a_zero_beside_a_one_is_not_enough():
    # total 11 = a 1 + zero 0 + b 10. Hiding the zero: a + zero = 11 - 10 = 1 and a >= 1
    # (it is labelled primary), so a = 1 for anyone to see. Hiding b: a + b = 11, a could
    # be 1..9 (b 10..2).
    values = {"total": 11, "a": 1, "zero": 0, "b": 10}
    status = suppress(values, [("total", ["a", "zero", "b"])])
    assert status == {"total": None, "a": PRIMARY, "zero": None, "b": COMPLEMENTARY}


def test_two_ones_are_not_enough_either():
    # total 22 = a 1 + b 1 + c 20: both primary, a + b = 2 pins both at 1; c joins them
    # (a + b + c = 22, c >= 0, so a can be 1..9).
    values = {"total": 22, "a": 1, "b": 1, "c": 20}
    status = suppress(values, [("total", ["a", "b", "c"])])
    assert status == {"total": None, "a": PRIMARY, "b": PRIMARY, "c": COMPLEMENTARY}


def test_nothing_more_where_every_level_is_small():
    # the fixture's Birch, June 2024: 5 violent offences; urban = 5 + 0, city = 5 + 0. Each
    # hidden total equals its hidden part, and both are "some value 1-9": nothing to learn.
    values = {"city": 5, "urban": 5, "rural": 0, "birch": 5, "alder": 0}
    constraints = [("city", ["urban", "rural"]), ("urban", ["alder", "birch"])]
    status = suppress(values, constraints)
    assert status == {"city": PRIMARY, "urban": PRIMARY, "rural": None, "birch": PRIMARY, "alder": None}


def test_a_cell_that_starts_no_cascade_comes_first_and_zeros_under_a_zero_total_stay_unsolved():
    # row 18 = p 9 + q 9 + z 0: p + q = 18 pins both at 9. Hiding z (0 or more) or the row
    # frees them. The row is also part of grand = row + other, z of column 0 = z + w; each
    # would leave one hidden member in its other equation, so the smaller, z, is taken.
    # Then column 0 = z + w: hiding w (0) would leave z + w = 0, both worked out as 0; the
    # column total is hidden instead (z = column - 0, column unknown).
    values = {"row": 18, "p": 9, "q": 9, "z": 0, "column": 0, "w": 0, "other": 30, "grand": 48}
    constraints = [("row", ["p", "q", "z"]), ("column", ["z", "w"]), ("grand", ["row", "other"])]
    status = suppress(values, constraints)
    assert status == {
        "row": None,
        "p": PRIMARY,
        "q": PRIMARY,
        "z": COMPLEMENTARY,
        "column": COMPLEMENTARY,
        "w": None,
        "other": None,
        "grand": None,
    }
    assert_protected(values, constraints, status)


def test_unpublished_cells_are_unknowns_that_need_no_protection():
    # total 100 = a 3 + b 92 + unknown 5 (respondents without an area, never published):
    # a = 100 - 92 - unknown could be 1..8 for all a reader knows; nothing else is hidden.
    values = {"total": 100, "a": 3, "b": 92, "unknown": 5}
    status = suppress(values, [("total", ["a", "b", "unknown"])], unpublished=["unknown"])
    assert status == {"total": None, "a": PRIMARY, "b": None}


def test_explicit_primary_and_bounds_for_survey_sizes():
    # survey n: an area below 50 is hidden, a reader knows it is 0-49; a published one is 50+.
    # urban 160 = a 30 + b 60 + c 70. Hiding b: a = 160 - 70 - b, b >= 50, so a <= 40 - a
    # reader would learn "at most 40" (81% of 0-49 still possible: fine at PROTECTION 0.5)
    values = {"urban": 160, "a": 30, "b": 60, "c": 70}
    bounds = {"a": (0, 49), "b": (50, math.inf), "c": (50, math.inf), "urban": (50, math.inf)}
    status = suppress(values, [("urban", ["a", "b", "c"])], primary=["a"], bounds=bounds)
    assert status == {"urban": None, "a": PRIMARY, "b": COMPLEMENTARY, "c": None}


def test_shown_text():
    assert disclosure.shown(1234, None) == "1234"
    assert disclosure.shown(0, None) == "0"
    assert disclosure.shown(3, PRIMARY) == "<10"
    assert disclosure.shown(51, COMPLEMENTARY) == "suppressed"


def test_feasible_intervals_of_one_equation():
    # total 10 visible = a + b + c with c = 4 visible: a + b = 6; a primary (1-9), b 0 or more
    members = [("total", -1), ("a", 1), ("b", 1), ("c", 1)]
    values = {"total": 10, "a": 2, "b": 4, "c": 4}
    intervals = feasible_intervals(members, values, {"a", "b"}, {"a": (1, 9), "b": (0, math.inf)})
    assert intervals == {"a": (1, 6), "b": (0, 5)}
    # zeros under a total of 0 are both worked out
    unknown = {"a": (0, math.inf), "b": (0, math.inf)}
    members = [("total", -1), ("a", 1), ("b", 1)]
    intervals = feasible_intervals(members, {"total": 0, "a": 0, "b": 0}, {"a", "b"}, unknown)
    assert intervals == {"a": (0, 0), "b": (0, 0)}


def test_bad_constraints_are_refused():
    with pytest.raises(ValueError, match="has no value"):
        suppress({"a": 1}, [("total", ["a"])])
    with pytest.raises(ValueError, match="twice"):
        suppress({"total": 2, "a": 1}, [("total", ["a", "a"])])


# --- random tables ----------------------------------------------------------------------

small_counts = st.one_of(st.integers(0, 12), st.integers(0, 3), st.integers(10, 60))


@st.composite
def two_way_tables(draw):
    """rows x columns of counts with row, column and grand totals: the constraints of a crosstab."""
    rows, columns = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    values = {("cell", r, c): draw(small_counts) for r in range(rows) for c in range(columns)}
    constraints = []
    for r in range(rows):
        values[("row", r)] = sum(values[("cell", r, c)] for c in range(columns))
        constraints.append((("row", r), [("cell", r, c) for c in range(columns)]))
    for c in range(columns):
        values[("column", c)] = sum(values[("cell", r, c)] for r in range(rows))
        constraints.append((("column", c), [("cell", r, c) for r in range(rows)]))
    values["grand"] = sum(values[("row", r)] for r in range(rows))
    constraints.append(("grand", [("row", r) for r in range(rows)]))
    constraints.append(("grand", [("column", c) for c in range(columns)]))
    return values, constraints


@st.composite
def overlapping_sums(draw):
    """Leaf counts and totals over random (overlapping) subsets of them, some totals of totals."""
    leaves = draw(st.integers(1, 10))
    values = {("leaf", i): draw(small_counts) for i in range(leaves)}
    constraints = []
    for index in range(draw(st.integers(0, 6))):
        pool = list(values)
        parts = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=min(6, len(pool)), unique=True))
        total = ("total", index)
        values[total] = sum(values[part] for part in parts)
        constraints.append((total, parts))
    return values, constraints


@settings(max_examples=200, deadline=None)
@given(st.one_of(two_way_tables(), overlapping_sums()))
def test_random_tables_are_protected(table):
    values, constraints = table
    status = suppress(values, constraints)

    assert set(status) == set(values)
    # primary is exactly the counts 1-9; every shown cell is the input number
    for cell, value in values.items():
        assert (status[cell] == PRIMARY) == (1 <= value <= 9)
        text = disclosure.shown(value, status[cell])
        assert text == (str(value) if status[cell] is None else disclosure.SHOWN[status[cell]])
        if status[cell] is not None:
            assert not text.isdigit()
    for total, parts in constraints:
        hidden = [cell for cell in (total, *parts) if status[cell] is not None]
        assert len(hidden) != 1
    assert_protected(values, constraints, status)
    # deterministic
    assert suppress(values, constraints) == status


@settings(max_examples=100, deadline=None)
@given(two_way_tables())
def test_protection_zero_still_never_leaves_a_lone_hidden_cell(table):
    values, constraints = table
    status = suppress(values, constraints, protection=0)
    for total, parts in constraints:
        members = [total, *parts]
        hidden = [cell for cell in members if status[cell] is not None]
        assert len(hidden) != 1
