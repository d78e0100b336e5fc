"""data.disclosure.protect and data.audit: hand-worked tables, then random small tables
(hypothesis) attacked by an independent integer program (tests/attacker.py, scipy's milp).

What the attacker knows: shown cells exactly, "<10" is 1-9, "suppressed" is 0 or 10+
(every count of 1-9 is primary, so a complement can be nothing else), a cell not published
at its grain ("in total only") is 0 or more.
"""

from __future__ import annotations

import math

import pytest
from attacker import Hidden, intervals
from hypothesis import given, settings
from hypothesis import strategies as st

from data import audit, disclosure
from data.disclosure import COMPLEMENTARY, PRIMARY, PROTECTION, ROLLED_UP, protect

KNOWLEDGE = {
    PRIMARY: Hidden(1, 9, -1),
    COMPLEMENTARY: Hidden(10, math.inf, -1, True),
    ROLLED_UP: Hidden(0, math.inf, -1),
}


def attack(values, equations, status):
    """Independent integer-program ranges of every hidden cell."""
    visible = {cell: value for cell, value in values.items() if status[cell] is None}
    hidden = {cell: KNOWLEDGE[label] for cell, label in status.items() if label is not None}
    return intervals(visible, hidden, equations)


def assert_protected(values, equations, status):
    """No hidden count of 1-9 can be told from any other value 1-9; every label is its rule's."""
    found = attack(values, equations, status)
    for cell, label in status.items():
        if label == PRIMARY:
            assert 1 <= values[cell] <= 9
            assert found[cell] == (1, 9), f"{cell} ({values[cell]}) narrowed to {found[cell]}"
        elif label == COMPLEMENTARY:
            assert values[cell] >= 10, f"{cell} = {values[cell]} hidden as a complement"
            assert found[cell][0] < found[cell][1], f"complement {cell} is worked out: it should be shown"
        elif label == ROLLED_UP and 1 <= values[cell] <= 9:
            assert found[cell][1] - found[cell][0] >= PROTECTION, f"{cell} narrowed to {found[cell]}"
        elif label is None:
            assert not 1 <= values[cell] <= 9, f"{cell} = {values[cell]} is shown"
    return found


# --- given / expect ---------------------------------------------------------------------


def test_nothing_small_nothing_hidden():
    values = {"total": 45, "a": 10, "b": 35}
    assert protect(values, [("total", ["a", "b"])]).status == {"total": None, "a": None, "b": None}


def test_a_lone_small_count_needs_a_complement_with_room_for_the_whole_range():
    # total 40 = a 3 + b 12 + c 25. Hiding b (known 10+): a = 28 - b <= 18 and b >= 10 ... a + b = 15,
    # so a <= 5: narrowed. Hiding c instead: a + c = 28, c >= 10, so a can be 1..9 (c 27..19).
    values = {"total": 40, "a": 3, "b": 12, "c": 25}
    result = protect(values, [("total", ["a", "b", "c"])])
    assert result.status == {"total": None, "a": PRIMARY, "b": None, "c": COMPLEMENTARY}
    assert (result.audited, result.protected, result.narrowed) == (2, 1, 0)
    assert_protected(values, [("total", ["a", "b", "c"])], result.status)


def test_zeros_are_never_hidden():
    # total 11 = a 1 + zero 0 + b 10. A hidden zero would read "0 or 10+"; b is the only candidate:
    # a + b = 11, b >= 10: a is 1 at most. Hiding the total too frees both: a + b = total, unknown.
    values = {"total": 11, "a": 1, "zero": 0, "b": 10}
    status = protect(values, [("total", ["a", "zero", "b"])]).status
    assert status == {"total": COMPLEMENTARY, "a": PRIMARY, "zero": None, "b": COMPLEMENTARY}
    assert_protected(values, [("total", ["a", "zero", "b"])], status)


def test_with_no_count_of_ten_or_more_a_shown_cell_is_withdrawn():
    # two areas a, b over two months; month totals u0 = a0 + b0 = 1 and u3 = a3 + b3 = 1 are "<10", so
    # their parts are rolled up; area years ya = a0 + a3 = 2 ("<10") and yb = b0 + b3 = 0 (shown).
    # yb = 0 pins b0 = b3 = 0, so a0 = u0 and a3 = u3, each 1-9, with a0 + a3 <= 9: a0 is 1..8.
    # No count is 10 or more to hide; withdrawing yb (the only shown cell) frees b0 and b3.
    values = {"u0": 1, "u3": 1, "ya": 2, "yb": 0, "a0": 1, "b0": 0, "a3": 1, "b3": 0}
    equations = [("u0", ["a0", "b0"]), ("u3", ["a3", "b3"]), ("ya", ["a0", "a3"]), ("yb", ["b0", "b3"])]
    result = protect(values, equations)
    assert result.status["yb"] == ROLLED_UP
    assert [cell for cell, label in result.status.items() if label is None] == []
    assert result.narrowed == 0
    found = assert_protected(values, equations, result.status)
    assert found["a0"] == (0, 9)  # a0 = u0 - b0 and b0 is free: 0 (b0 = u0) to 9


