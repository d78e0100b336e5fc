"""Cell suppression for published counts: primary for small counts, complementary so that
no hidden cell can be worked out from a published total.

`suppress(values, constraints)` takes every published count cell with its true value and
every linear constraint the published tables imply (a total and the parts it is the sum
of) and returns, per cell, None (shown), 'primary' or 'complementary'.

What a reader knows about a hidden cell: a 'primary' one is 1-9 (it is shown as "<10");
a 'complementary' one is some count of at least 0. `bounds` can say otherwise per cell
(a hidden survey n is 0-49, say).

Protected against: one-equation subtraction attacks. For every constraint on its own,
subtracting the visible members from the total works out no hidden cell exactly (so no
chain of such subtractions can start), and leaves every primary cell at least half of its
possible range (at least 5 of the values 1-9). Hiding a second cell is not enough by
itself, because the labels are published: a primary 1 hidden next to a complementary 0
under a visible total gives total - visible = 1 and pins it at 1; two primaries summing
to 2 (or 18) are both pinned; two zeros hidden under a total of 0 are both 0. Such a
constraint gets another member hidden, one that brings enough slack.

Not protected against: attacks that combine several equations at once (a linear program
over overlapping rows, columns and years, as tau-ARGUS audits), which can narrow a hidden
cell further than any single equation; nor inference from how the cells were chosen
(complementary cells are mostly the smallest that suffice, often zeros).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Collection, Hashable, Mapping, Sequence

Cell = Hashable
Constraint = tuple[Cell, Sequence[Cell]]

MIN_SHOWN = 10  # counts from 1 to MIN_SHOWN - 1 are hidden
# share of a primary cell's possible range that must stay possible under any one equation:
# 0.5 keeps 5 of the values 1-9. On the demo (seed 1) it costs 231 complementary cells; the
# bare "no cell is worked out exactly" rule (0) needs 45 but leaves 379 primary cells that
# one subtraction narrows to fewer than 5 values ("1 or 2", say); 1.0 needs 669.
PROTECTION = 0.5
PRIMARY = "primary"
COMPLEMENTARY = "complementary"
# how a hidden cell reads: a complementary cell may be any size, so it is not "<10"
SHOWN = {PRIMARY: f"<{MIN_SHOWN}", COMPLEMENTARY: "suppressed"}

METHOD = (
    "Counts from 1 to 9 are hidden (primary); then, taking each published total with its parts on its own,"
    " further cells are hidden (complementary: first those that force no further hiding, then the smallest,"
    " parts before totals) until subtracting visible cells from a total works out no hidden count exactly"
    " and leaves every primary cell at least 5 of its possible values 1-9."
)
PROTECTS = "One-equation subtraction: no single total minus its visible parts reveals a hidden count."
LIMITS = (
    "Not audited against attacks that combine several overlapping equations at once"
    " (rows, columns and years together), which can narrow some hidden counts."
)


def suppress(
    values: Mapping[Cell, int],
    constraints: Sequence[Constraint],
    *,
    primary: Collection[Cell] | None = None,
    unpublished: Collection[Cell] = (),
    bounds: Mapping[Cell, tuple[float, float]] | None = None,
    protection: float = PROTECTION,
) -> dict[Cell, str | None]:
    """Suppression status of every published cell of `values`: None, 'primary' or 'complementary'.

    `primary` defaults to the cells valued 1-9. `unpublished` cells are never shown and need
    no protection (they only make a constraint harder to solve: e.g. respondents without an
    area). `bounds` is what a reader knows about a hidden cell; by default 1-9 for primary
    cells and 0 or more for the others. `protection` is the share of a primary cell's bounds
    that must stay possible under every single constraint. The result is deterministic: ties
    go to the cell that comes first in `values`.
    """
    order = {cell: index for index, cell in enumerate(values)}
    for total, parts in constraints:
        members = [total, *parts]
        missing = [cell for cell in members if cell not in order]
        if missing:
            raise ValueError(f"constraint member {missing[0]!r} has no value")
        if len(set(members)) != len(members):
            raise ValueError(f"constraint on {total!r} names a cell twice")
    primary_cells = (
        {cell for cell, value in values.items() if 1 <= value < MIN_SHOWN} if primary is None else set(primary)
    )
    unpublished_cells = set(unpublished)
    known = dict(bounds or {})
    for cell in values:
        if cell not in known:
            known[cell] = (1, MIN_SHOWN - 1) if cell in primary_cells else (0, math.inf)

    hidden = primary_cells | unpublished_cells
    status: dict[Cell, str | None] = {cell: None for cell in values if cell not in unpublished_cells}
    for cell in primary_cells - unpublished_cells:
        status[cell] = PRIMARY

    by_cell: dict[Cell, list[int]] = {}
    for index, (total, parts) in enumerate(constraints):
        for cell in (total, *parts):
            by_cell.setdefault(cell, []).append(index)

    def is_safe(index: int, extra: Cell | None = None) -> bool:
        total, parts = constraints[index]
        return _constraint_safe(
            total, parts, values, hidden, known, primary_cells, unpublished_cells, extra, protection
        )

    def breaks(cell: Cell, index: int) -> int:
        """How many other constraints hiding `cell` would leave unsafe (more cells to hide)."""
        return sum(1 for other in by_cell[cell] if other != index and not is_safe(other, cell))

    queue = deque(range(len(constraints)))
    queued = set(queue)
    while queue:
        index = queue.popleft()
        queued.discard(index)
        while not is_safe(index):
            cell = _choose(index, constraints[index], values, order, hidden, is_safe, breaks)
            if cell is None:  # every member hidden already: nothing more to do here
                break
            hidden.add(cell)
            status[cell] = COMPLEMENTARY
            for other in by_cell[cell]:
                if other != index and other not in queued:
                    queue.append(other)
                    queued.add(other)
    return status


def shown(value: int, status: str | None) -> str:
    """The text a reader sees: the number ('1234', no separators), '<10' or 'suppressed'."""
    return str(int(value)) if status is None else SHOWN[status]


def _choose(index, constraint, values, order, hidden, is_safe, breaks) -> Cell | None:
    """The visible member to hide next.

    Among the members that alone make the constraint safe: the one that leaves the fewest
    other constraints unsafe (hiding it starts no cascade), then the smallest, then parts
    before the total. If no single member suffices: the largest visible part (it brings the
    most slack), else the total.
    """
    total, parts = constraint
    candidates = [cell for cell in (*parts, total) if cell not in hidden]
    if not candidates:
        return None
    fixes = [cell for cell in candidates if is_safe(index, cell)]
    if fixes:
        return min(fixes, key=lambda cell: (breaks(cell, index), values[cell], cell == total, order[cell]))
    visible_parts = [cell for cell in parts if cell not in hidden]
    if visible_parts:
        return max(visible_parts, key=lambda cell: (values[cell], -order[cell]))
    return total


def _constraint_safe(total, parts, values, hidden, known, primary_cells, unpublished_cells, extra, protection) -> bool:
    """No hidden member of this one equation is pinned, and every primary one keeps its share of range."""
    members = [(total, -1), *((cell, 1) for cell in parts)]
    hidden_members = {cell for cell, _ in members if cell in hidden or cell == extra}
    if not hidden_members or len(hidden_members) == len(members):
        return True  # nothing hidden, or nothing left to hide
    intervals = feasible_intervals(members, values, hidden_members, known)
    for cell in hidden_members - unpublished_cells:
        low, high = intervals[cell]
        if high <= low:
            return False  # worked out exactly (a lone hidden cell; zeros under a total of 0)
        if cell in primary_cells:
            bound_low, bound_high = known[cell]
            if high - low < protection * (bound_high - bound_low):
                return False
    return True


def feasible_intervals(
    members: Sequence[tuple[Cell, int]],
    values: Mapping[Cell, int],
    hidden: Collection[Cell],
    known: Mapping[Cell, tuple[float, float]],
) -> dict[Cell, tuple[float, float]]:
    """What one equation sum(sign * x) = 0 tells a reader about each hidden member.

    `members` are (cell, +1 for a part or -1 for the total); visible cells are known exactly,
    hidden ones only within `known` bounds. Returns each hidden cell's range of possible values.
    """
    # sum over hidden of sign * x = target
    target = -sum(sign * values[cell] for cell, sign in members if cell not in hidden)
    terms = []
    for cell, sign in members:
        if cell in hidden:
            low, high = known[cell]
            terms.append((cell, sign, (low, high) if sign > 0 else (-high, -low)))
    intervals = {}
    for cell, sign, _ in terms:
        # the other hidden terms can sum to anything in [rest_low, rest_high]
        rest_low = sum(term_low for other, _, (term_low, _) in terms if other != cell)
        rest_high = sum(term_high for other, _, (_, term_high) in terms if other != cell)
        signed_low, signed_high = target - rest_high, target - rest_low
        low, high = (signed_low, signed_high) if sign > 0 else (-signed_high, -signed_low)
        own_low, own_high = known[cell]
        intervals[cell] = (max(low, own_low), min(high, own_high))
    return intervals
