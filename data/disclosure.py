"""Cell suppression for published counts, audited against an attacker with a solver.

`protect(values, equations)` takes every published count cell with its true value and
every equation the published tables imply (a total and the parts it is the sum of) and
returns each cell's status: None (shown), 'primary', 'complementary' or 'rolled_up'.

What a reader knows of a hidden cell is what its label says, and the audit assumes they
use all of it: a 'primary' cell (shown "<10") is 1-9; a 'complementary' one ("suppressed")
is 10 or more, because only counts of 10 or more are ever chosen as complements (a zero is
never hidden: hidden as a complement it would read "0 or 10+", and an integer program
uses that); a 'rolled_up' cell is not published at all, so it is some count of 0 or more.

The rules, in order:

1. Primary: every count from 1 to 9.
2. Roll-up: the parts of a total below 10 are not published (status 'rolled_up', "in total
   only"), nor the parts of those parts; nor are the cells a caller names in `rolled_up`
   (publish rolls up an area's monthly series where most of its months are 1-9). A hidden
   total known to be 1-9 with k hidden parts of 1-9 each would pin every part to 1..10-k;
   the total alone says all there is to say.
3. Protection: for every hidden cell whose true count is 1-9 (primary or rolled up), an
   attacker who combines every equation at once (data.audit: linear programming with
   HiGHS, whole-number bounds) must be left with a range of possible values at least
   PROTECTION wide: for a "<10" cell, every value from 1 to 9 stays possible.
4. Complementary: while some cell fails 3, more cells are hidden, cheapest first (the
   smallest count, then the fewest residents), among the shown counts of 10 or more that
   share an equation with a failing cell, and the audit runs again.
5. A complementary cell the attacker can work out exactly anyway is shown after all:
   publishing it tells nobody anything new.
6. Where no count of 10 or more is left to hide (a tiny table), a published cell next to a
   failing one is withdrawn instead (status 'rolled_up': not published, so any count of 0
   or more to a reader), shown cells before "<10" ones, cheapest first.

Not protected against: inference from how the cells were chosen (complements are mostly
the smallest counts that suffice), and knowledge from outside the published file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

from data import audit as solver

Cell = Hashable
Equation = tuple[Cell, Sequence[Cell]]

MIN_SHOWN = 10  # counts from 1 to MIN_SHOWN - 1 are hidden
# the width of range an attacker must be left with for a hidden count of 1-9: 8 is all of
# 1-9 (nothing learned beyond "<10"). A hidden count cannot be told from any other value 1-9.
PROTECTION = MIN_SHOWN - 2
PRIMARY = "primary"
COMPLEMENTARY = "complementary"
ROLLED_UP = "rolled_up"
# how a hidden cell reads: a complementary cell may be any size of 10 or more, so it is not "<10"
SHOWN = {PRIMARY: f"<{MIN_SHOWN}", COMPLEMENTARY: "suppressed", ROLLED_UP: "in total only"}
KNOWN = {PRIMARY: (1, MIN_SHOWN - 1), COMPLEMENTARY: (MIN_SHOWN, math.inf), ROLLED_UP: (0, math.inf)}
MAX_ROUNDS = 200

RULE = (
    f'Counts from 1 to {MIN_SHOWN - 1} are hidden (primary, shown "{SHOWN[PRIMARY]}"); the parts of a hidden total'
    f" below {MIN_SHOWN} are not published; further counts of {MIN_SHOWN} or more are hidden (complementary, shown"
    f' "{SHOWN[COMPLEMENTARY]}"; smallest first, then fewest residents) until an attacker who combines every'
    f" published equation at once, with whole-number counts, is left unable to rule out any value from 1 to"
    f" {MIN_SHOWN - 1} for any hidden small count."
)
ZEROS = (
    'Zeros are never hidden as complements: a zero hidden as a complement would read "0 or 10 or more", which an'
    " integer program can use, and it would misstate what is known. Where a table has no count of 10 or more left"
    f' to hide, a cell is withdrawn instead (shown "{SHOWN[ROLLED_UP]}": to a reader any count of 0 or more).'
)
LIMITS = (
    "Not protected against inference from how cells were chosen (complements are the smallest that suffice)"
    " or knowledge from outside the published file."
)


class DisclosureError(ValueError):
    """The audit found a hidden cell it cannot protect; the message is one sentence for people."""


@dataclass
class Protection:
    """Each cell's status and the final audit that passed."""

    status: dict[Cell, str | None]
    audited: int  # hidden cells whose range was audited
    protected: int  # of them, small counts that needed the protection level
    narrowed: int  # of those, how many the attacker can narrow below it (0 when it passed)
    rounds: int
    lp_solves: int
    integer_solves: int
    blocks: int
    equations: int


