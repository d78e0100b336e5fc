"""An attacker with a solver, written apart from data/disclosure.py so that the audit's own
claim can be checked: read the published count tables back from a public file, write down
every equation they imply, and for each hidden cell find the smallest and largest whole
value consistent with all of them at once (scipy.optimize.milp, integer variables).

What the attacker knows of a hidden cell is what its label says: "<10" (primary) is 1-9;
"suppressed" (complementary) is 0 or 10 and more, since every count of 1-9 is primary
(`complementary_zero_or_ten=False` relaxes that to "0 or more", a weaker attacker; the issue's
first figures, 20 exact and 1,002 narrowed on seed 1, are the default's). Survey sizes: a hidden
n is 0-49 where the group's estimate is not published and 50 or more where it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_array

Cell = Hashable
BIG = 10**7  # larger than any count in a test file; only for the 0-or-10+ switch
TIME_LIMIT = 60  # seconds for one integer program: the harness is bounded, never open-ended


@dataclass(frozen=True)
class Hidden:
    """A hidden cell as the attacker sees it: what its label allows, and its true value."""

    low: float
    high: float
    true: int
    zero_or_ten: bool = False  # the value is 0 or at least `low` (a complementary cell)


def components(hidden: Sequence[Cell], equations: Sequence[tuple[Cell, Sequence[Cell]]]) -> list[list[int]]:
    """Indices of equations grouped by the hidden cells they share (independent problems)."""
    parent = {cell: cell for cell in hidden}

    def find(cell):
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for total, parts in equations:
        members = [cell for cell in (total, *parts) if cell in parent]
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    groups: dict[Cell, list[int]] = {}
    for index, (total, parts) in enumerate(equations):
        members = [cell for cell in (total, *parts) if cell in parent]
        if members:
            groups.setdefault(find(members[0]), []).append(index)
    return list(groups.values())


def intervals(
    visible: Mapping[Cell, int],
    hidden: Mapping[Cell, Hidden],
    equations: Sequence[tuple[Cell, Sequence[Cell]]],
    wanted: Callable[[Cell], bool] | None = None,
) -> dict[Cell, tuple[float, float]]:
    """Each hidden cell's smallest and largest whole value over every solution of the equations.

    `wanted` limits the solves to the cells it accepts (the others keep what their label says).
    Each integer program may take at most TIME_LIMIT seconds; one that runs out fails loudly.
    """
    for total, parts in equations:
        for cell in (total, *parts):
            if cell not in visible and cell not in hidden:
                raise KeyError(f"equation member {cell!r} is neither shown nor hidden")
    found = {cell: (knowledge.low, knowledge.high) for cell, knowledge in hidden.items()}
    for group in components(list(hidden), equations):
        chosen = [equations[index] for index in group]
        cells = sorted({cell for total, parts in chosen for cell in (total, *parts) if cell in hidden}, key=repr)
        found |= _solve(cells, chosen, visible, hidden, wanted)
    return found


def _solve(cells, chosen, visible, hidden, wanted=None) -> dict[Cell, tuple[float, float]]:
    column = {cell: index for index, cell in enumerate(cells)}
    switches = [cell for cell in cells if hidden[cell].zero_or_ten]
    switch_column = {cell: len(cells) + index for index, cell in enumerate(switches)}
    width = len(cells) + len(switches)
    rows = len(chosen) + 2 * len(switches)
    matrix = lil_array((rows, width))
    low_side, high_side = np.zeros(rows), np.zeros(rows)
    for row, (total, parts) in enumerate(chosen):
        constant = 0.0
        for cell, sign in ((total, -1.0), *((part, 1.0) for part in parts)):
            if cell in column:
                matrix[row, column[cell]] += sign
            else:
                constant += sign * visible[cell]
        low_side[row] = high_side[row] = -constant
    for index, cell in enumerate(switches):
        # x >= low * z and x <= BIG * z: z = 0 forces 0, z = 1 forces at least `low`
        first, second = len(chosen) + 2 * index, len(chosen) + 2 * index + 1
        matrix[first, column[cell]], matrix[first, switch_column[cell]] = 1, -hidden[cell].low
        low_side[first], high_side[first] = 0, np.inf
        matrix[second, column[cell]], matrix[second, switch_column[cell]] = 1, -BIG
        low_side[second], high_side[second] = -np.inf, 0
    lower = np.array([0.0 if hidden[c].zero_or_ten else hidden[c].low for c in cells] + [0.0] * len(switches))
    upper = np.array([hidden[c].high for c in cells] + [1.0] * len(switches))
    constraint = LinearConstraint(matrix.tocsr(), low_side, high_side)
    bounds = Bounds(lower, upper)
    integrality = np.ones(width)
    result = {}
    for cell in cells:
        if wanted is not None and not wanted(cell):
            continue
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(width)
            objective[column[cell]] = sign
            solved = milp(
                objective, constraints=constraint, bounds=bounds, integrality=integrality,
                options={"time_limit": TIME_LIMIT},
            )  # fmt: skip
            if solved.status == 1:
                raise AssertionError(f"the attacker's integer program ran out of time ({TIME_LIMIT} s) on {cell!r}")
            if solved.status == 3 or (solved.status != 0 and sign < 0 and math.isinf(hidden[cell].high)):
                ends.append(math.inf)  # unbounded above
                continue
            if solved.status != 0:
                raise AssertionError(f"the published equations have no solution around {cell!r}: {solved.message}")
            ends.append(round(sign * solved.fun))
        result[cell] = (ends[0], ends[1])
    return result


def summary(found: Mapping[Cell, tuple[float, float]], hidden: Mapping[Cell, Hidden], primary: set) -> dict:
    """Counts the closing note quotes: primary cells worked out exactly, narrowed, within +-2; complements exact."""
    exact = sum(1 for cell in primary if found[cell][0] == found[cell][1])
    narrowed = sum(1 for cell in primary if found[cell][1] - found[cell][0] < 8)
    within_two = sum(1 for cell in primary if found[cell][1] - found[cell][0] <= 4)
    others = [cell for cell in hidden if cell not in primary]
    return {
        "primary": len(primary),
        "primary_exact": exact,
        "primary_narrowed": narrowed,
        "primary_within_2": within_two,
        "complementary": len(others),
        "complementary_exact": sum(1 for cell in others if found[cell][0] == found[cell][1]),
        "complementary_exact_zeros": sum(1 for cell in others if found[cell] == (0, 0)),
    }


# --- the published file, read back -----------------------------------------------------


def crime_cells(public) -> dict[Cell, tuple[int | None, str | None]]:
    """Published crime count cells of every grain: key -> (count or None, label)."""
    sql = {
        "area_month": "select area_code, month, crime_class, incidents, incidents_suppressed from crime_area_month",
        "side_month": "select urbanicity, month, crime_class, incidents, incidents_suppressed"
        " from crime_urbanicity_month",
        "city_month": "select month, crime_class, incidents, incidents_suppressed from crime_city_month",
        "area_year": "select area_code, year, crime_class, incidents, incidents_suppressed from crime_area_year",
        "area_latest": "select area_code, crime_class, incidents, incidents_suppressed from crime_area_latest_12m",
        "group_year": "select area_group, year, crime_class, incidents, incidents_suppressed from crime_group_year",
        "group_latest": "select area_group, crime_class, incidents, incidents_suppressed from crime_group_latest_12m",
    }
    present = {name for (name,) in public.execute("select table_name from information_schema.tables").fetchall()}
    sql = {kind: query for kind, query in sql.items() if query.split(" from ")[-1] in present}
    found = {}
    for kind, query in sql.items():
        for *key, value, label in public.execute(query).fetchall():
            found[(kind, *key)] = (value, label)
    return found


def crime_equations(public) -> list[tuple[Cell, list[Cell]]]:
    """Every total = sum of its parts between the published crime tables."""
    side_of = dict(public.execute("select area_code, urbanicity from areas").fetchall())
    area_month = public.execute("select area_code, month, crime_class from crime_area_month").fetchall()
    by_side_month: dict[tuple, list] = {}
    by_area_year: dict[tuple, list] = {}
    for area, month, crime_class in area_month:
        cell = ("area_month", area, month, crime_class)
        by_side_month.setdefault((side_of[area], month, crime_class), []).append(cell)
        by_area_year.setdefault((area, month.year, crime_class), []).append(cell)
    equations = []
    sides_by_month: dict[tuple, list] = {}
    for side, month, crime_class in public.execute(
        "select urbanicity, month, crime_class from crime_urbanicity_month"
    ).fetchall():
        equations.append((("side_month", side, month, crime_class), by_side_month[(side, month, crime_class)]))
        sides_by_month.setdefault((month, crime_class), []).append(("side_month", side, month, crime_class))
    for month, crime_class in public.execute("select month, crime_class from crime_city_month").fetchall():
        equations.append((("city_month", month, crime_class), sides_by_month[(month, crime_class)]))
    area_years = public.execute("select area_code, year, crime_class from crime_area_year").fetchall()
    for area, year, crime_class in area_years:
        parts = by_area_year[(area, year, crime_class)]
        assert len(parts) == 12
        equations.append((("area_year", area, year, crime_class), parts))
    if "crime_area_latest_12m" not in {name for (name,) in public.execute("show tables").fetchall()}:
        return equations
    group_of = dict(public.execute("select area_code, area_group from areas where area_group is not null").fetchall())
    for area, crime_class, start, end in public.execute(
        "select area_code, crime_class, period_start, period_end from crime_area_latest_12m"
    ).fetchall():
        parts = [("area_month", a, m, c) for a, m, c in area_month if (a, c) == (area, crime_class) and start <= m]
        parts = [part for part in parts if part[2] <= end]
        assert len(parts) == 12
        equations.append((("area_latest", area, crime_class), parts))
    group_years = public.execute("select area_group, year, crime_class from crime_group_year").fetchall()
    for group, year, crime_class in group_years:
        parts = [("area_year", area, year, crime_class) for area, g in group_of.items() if g == group]
        equations.append((("group_year", group, year, crime_class), parts))
    for group, crime_class in public.execute("select area_group, crime_class from crime_group_latest_12m").fetchall():
        parts = [("area_latest", area, crime_class) for area, g in group_of.items() if g == group]
        equations.append((("group_latest", group, crime_class), parts))
    return equations


def attack(cells, equations, *, complementary_zero_or_ten: bool = True, wanted=None):
    """(intervals, hidden, primary cells) for published cells and their equations."""
    visible = {cell: value for cell, (value, label) in cells.items() if label is None}
    hidden = {}
    for cell, (_, label) in cells.items():
        if label == "primary":
            hidden[cell] = Hidden(1, 9, -1)
        elif label == "rolled_up":
            hidden[cell] = Hidden(0, math.inf, -1)
        elif label == "complementary":
            hidden[cell] = Hidden(10, math.inf, -1, True) if complementary_zero_or_ten else Hidden(0, math.inf, -1)
    primary = {cell for cell, (_, label) in cells.items() if label == "primary"}
    return intervals(visible, hidden, equations, wanted), hidden, primary


# --- survey means ------------------------------------------------------------------------


def survey_ranges(groups: Mapping[Cell, dict], equations: Sequence[tuple[Cell, Sequence[Cell]]]) -> dict:
    """Each group's smallest and largest possible n and sum of scores, from published means and n's.

    The reader's model (equal weights): a group's sum of scores is its mean times its n, and lies
    in 0..100 n; a whole's n and sum are its parts'. `groups[cell]` holds what is published: `n`
    (None when hidden), `mean` (None when hidden), `n_min` and `n_max` (what a hidden n's label says).
    Linear programming (scipy.optimize.linprog), not the rank test of data/publish.py.
    """
    from scipy.optimize import linprog

    cells = list(groups)
    column = {cell: index for index, cell in enumerate(cells)}
    count = len(cells)
    rows, targets = [], []
    for total, parts in equations:
        for offset in (0, count):
            row = np.zeros(2 * count)
            row[column[total] + offset] = -1
            for part in parts:
                row[column[part] + offset] += 1
            rows.append(row)
            targets.append(0.0)
    bounds = []
    for cell in cells:
        published = groups[cell]
        n = published["n"]
        bounds.append((n, n) if n is not None else (published.get("n_min", 0), published.get("n_max", math.inf)))
        if published["mean"] is not None:
            row = np.zeros(2 * count)
            row[column[cell] + count], row[column[cell]] = 1, -published["mean"]
            rows.append(row)
            targets.append(0.0)
    bounds += [(0, None)] * count
    between = []  # sum <= 100 n
    for cell in cells:
        row = np.zeros(2 * count)
        row[column[cell] + count], row[column[cell]] = 1, -100
        between.append(row)
    found = {}
    for cell in cells:
        ends = {}
        for name, position in (("n", column[cell]), ("sum", column[cell] + count)):
            values = []
            for sign in (1, -1):
                objective = np.zeros(2 * count)
                objective[position] = sign
                solved = linprog(
                    objective, A_ub=np.array(between), b_ub=np.zeros(count), A_eq=np.array(rows),
                    b_eq=np.array(targets), bounds=bounds, method="highs",
                )  # fmt: skip
                values.append(math.inf if solved.status == 3 else sign * solved.fun)
            ends[name] = (values[0], values[1])
        found[cell] = ends
    return found
