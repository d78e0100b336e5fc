"""Synthetic control for a partnership's served areas, built from its comparison (donor) areas; pure.

Abadie, Diamond & Hainmueller (2010), "Synthetic control methods for comparative case studies",
JASA 105:493-505. The served areas' monthly rate is matched over the before window by a weighted
mean of the donor areas' rates, with weights that are non-negative and sum to one; the gap after the
start is the estimated effect. Inference is by placebos in space: each donor in turn is treated as
if it had been served and refitted from the others; the served areas' p-value is their rank by
post/pre RMSPE ratio among all units (ADH 2010, section 2.4; Abadie 2021, JEL 59:391-425).

Every series is matched as a share of its own before-window mean (an index), not in raw rates:
partnerships go where crime is highest, so the served areas' level usually lies outside what any
mix of donors can reach, and a level fit would be no fit at all. Matching the index removes each
area's level, as the demeaned synthetic control does (Doudchenko & Imbens 2016; Ferman & Pinto
2021), multiplicatively, because crime effects are proportional. The synthetic rate is then the
matched index times the served areas' own before-window mean rate.

The weights minimise the before window's squared monthly gap plus a ridge penalty equal to the
Poisson noise the weighted donors carry into the synthetic series, sum_j w_j^2 / m_j per month
(m_j: donor j's mean monthly count before the start). Without it a mix of many noisy donor areas
reproduces the served areas' own month-to-month noise: several areas pooled are far less noisy than
any one donor and sit inside the donors' spread, so their pre-start fit would be near perfect while
no placebo's can be, and the placebo rank would call noise an effect (on the issue-11 demo, 12 of 60
null comparisons had p <= 0.1 without it, 7 with it; 6 expected). The penalty is the counts' known
variance, so nothing is tuned (compare the penalised synthetic control of Abadie & L'Hour 2021,
JASA 116:1817-1834). Its price: with few offences per donor the mix spreads wider and follows a
trend less closely (tests/test_synthetic_control.py shows both sides).

The before-window error each ratio divides by is measured out of sample: each before month is
predicted by weights fitted on the other before months (held_out_gaps), as every month after the
start is predicted by weights fitted on the before window. The in-sample error would not do: a fit
follows its target's own noise as far as the other units' series reach, and the served areas,
pooled, are less noisy than any one donor and sit inside the donors' spread, so their in-sample
error falls below their own noise while a donor's cannot. The served areas' ratio is then larger
than a donor's even with nothing to find, and the placebo rank calls noise an effect. On the demo
(seed 1, violent crime, the planted null Downtown Housing First Outreach: three served areas, 22
donors) the served areas' in-sample error was 2.8% of their level against about 9.5% Poisson noise
a month, and they ranked first of 23 (p = 0.04; held out, 5.8% and p = 0.09). Over 600 Poisson
redraws of the demo's expected counts with nothing planted, the in-sample ratio gave p <= 0.05 in
11.3% of draws, p <= 0.1 in 17.2% and p <= 0.2 in 30.3% (nominal 4.3%, 8.7%, 17.4% with 23 units);
the held-out error gives 6.2%, 11.8% and 21.2%, and 5.2%, 9.0%, 19.5% for East Side Safe Passages
with its effect removed (nominal 4.5%, 9.1%, 18.2%), while its planted -30% still ranks first in 97%
of draws. A little liberal still, not twice. The held-out fits cost about 10 ms more for 23 units.
Read the placebo p with the effect's size and the before-window error beside it (the page shows
all three); tests/test_synthetic_control.py checks the rate on redrawn nulls.

They are solved as non-negative least squares (scipy.optimize.nnls, the exact Lawson-Hanson
active-set method) with the penalty as extra rows and sum-to-one as a heavily weighted row, then
rescaled to sum to exactly one: deterministic, no tolerances to tune, well under a millisecond a
fit, so the placebo refits stay far under a second.

Input: impact/area_series rows (one per area x month: area_code, area_name, role, population,
months_since_start, month, incidents).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import nnls

METHOD = (
    "**Synthetic control** (Abadie, Diamond & Hainmueller 2010, JASA 105:493-505; `components/synthetic_control.py`)\n"
    "- The served areas' monthly rate is matched over the before window by a weighted mix of the comparison "
    "(donor) areas' rates, with weights that are zero or more and add up to one. Each series is taken as a "
    "share of its own before-window mean, so the match is on shape (season, trend), not on level: "
    "partnerships usually go where crime is highest, beyond what any mix of other areas reaches.\n"
    "- The weights minimise the expected gap after the start: the squared monthly gap before it plus the "
    "Poisson noise the weighted donors carry, so the mix cannot fit the served areas' own noise.\n"
    "- The effect is the served areas' offences in the after window against the synthetic's. Placebo test in "
    "space: each donor in turn is refitted from the others as if it had been served; the p-value is the "
    "served areas' rank by the ratio of the error after the start to the error before it (RMSPE), among all "
    "of them. With n donor areas the smallest possible p is 1/(n + 1).\n"
    "- The error before the start is measured the way the error after it is: each month before the start is "
    "predicted by weights fitted on the other months before it, so a mix that merely follows the served "
    "areas' own noise gains nothing (measured in-sample, the test finds effects in noise about twice as "
    "often as it should).\n"
    "- RMSPE before the start says how close the match was; a poor match makes the comparison weak."
)

# weight of the sum-to-one row against the fit rows (index values are about 1)
_SUM_ROW_WEIGHT = 1e4


@dataclass(frozen=True)
class SyntheticControl:
    """A fitted synthetic control, or the reason none could be fitted (`problem`)."""

    problem: str | None = None
    weights: pd.DataFrame | None = None  # area_code, area_name, weight (sums to 1), largest first
    series: pd.DataFrame | None = None  # months_since_start, month, treated_rate_per_1k, synthetic_rate_per_1k
    pre_rmspe: float | None = None  # before window, each month held out of the fit, in % of the served areas' mean
    post_rmspe: float | None = None  # after window, same unit
    effect_pct: float | None = None  # after window: served areas' offences against the synthetic's (%)
    placebos: pd.DataFrame | None = None  # area_code, area_name, pre_rmspe, post_rmspe, ratio, is_served
    p_value: float | None = None  # share of units whose ratio is at least the served areas'
    rank: int | None = None  # served areas' rank by ratio, 1 = largest
    units: int | None = None  # served areas + donors ranked

    @property
    def fitted(self) -> bool:
        return self.problem is None


def simplex_weights(target: np.ndarray, donors: np.ndarray, noise: np.ndarray | None = None) -> np.ndarray:
    """Weights w >= 0, sum 1, minimising ||target - donors @ w||^2 + rows x sum(w^2 noise); donors is rows x units."""
    rows, units = donors.shape
    blocks = [donors, np.full((1, units), _SUM_ROW_WEIGHT)]
    goals = [target, [_SUM_ROW_WEIGHT]]
    if noise is not None:
        blocks.insert(1, np.diag(np.sqrt(rows * noise)))
        goals.insert(1, np.zeros(units))
    design = np.vstack(blocks)
    goal = np.concatenate(goals)
    weights, _ = nnls(design, goal, maxiter=50 * units)
    return weights / weights.sum()


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2)))


def held_out_gaps(target: np.ndarray, donors: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Each before month's gap to a synthetic whose weights were fitted on the other before months.

    The in-sample gap is optimistic by as much as the weights can follow the target's own noise,
    and how much they can depends on the unit (see the module docstring); a month left out of the
    fit is predicted as honestly as a month after the start.
    """
    rows = len(target)
    gaps = np.empty(rows)
    for month in range(rows):
        keep = np.arange(rows) != month
        weights = simplex_weights(target[keep], donors[keep], noise)
        gaps[month] = target[month] - donors[month] @ weights
    return gaps