def protect(
    values: Mapping[Cell, int],
    equations: Sequence[Equation],
    *,
    primary: Collection[Cell] | None = None,
    unpublished: Collection[Cell] = (),
    rolled_up: Collection[Cell] = (),
    bounds: Mapping[Cell, tuple[float, float]] | None = None,
    complement_bounds: Mapping[Cell, tuple[float, float]] | None = None,
    protection: Mapping[Cell, float] | float = PROTECTION,
    cost: Callable[[Cell], tuple] | None = None,
    roll_up: bool = True,
) -> Protection:
    """Suppression status of every published cell of `values` (see the module docstring).

    For counts the defaults are the rules above. Survey sizes set their own: `primary` (the
    groups not reportable), `bounds` (what a reader knows of a hidden primary: 0-49),
    `complement_bounds` (the cells that may be hidden as complements and what a reader
    then knows: a reportable group's n is 50 or more), `protection` per cell, no roll-up.
    `unpublished` cells are never shown and need no protection (respondents without an
    area). `rolled_up` cells are published only inside their totals (a coarser grain): hidden
    without a label, protected where they are small. `cost(cell)` orders complement
    candidates (default: the count). Deterministic.
    """
    order = {cell: index for index, cell in enumerate(values)}
    for total, parts in equations:
        members = [total, *parts]
        missing = [cell for cell in members if cell not in order]
        if missing:
            raise ValueError(f"equation member {missing[0]!r} has no value")
        if len(set(members)) != len(members):
            raise ValueError(f"equation of {total!r} names a cell twice")
    small = {cell for cell, value in values.items() if 1 <= value < MIN_SHOWN}
    primary_cells = small if primary is None else set(primary)
    status: dict[Cell, str | None] = {cell: None for cell in values}
    for cell in primary_cells:
        status[cell] = PRIMARY
    hidden_bounds = {cell: KNOWN[PRIMARY] for cell in primary_cells} | dict(bounds or {})
    for cell in (*unpublished, *rolled_up):
        status[cell] = ROLLED_UP
        hidden_bounds[cell] = KNOWN[ROLLED_UP]
    if roll_up:
        for cell in _rolled_up(equations, status):
            status[cell] = ROLLED_UP
            hidden_bounds[cell] = KNOWN[ROLLED_UP]
    candidates = (
        {cell: KNOWN[COMPLEMENTARY] for cell, value in values.items() if value >= MIN_SHOWN}
        if complement_bounds is None
        else dict(complement_bounds)
    )
    unpublished_cells = set(unpublished)
    width = (lambda cell: protection.get(cell)) if isinstance(protection, Mapping) else (lambda cell: protection)
    # the cells whose range must stay wide: the primaries, and rolled-up parts that are small counts
    guarded = {
        cell
        for cell, label in status.items()
        if cell not in unpublished_cells
        and (label == PRIMARY or (label == ROLLED_UP and cell in small))
        and width(cell) is not None
    }
    cost = cost or (lambda cell: (values[cell],))
    by_cell: dict[Cell, list[int]] = {}
    for index, (total, parts) in enumerate(equations):
        for cell in (total, *parts):
            by_cell.setdefault(cell, []).append(index)

    rounds = lp_solves = integer_solves = 0
    touched: set[Cell] | None = None  # None: audit every block
    while True:
        rounds += 1
        hidden = [cell for cell in values if status[cell] is not None]
        result = solver.audit(
            values,
            hidden,
            hidden_bounds,
            equations,
            needed=lambda cell: width(cell) if cell in guarded else 0,  # other cells' ranges are not used here
            only=None if touched is None else touched.__contains__,
        )
        lp_solves += result.lp_solves
        integer_solves += result.integer_solves
        audited = [cell for cell in hidden if cell in guarded and cell in result.intervals]
        failing = [cell for cell in audited if _narrowed(result, cell, width(cell))]
        if not failing:
            break
        if rounds > MAX_ROUNDS:
            raise DisclosureError(f"the disclosure audit did not settle after {MAX_ROUNDS} rounds")
        added, withdrawn = set(), set()
        for cell in failing:
            choice = _complement(cell, equations, by_cell, status, candidates, cost, order, values, width(cell))
            if choice is not None:
                added.add(choice)
                continue
            # no count of 10 or more to hide: withdraw a published neighbour instead (rule 6)
            choice = _withdrawal(cell, equations, by_cell, status, unpublished_cells, cost, order)
            if choice is None:
                raise DisclosureError(f"no published cell can be withdrawn to protect {cell!r}")
            withdrawn.add(choice)
        for cell in added - withdrawn:
            status[cell] = COMPLEMENTARY
            hidden_bounds[cell] = candidates[cell]
        for cell in withdrawn:
            status[cell] = ROLLED_UP
            hidden_bounds[cell] = KNOWN[ROLLED_UP]
        touched = set(failing) | added | withdrawn

    # a complement the attacker pins exactly protects nothing: show it
    hidden = [cell for cell in values if status[cell] is not None]
    complements = {cell for cell in hidden if status[cell] == COMPLEMENTARY}
    final = solver.audit(
        values,
        hidden,
        hidden_bounds,
        equations,
        needed=lambda cell: width(cell) if cell in guarded else (1 if cell in complements else 0),
    )
    for cell in sorted(complements, key=order.__getitem__):
        low, high = final.intervals[cell]
        if low == high:
            status[cell] = None
    narrowed = sum(1 for cell in guarded if _narrowed(final, cell, width(cell)))
    for cell in unpublished_cells:
        status.pop(cell, None)
    return Protection(
        status={cell: status[cell] for cell in values if cell not in unpublished_cells},
        audited=len(hidden) - len(unpublished_cells),
        protected=len(guarded),
        narrowed=narrowed,
        rounds=rounds,
        lp_solves=lp_solves + final.lp_solves,
        integer_solves=integer_solves + final.integer_solves,
        blocks=final.blocks,
        equations=len(equations),
    )


