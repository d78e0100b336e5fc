"""What an attacker with a solver can learn about hidden cells: the disclosure audit.

Every published cell is a whole number. A reader knows the shown ones exactly and a hidden
one within what its label says (`bounds`), and knows every equation between cells
(total = sum of parts) that the published tables imply. For each hidden cell the audit
finds the range of values consistent with all of that at once: the smallest and the
largest whole value x can take over every whole-number solution of the equations.

How, so that it runs in seconds on a county's tables:

* Independent blocks. Shown cells are constants; equations then only link hidden cells,
  and each connected group of hidden cells (one crime class, say) is its own problem.
* Linear programming first (HiGHS, dual simplex, warm-started from the previous solve of
  the same block). The LP optimum is a bound on the whole-number optimum; when the
  optimal vertex is whole (the usual case: a table with nested totals on each axis has a
  totally unimodular matrix), it *is* a whole-number solution, so the bound is exact.
  Otherwise that one bound is solved again as an integer program (branch and bound).
* Every whole solution met on the way is a witness: it shows values each hidden cell can
  take. A cell whose witnesses already span what `needed` asks for is not solved at all.
* Sweeps before single solves: one LP pushes every cell that still needs a wider range
  down at once, the next pushes them up (`_sweep`); a few of these witness most cells'
  ranges, and only the cells left are solved one bound at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

Cell = Hashable
Equation = tuple[Cell, Sequence[Cell]]
TOLERANCE = 1e-6
SWEEPS = 8  # rounds of pushing all open cells down and up together
SWEEP_CAP = 1000  # how far above its true value an unbounded cell may go in a sweep
METHOD = (
    "integer bounds: the linear programming relaxation, each bound kept only where its optimum is a"
    " whole-number solution, else solved again as an integer program"
)
# highspy.Highs adds Python callbacks and prints a banner on stdout when made; the solver is its base
SolverModel = highspy._Highs
SOLVER = f"HiGHS {highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"


@dataclass
class Audit:
    """Each audited hidden cell's range, and how the ranges were found."""

    intervals: dict[Cell, tuple[float, float]] = field(default_factory=dict)
    blocks: int = 0
    lp_solves: int = 0
    integer_solves: int = 0
    skipped: int = 0  # bounds shown by witnesses alone


def blocks(hidden: Sequence[Cell], equations: Sequence[Equation]) -> list[tuple[list[Cell], list[int]]]:
    """(hidden cells, equation indices) of each independent group; equations with no hidden member are left out."""
    index = {cell: position for position, cell in enumerate(hidden)}
    parent = list(range(len(hidden)))

    def find(position: int) -> int:
        while parent[position] != position:
            parent[position] = parent[parent[position]]
            position = parent[position]
        return position

    members_of = []
    for total, parts in equations:
        members = [index[cell] for cell in (total, *parts) if cell in index]
        members_of.append(members)
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    cells: dict[int, list[Cell]] = {}
    for position, cell in enumerate(hidden):
        cells.setdefault(find(position), []).append(cell)
    rows: dict[int, list[int]] = {}
    for number, members in enumerate(members_of):
        if members:
            rows.setdefault(find(members[0]), []).append(number)
    return [(cells[root], rows.get(root, [])) for root in sorted(cells)]


def audit(
    values: Mapping[Cell, int],
    hidden: Sequence[Cell],
    bounds: Mapping[Cell, tuple[float, float]],
    equations: Sequence[Equation],
    *,
    needed: Callable[[Cell], float | None] | None = None,
    only: Callable[[Cell], bool] | None = None,
) -> Audit:
    """Each hidden cell's range over all whole-number solutions of `equations`.

    `values` holds every cell's true value (shown cells are constants; hidden ones only
    start the solver off). `needed(cell)` may return a width: the audit then only has to show
    the range is at least that wide, and reports the range its whole solutions witnessed in
    place of the exact one when they do (a cell that fails is always solved exactly; a width
    of 0 asks nothing of a cell, None asks for its exact range). `only` limits the
    audit to the blocks holding a cell it accepts (the rest are left out of the result).
    """
    hidden_set = set(hidden)
    result = Audit()
    for cells, rows in blocks(list(hidden), equations):
        if only is not None and not any(only(cell) for cell in cells):
            continue
        result.blocks += 1
        _solve_block(cells, [equations[row] for row in rows], values, hidden_set, bounds, needed, result)
    return result