def fit(series: pd.DataFrame, window_months: int) -> SyntheticControl:
    """Fit the served areas' synthetic control on the before window; placebo-test it on the after window."""
    before = list(range(-window_months, 0))
    after = list(range(0, window_months))
    rated = series[series["population"].fillna(0) > 0]
    months = sorted(series["months_since_start"].unique())
    if not set(before + after) <= set(months):
        return SyntheticControl("the data do not cover both windows")

    treated = rated[rated["role"] == "treated"]
    if treated.empty:
        return SyntheticControl("no population is known for the areas served, so there is no rate to match")
    treated_rate = (
        treated.groupby("months_since_start")["incidents"].sum().reindex(months)
        * 1000
        / treated.drop_duplicates("area_code")["population"].sum()
    )
    controls = rated[rated["role"] == "control"]
    counts = controls.pivot_table(index="months_since_start", columns="area_code", values="incidents", aggfunc="sum")
    counts = counts.reindex(months).fillna(0)
    counts_before = counts.loc[before]
    population = controls.drop_duplicates("area_code").set_index("area_code")["population"]
    rates = counts * 1000 / population[counts.columns]
    usable = rates.columns[rates.loc[before].mean() > 0]  # an area with no offence before has no index
    if len(usable) < 2:
        return SyntheticControl(
            f"a synthetic control needs at least two comparison areas with offences before the start; "
            f"there {'is' if len(usable) == 1 else 'are'} {len(usable)}"
        )
    treated_base = treated_rate.loc[before].mean()
    if not treated_base > 0:
        return SyntheticControl("the areas served had no offence in the before window, so there is nothing to match")

    donor_rates = rates[usable]
    indexed = donor_rates / donor_rates.loc[before].mean()
    treated_index = treated_rate / treated_base
    units = pd.concat([treated_index.rename("__served__"), indexed], axis=1)
    pre, post = units.loc[before].to_numpy(), units.loc[after].to_numpy()

    # Poisson variance of one month of each unit's index: 1 / (its mean monthly count before the start)
    donor_counts = counts_before[usable].mean()
    noise = np.concatenate([[np.nan], 1 / donor_counts.to_numpy()])

    def ratio_for(column: int) -> tuple[float, float, np.ndarray]:
        others = [other for other in range(1, units.shape[1]) if other != column]
        weights = simplex_weights(pre[:, column], pre[:, others], noise[others])
        pre_gap = held_out_gaps(pre[:, column], pre[:, others], noise[others])
        post_gap = post[:, column] - post[:, others] @ weights
        return _rmspe(pre_gap), _rmspe(post_gap), weights

    served_pre, served_post, weights = ratio_for(0)
    placebo_rows = []
    for column, code in enumerate(units.columns):
        pre_rmspe, post_rmspe, _ = (served_pre, served_post, None) if column == 0 else ratio_for(column)
        placebo_rows.append(
            {
                "area_code": "" if column == 0 else code,
                "pre_rmspe": 100 * pre_rmspe,
                "post_rmspe": 100 * post_rmspe,
                "ratio": post_rmspe / pre_rmspe if pre_rmspe > 0 else np.inf,
                "is_served": column == 0,
            }
        )
    placebos = pd.DataFrame(placebo_rows)
    served_ratio = placebos.loc[0, "ratio"]
    at_least = int((placebos["ratio"] >= served_ratio).sum())
    names = series.drop_duplicates("area_code").set_index("area_code")["area_name"]
    placebos["area_name"] = [
        "Areas served" if served else names.get(code, code)
        for code, served in zip(placebos["area_code"], placebos["is_served"], strict=True)
    ]
    placebos = placebos.sort_values("ratio", ascending=False, kind="stable").reset_index(drop=True)

    synthetic_rate = indexed.to_numpy() @ weights * treated_base
    frame = pd.DataFrame(
        {
            "months_since_start": months,
            "month": series.drop_duplicates("months_since_start")
            .set_index("months_since_start")["month"]
            .reindex(months),
            "treated_rate_per_1k": treated_rate.to_numpy(),
            "synthetic_rate_per_1k": synthetic_rate,
        }
    ).reset_index(drop=True)
    in_after = frame["months_since_start"].isin(after)
    synthetic_after = frame.loc[in_after, "synthetic_rate_per_1k"].sum()
    if not synthetic_after > 0:
        return SyntheticControl(
            "the donor areas it is built from had no offence in the after window, so there is no level to compare with"
        )
    effect = (frame.loc[in_after, "treated_rate_per_1k"].sum() / synthetic_after - 1) * 100
    weight_table = pd.DataFrame(
        {"area_code": list(usable), "area_name": names[list(usable)].to_list(), "weight": weights}
    )
    weight_table = weight_table.sort_values(["weight", "area_code"], ascending=[False, True]).reset_index(drop=True)
    return SyntheticControl(
        weights=weight_table,
        series=frame,
        pre_rmspe=100 * served_pre,
        post_rmspe=100 * served_post,
        effect_pct=float(effect),
        placebos=placebos[["area_code", "area_name", "pre_rmspe", "post_rmspe", "ratio", "is_served"]],
        p_value=at_least / len(placebos),
        rank=at_least,
        units=len(placebos),
    )