def test_the_parts_of_a_total_below_ten_are_rolled_up():
    # city 7 = urban 7 + rural 0; urban 7 = alder 3 + birch 4. Shown as "<10" each, alder and birch would be
    # 1..6 (alder = urban - birch, birch >= 1, urban <= 9). The city total says it all: the parts go.
    values = {"city": 7, "urban": 7, "rural": 0, "alder": 3, "birch": 4}
    equations = [("city", ["urban", "rural"]), ("urban", ["alder", "birch"])]
    status = protect(values, equations).status
    assert status == {"city": PRIMARY, "urban": ROLLED_UP, "rural": ROLLED_UP, "alder": ROLLED_UP, "birch": ROLLED_UP}
    found = assert_protected(values, equations, status)
    assert found["alder"] == (0, 9)


def test_two_equations_at_once_pin_what_neither_does_alone():
    # a 2-by-2 table: rows 12 = a 2 + b 10 and 30 = c 10 + d 20, columns a + c = 12, b + d = 30.
    # Hiding a with b (its row) and c (its column), each equation alone leaves a free; together:
    # a + b = 12, a + c = 12, c + d = 30 with d shown 20 -> c = 10, a = 2. d must go as well.
    values = {"r1": 12, "r2": 30, "k1": 12, "k2": 30, "a": 2, "b": 10, "c": 10, "d": 20}
    equations = [("r1", ["a", "b"]), ("r2", ["c", "d"]), ("k1", ["a", "c"]), ("k2", ["b", "d"])]
    status = protect(values, equations).status
    assert status["a"] == PRIMARY
    assert_protected(values, equations, status)
    hidden = {cell for cell, label in status.items() if label}
    assert hidden >= {"a", "b", "c", "d"} or hidden >= {"a", "r1", "k1"}


def test_a_complement_the_attacker_works_out_anyway_is_shown():
    # the audit hides b for a (total 40 = a 3 + b 30 + c 7: the 7 is primary too) - nothing pins b then;
    # here, with b also the only part of a shown total of its own, b = 30 for all to see: it stays shown
    values = {"total": 40, "a": 3, "b": 30, "c": 7, "b_total": 30}
    equations = [("total", ["a", "b", "c"]), ("b_total", ["b"])]
    status = protect(values, equations).status
    assert status["b"] is None or status["b_total"] is not None
    assert_protected(values, equations, status)


def test_survey_sizes_use_their_own_bounds():
    # urban n 160 = a 30 (not reportable: 0-49) + b 60 + c 70 (reportable: 50+). Shown, a = 30 exactly.
    # Hidden as "50 or more", b could fall by 10 and c by 20, each short of the 24 asked for; the urban
    # total can rise without end: a = urban - 130 is anything 0-49.
    values = {"urban": 160, "a": 30, "b": 60, "c": 70}
    bounds = {"a": (0, 49)}
    complements = {"b": (50, math.inf), "c": (50, math.inf), "urban": (50, math.inf)}
    result = protect(
        values, [("urban", ["a", "b", "c"])], primary=["a"], bounds=bounds, complement_bounds=complements,
        protection={"a": 24}, roll_up=False,
    )  # fmt: skip
    assert result.status == {"urban": COMPLEMENTARY, "a": PRIMARY, "b": None, "c": None}


def test_unpublished_cells_are_unknowns_that_need_no_protection():
    # total 100 = a 3 + b 92 + unknown 5 (respondents without an area, never published): a = 8 - unknown
    # is 1..8 for all a reader knows: that is too narrow for a count, so the audit hides b as well
    values = {"total": 100, "a": 3, "b": 92, "unknown": 5}
    status = protect(values, [("total", ["a", "b", "unknown"])], unpublished=["unknown"]).status
    assert status == {"total": None, "a": PRIMARY, "b": COMPLEMENTARY}


def test_shown_text():
    assert disclosure.shown(1234, None) == "1234"
    assert disclosure.shown(0, None) == "0"
    assert disclosure.shown(3, PRIMARY) == "<10"
    assert disclosure.shown(51, COMPLEMENTARY) == "suppressed"
    assert disclosure.shown(4, ROLLED_UP) == "in total only"