def _solve_block(cells, chosen, values, hidden_set, bounds, needed, result: Audit) -> None:
    column = {cell: position for position, cell in enumerate(cells)}
    lower = np.array([bounds[cell][0] for cell in cells], dtype=float)
    upper = np.array([bounds[cell][1] for cell in cells], dtype=float)
    if not chosen:
        for cell in cells:
            result.intervals[cell] = (lower[column[cell]], upper[column[cell]])
        return
    starts, indices, coefficients, targets = [], [], [], []
    for total, parts in chosen:
        row: dict[int, float] = {}
        constant = 0.0
        for cell, sign in ((total, -1.0), *((part, 1.0) for part in parts)):
            if cell in hidden_set:
                row[column[cell]] = row.get(column[cell], 0.0) + sign
            else:
                constant += sign * values[cell]
        starts.append(len(indices))
        indices.extend(row)
        coefficients.extend(row.values())
        targets.append(-constant)
    model = _model(lower, upper, starts, indices, coefficients, targets)
    truth = np.array([values[cell] for cell in cells], dtype=float)
    seen_low, seen_high = truth.copy(), truth.copy()  # the truth is a whole solution too
    wants = [needed(cell) if needed else None for cell in cells]
    if needed is not None:
        _sweep(model, lower, upper, truth, wants, seen_low, seen_high, result)
    integer_model = None
    for cell, want in zip(cells, wants, strict=True):
        position = column[cell]
        ends = [seen_low[position], seen_high[position]]
        for end, sign in ((0, 1.0), (1, -1.0)):  # minimise, then maximise
            if want is not None and seen_high[position] - seen_low[position] >= want:
                result.skipped += 1
                continue
            value, solution = _optimise(model, position, sign, len(cells))
            result.lp_solves += 1
            if solution is not None and not _whole(solution):
                if integer_model is None:
                    integer_model = _model(lower, upper, starts, indices, coefficients, targets, integer=True)
                value, solution = _optimise(integer_model, position, sign, len(cells))
                result.integer_solves += 1
            if solution is not None:
                solution = np.round(solution)
                np.minimum(seen_low, solution, out=seen_low)
                np.maximum(seen_high, solution, out=seen_high)
            ends[end] = value
        if want is not None and seen_high[position] - seen_low[position] >= want:
            ends = [seen_low[position], seen_high[position]]
        result.intervals[cell] = (float(ends[0]), float(ends[1]))