def shown(value: int, status: str | None) -> str:
    """The text a reader sees: the number ('1234', no separators), '<10', 'suppressed' or 'in a total <10'."""
    return str(int(value)) if status is None else SHOWN[status]


def _narrowed(result: solver.Audit, cell: Cell, width: float) -> bool:
    low, high = result.intervals[cell]
    return high - low < width


def _rolled_up(equations: Sequence[Equation], status: Mapping[Cell, str | None]) -> set[Cell]:
    """Parts of a primary total, and parts of those, down every level."""
    parts_of: dict[Cell, list[Cell]] = {}
    for total, parts in equations:
        parts_of.setdefault(total, []).extend(parts)
    found: set[Cell] = set()
    stack = [cell for cell in parts_of if status.get(cell) == PRIMARY]
    while stack:
        for part in parts_of.get(stack.pop(), ()):
            if part not in found:
                found.add(part)
                stack.append(part)
    return found


def _withdrawal(cell, equations, by_cell, status, unpublished, cost, order) -> Cell | None:
    """The cell to withdraw for `cell`: the nearest shown one linked through hidden cells, else the nearest "<10"."""
    for wanted in (None, PRIMARY):
        seen = {cell}
        frontier = [cell]
        while frontier:
            options = []
            following = []
            for member in frontier:
                for index in by_cell.get(member, ()):
                    total, parts = equations[index]
                    for other in (total, *parts):
                        if other in unpublished or status[other] != wanted:
                            if other not in seen and (other in unpublished or status[other] is not None):
                                seen.add(other)
                                following.append(other)
                        elif other != cell:
                            options.append(other)
            if options:
                return min(options, key=lambda option: (*cost(option), order[option]))
            frontier = following
    return cell if status[cell] == PRIMARY else None  # nothing else is left: withdraw the "<10" cell itself


def _complement(cell, equations, by_cell, status, candidates, cost, order, values, need) -> Cell | None:
    """The cheapest shown candidate in an equation with `cell`, else in one with a hidden neighbour of it.

    Candidates with room enough to move by `need` (a count of 18 hidden as "10 or more" can fall by 8)
    come before those without.
    """
    seen = {cell}
    frontier = [cell]
    while frontier:
        options = []
        following = []
        for member in frontier:
            for index in by_cell.get(member, ()):
                total, parts = equations[index]
                for other in (total, *parts):
                    if status[other] is None and other in candidates:
                        options.append(other)
                    elif status[other] is not None and other not in seen:
                        seen.add(other)
                        following.append(other)
        if options:
            return min(
                options,
                key=lambda option: (values[option] - candidates[option][0] < need, *cost(option), order[option]),
            )
        frontier = following
    return None