def test_bad_equations_are_refused():
    with pytest.raises(ValueError, match="has no value"):
        protect({"a": 1}, [("total", ["a"])])
    with pytest.raises(ValueError, match="twice"):
        protect({"total": 2, "a": 1}, [("total", ["a", "a"])])


def test_the_audit_agrees_with_the_independent_attacker():
    # the case: a hidden total of 1-9 with three hidden parts of 1-9 pins each to 1..7
    values = {"t": 6, "a": 1, "b": 2, "c": 3}
    bounds = {cell: (1, 9) for cell in values}
    found = audit.audit(values, list(values), bounds, [("t", ["a", "b", "c"])])
    assert found.intervals == {"t": (3, 9), "a": (1, 7), "b": (1, 7), "c": (1, 7)}
    assert found.intervals == attack(values, [("t", ["a", "b", "c"])], dict.fromkeys(values, PRIMARY))


def test_a_fractional_optimum_is_solved_again_as_an_integer_program():
    # x + y = 1, x + z = 1, y + z = 1 has only x = y = z = 1/2: no whole solution. With w free:
    # x + y + w = 2, x + z = 1, y + z = 1 -> whole solutions (0,1,1,1)... the LP may stop at halves.
    values = {"s": 2, "t": 1, "u": 1, "x": 1, "y": 0, "z": 0, "w": 1}
    equations = [("s", ["x", "y", "w"]), ("t", ["x", "z"]), ("u", ["y", "z"])]
    bounds = {cell: (0, 1) for cell in ("x", "y", "z", "w")}
    found = audit.audit(values, ["x", "y", "z", "w"], bounds, equations)
    status = {"x": ROLLED_UP, "y": ROLLED_UP, "z": ROLLED_UP, "w": ROLLED_UP}
    expected = intervals({c: values[c] for c in ("s", "t", "u")}, {c: Hidden(0, 1, -1) for c in status}, equations)
    assert found.intervals == expected


# --- random small tables ------------------------------------------------------------------

small_counts = st.one_of(st.integers(0, 12), st.integers(0, 3), st.integers(10, 40))


@st.composite
def two_way_tables(draw):
    """rows x columns of counts with row, column and grand totals; some columns all zero, some 1 x n."""
    rows, columns = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    zero_column = draw(st.one_of(st.none(), st.integers(0, columns - 1)))
    values = {}
    for r in range(rows):
        for c in range(columns):
            values[("cell", r, c)] = 0 if c == zero_column else draw(small_counts)
    equations = []
    for r in range(rows):
        values[("row", r)] = sum(values[("cell", r, c)] for c in range(columns))
        equations.append((("row", r), [("cell", r, c) for c in range(columns)]))
    for c in range(columns):
        values[("column", c)] = sum(values[("cell", r, c)] for r in range(rows))
        equations.append((("column", c), [("cell", r, c) for r in range(rows)]))
    values["grand"] = sum(values[("row", r)] for r in range(rows))
    equations.append(("grand", [("row", r) for r in range(rows)]))
    equations.append(("grand", [("column", c) for c in range(columns)]))
    return values, equations


@st.composite
def small_total_with_small_parts(draw):
    """A total of 1-9 over parts of 1-9 and zeros, under a larger table: the issue's own case."""
    parts = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4).filter(lambda p: 1 <= sum(p) <= 9))
    values = {("part", i): value for i, value in enumerate(parts)}
    values["small"] = sum(parts)
    values["big"] = draw(st.integers(10, 40))
    values["grand"] = values["small"] + values["big"]
    equations = [("small", [("part", i) for i in range(len(parts))]), ("grand", ["small", "big"])]
    return values, equations


@settings(max_examples=120, deadline=None)
@given(st.one_of(two_way_tables(), small_total_with_small_parts()))
def test_random_tables_are_protected_against_the_integer_attacker(table):
    values, equations = table
    result = protect(values, equations)
    assert set(result.status) == set(values)
    assert result.narrowed == 0
    assert_protected(values, equations, result.status)
    for cell, value in values.items():
        text = disclosure.shown(value, result.status[cell])
        assert text == (str(value) if result.status[cell] is None else disclosure.SHOWN[result.status[cell]])
    assert protect(values, equations).status == result.status  # deterministic


@settings(max_examples=60, deadline=None)
@given(two_way_tables())
def test_the_audits_ranges_are_the_integer_programs(table):
    values, equations = table
    status = {cell: (PRIMARY if 1 <= value <= 9 else None) for cell, value in values.items()}
    hidden = [cell for cell, label in status.items() if label]
    found = audit.audit(values, hidden, {cell: (1, 9) for cell in hidden}, equations)
    assert found.intervals == attack(values, equations, status)