def _sweep(model, lower, upper, truth, wants, seen_low, seen_high, result: Audit) -> None:
    """Witnesses for many cells at once: push every open cell down together, then up together.

    A cell is open while its witnessed range is narrower than it needs. One LP moves all open
    cells towards an end at once; a whole optimum is a solution of the equations, so it is a
    witness for every cell it moves. Repeated on the cells still open while it makes progress;
    what stays open is solved cell by cell after. Unbounded columns are capped for the sweep
    (a point of the capped problem is a point of the real one), so every sweep has an optimum.
    """
    count = len(lower)
    need = np.array([0.0 if want is None else want for want in wants])
    if not np.any(need > 0):
        return
    positions = np.arange(count, dtype=np.int32)
    capped = np.where(np.isinf(upper), np.maximum(truth, np.where(np.isinf(lower), 0, lower)) + SWEEP_CAP, upper)
    floor = np.where(np.isinf(lower), np.minimum(truth, 0) - SWEEP_CAP, lower)
    model.changeColsBounds(count, positions, floor, capped)
    try:
        for _ in range(SWEEPS):
            progress = False
            for sign, reached in ((1.0, lambda: seen_low <= floor), (-1.0, lambda: seen_high >= capped)):
                open_cells = (seen_high - seen_low < need) & ~reached()
                if not open_cells.any():
                    continue
                model.changeColsCost(count, positions, np.where(open_cells, sign, 0.0))
                model.run()
                result.lp_solves += 1
                if model.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                    continue
                solution = np.array(model.getSolution().col_value)
                if not _whole(solution):
                    continue
                solution = np.round(solution)
                width = seen_high - seen_low
                np.minimum(seen_low, solution, out=seen_low)
                np.maximum(seen_high, solution, out=seen_high)
                progress |= bool(np.any(seen_high - seen_low > width))
            if not progress:
                break
    finally:
        model.changeColsBounds(
            count, positions, np.where(np.isinf(lower), -highspy.kHighsInf, lower),
            np.where(np.isinf(upper), highspy.kHighsInf, upper),
        )  # fmt: skip


def _model(lower, upper, starts, indices, coefficients, targets, *, integer: bool = False) -> SolverModel:
    model = SolverModel()
    model.setOptionValue("output_flag", False)
    model.setOptionValue("threads", 1)
    count = len(lower)
    inf = highspy.kHighsInf
    model.addCols(
        count,
        np.zeros(count),
        np.where(np.isinf(lower), -inf, lower),
        np.where(np.isinf(upper), inf, upper),
        0,
        np.array([], dtype=np.int32),
        np.array([], dtype=np.int32),
        np.array([], dtype=float),
    )
    target = np.array(targets, dtype=float)
    model.addRows(
        len(targets),
        target,
        target,
        len(indices),
        np.array(starts, dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.array(coefficients, dtype=float),
    )
    if integer:
        model.changeColsIntegrality(
            count, np.arange(count, dtype=np.int32), np.full(count, highspy.HighsVarType.kInteger)
        )
    return model


def _optimise(model: SolverModel, position: int, sign: float, count: int) -> tuple[float, np.ndarray | None]:
    """(optimum of sign * x[position] as a bound on x, the optimal point or None when unbounded)."""
    model.changeColsCost(count, np.arange(count, dtype=np.int32), np.zeros(count))
    model.changeColCost(position, sign)
    model.run()
    status = model.getModelStatus()
    if status == highspy.HighsModelStatus.kUnbounded:
        return (-math.inf if sign > 0 else math.inf), None
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"the audit's solver stopped without an answer ({model.modelStatusToString(status)})")
    solution = np.array(model.getSolution().col_value)
    value = solution[position]
    return (math.floor(value + TOLERANCE) if sign < 0 else math.ceil(value - TOLERANCE)), solution


def _whole(solution: np.ndarray) -> bool:
    return bool(np.all(np.abs(solution - np.round(solution)) <= TOLERANCE))


def determined(rows: Sequence[Mapping[int, float]], count: int) -> np.ndarray:
    """Which of `count` unknowns a system of linear equations fixes (whatever their right-hand sides).

    `rows` are the equations' coefficients by unknown. An unknown is fixed exactly when no
    direction in the system's null space moves it: its unit vector lies in the row space.
    """
    if not rows:
        return np.zeros(count, dtype=bool)
    matrix = np.zeros((len(rows), count))
    for number, row in enumerate(rows):
        for position, coefficient in row.items():
            matrix[number, position] += coefficient
    _, singular, right = np.linalg.svd(matrix)
    rank = int(np.sum(singular > TOLERANCE * max(1.0, float(singular[0]) if len(singular) else 1.0)))
    null = right[rank:]  # rows spanning the null space
    return np.all(np.abs(null) <= 1e-9, axis=0) if len(null) else np.ones(count, dtype=bool)
