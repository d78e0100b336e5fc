"""The attack harness on the demo (seeds 1 and 7): every published crime table read back from the
public file, every equation between them, and an integer program (tests/attacker.py, scipy's
milp, not the audit's code) for each hidden cell's smallest and largest value. The audit's own
claim in the manifest must be what this independent solve finds.

Before the audit (the one-equation check), seed 1 had 20 of 2,118 primary cells worked out
exactly and 1,002 narrowed below 1-9; seed 7 15 and 974 (measured with this harness).

Since issue 10's FBI classes (violent is small) most small counts are rolled up, not "<10":
an area's violent months are published only in its year and latest-12-month totals. Measured:
seed 1 109 "<10" cells and 2,068 rolled-up cells of 1-9 (2,060 months, 6 years, 2 latest 12 months);
seed 7 89 and 2,064 (2,052, 10, 2). The demo before
issue 10 had 156 and 171 "<10". Both kinds are checked, at every grain.
"""

from __future__ import annotations

import attacker
import duckdb
import pytest

from data import demo, publish

pytestmark = pytest.mark.slow  # two demo builds, two publishes and an integer program per hidden cell


@pytest.fixture(scope="module", params=[1, 7])
def published(request, demo_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"attack{request.param}")
    source = demo_path if request.param == 1 else folder / "demo.duckdb"
    if request.param != 1:
        demo.build(source, seed=request.param)
    out = folder / "public.duckdb"
    publish.publish(source, out)
    with duckdb.connect(str(source), read_only=True) as con:
        truth = {
            (code, month, crime_class): int(count)
            for code, month, crime_class, count in con.execute(
                "select a.area_code, m.month, m.crime_class, sum(m.incidents) from crime_monthly m"
                " join areas a using (area_id) join offense_categories o using (category)"
                " where not o.is_sensitive group by all"
            ).fetchall()
        }
    public = duckdb.connect(str(out), read_only=True)
    yield public, truth
    public.close()


def test_the_integer_attacker_learns_nothing_below_the_protection_level(published):
    public, truth = published
    cells, equations = attacker.crime_cells(public), attacker.crime_equations(public)

    true = true_counts(truth, equations)
    assert {cell: value for cell, (value, label) in cells.items() if label is None} == {
        cell: true[cell] for cell, (_, label) in cells.items() if label is None
    }  # the source's counts summed up every level are what the file shows
    small_rolled_up = {cell for cell, (_, label) in cells.items() if label == "rolled_up" and 1 <= true[cell] <= 9}

    def checked(cell) -> bool:  # what the assertions below look at: labelled cells, small rolled-up cells
        return cells[cell][1] in ("primary", "complementary") or cell in small_rolled_up

    found, _, primary = attacker.attack(cells, equations, wanted=checked)
    # the attack has small counts to find (measured: seed 1 109 + 2,068, seed 7 89 + 2,064; see the docstring)
    assert len(primary) > 50 and len(small_rolled_up) > 1000
    assert all(1 <= true[cell] <= 9 for cell in primary)
    narrowed = {cell: found[cell] for cell in primary if found[cell] != (1, 9)}
    assert narrowed == {}
    for cell, (_, label) in cells.items():
        if label == "complementary":
            assert found[cell][0] < found[cell][1], f"{cell} is worked out: it should be shown"
    narrowed = {cell: found[cell] for cell in small_rolled_up if found[cell][1] - found[cell][0] < 8}
    assert narrowed == {}
    manifest = dict(public.execute("select key, value from manifest").fetchall())
    assert manifest["audit_result"] == f"0 of {manifest['audit_cells']} hidden cells can be narrowed below the" \
        " protection level"  # fmt: skip
    hidden_crime = sum(1 for _, label in cells.values() if label)
    assert int(manifest["audit_cells"]) >= hidden_crime


def true_counts(truth, equations) -> dict:
    """Every published cell's true count: an area month's from the source, a total's the sum of its parts."""
    parts_of = {total: parts for total, parts in equations}
    found = {}

    def value(cell):
        if cell not in found:
            found[cell] = (
                sum(value(part) for part in parts_of[cell]) if cell in parts_of else truth.get(tuple(cell[1:]), 0)
            )
        return found[cell]

    for total, parts in equations:
        value(total)
        for part in parts:
            value(part)
    return found


def test_rural_areas_keep_a_published_violent_figure(published):
    public, _ = published
    manifest = dict(public.execute("select key, value from manifest").fetchall())
    # the share recounted from the published tables: residents of areas with a shown violent count
    # for the latest 12 months (or, second figure, whose area group has one)
    shares = {}
    for side in ("urban", "rural"):
        own, either, total = public.execute(
            "select sum(a.population) filter (where l.incidents is not null),"
            " sum(a.population) filter (where l.incidents is not null or g.incidents is not null),"
            " sum(a.population)"
            " from areas a left join crime_area_latest_12m l on l.area_code = a.area_code and l.crime_class = 'violent'"
            " left join crime_group_latest_12m g on g.area_group = a.area_group and g.crime_class = 'violent'"
            " where a.urbanicity = ? and a.population is not null",
            [side],
        ).fetchone()
        shares[side] = (f"{(own or 0) / total * 100:.1f}", f"{(either or 0) / total * 100:.1f}")
    assert shares["urban"] == (
        manifest["violent_latest_12m_area_coverage_urban_pct"],
        manifest["violent_latest_12m_area_or_group_coverage_urban_pct"],
    )
    assert shares["rural"] == (
        manifest["violent_latest_12m_area_coverage_rural_pct"],
        manifest["violent_latest_12m_area_or_group_coverage_rural_pct"],
    )
    # before: no rural area had a published violent count for the latest 12 months (its months were
    # hidden); measured after: seed 1 rural 78.0% (78.0% with groups), seed 7 36.6% (51.9%); urban 100%
    assert float(manifest["violent_latest_12m_area_coverage_rural_pct"]) > 30
    assert float(manifest["violent_latest_12m_area_or_group_coverage_rural_pct"]) > 50
    assert float(manifest["violent_latest_12m_area_coverage_urban_pct"]) == 100
