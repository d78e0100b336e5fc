"""Survey responses (one row per respondent) and pre-aggregated survey scores.

Responses: every answer must lie on its wave's own scale (an existing wave keeps the
scale it was created with; a new one takes scale_min/scale_max from the file or --set).
A response's id is derived from its wave and the respondent id (or, without one, the
file and line), so importing the same export again adds nobody twice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.importers.batch import map_distinct
from data.importers.errors import ImportFailed, shown
from data.importers.kinds import CITYWIDE_CODES, Context, file_stem

ITEMS = ("trust_respect", "trust_listen", "trust_fair", "trust_rely", "safety_day", "safety_night")
MODES = ("phone", "web", "mail", "in_person", "mixed")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = {
    "woman": "woman",
    "female": "woman",
    "f": "woman",
    "w": "woman",
    "women": "woman",
    "man": "man",
    "male": "man",
    "m": "man",
    "men": "man",
    "nonbinary": "nonbinary",
    "non-binary": "nonbinary",
    "non binary": "nonbinary",
    "other": "other",
    "another gender": "other",
    "self-described": "other",
}
RACES = {
    "black": "black",
    "african american": "black",
    "black or african american": "black",
    "hispanic": "hispanic",
    "latino": "hispanic",
    "latina": "hispanic",
    "latinx": "hispanic",
    "hispanic or latino": "hispanic",
    "white": "white",
    "asian": "asian",
    "asian american": "asian",
    "native": "native",
    "american indian": "native",
    "american indian or alaska native": "native",
    "native american": "native",
    "multiracial": "multiracial",
    "two or more": "multiracial",
    "two or more races": "multiracial",
    "mixed": "multiracial",
    "other": "other",
}
AUDIENCE_ALIASES = {"residents": "resident", "officers": "officer", "community": "resident", "public": "resident"}
UNKNOWN_WORDS = frozenset({"", "unknown", "prefer not to say", "refused", "don't know", "dk", "na", "n/a", "missing"})


def _age_band(value: str) -> str | None:
    text = value.strip().replace("–", "-").replace(" ", "")
    if text in AGE_BANDS:
        return text
    if text.replace(".", "", 1).isdigit():
        age = float(text)
        if age < 18 or age > 120:
            return None
        for band in AGE_BANDS[:-1]:
            low, high = (int(part) for part in band.split("-"))
            if low <= age <= high:
                return band
        return "65+"
    return {"65orover": "65+", "65andover": "65+", "65plus": "65+"}.get(text.lower())


def _lookup(table: dict[str, str]):
    def one(value: str) -> str | None:
        return table.get(" ".join(value.strip().lower().split()))

    return one


def _demographic(ctx: Context, name: str, function) -> pd.Series:
    batch = ctx.batch
    raw = batch.text(name)
    mapped = map_distinct(raw, function)
    unknown = raw.notna() & mapped.isna() & ~raw.str.strip().str.lower().isin(UNKNOWN_WORDS)
    batch.warn(f"{name} values not recognised were stored as unknown", int((unknown.to_numpy() & batch.alive).sum()))
    return mapped


def _stable_ids(keys: pd.DataFrame) -> np.ndarray:
    """A positive 62-bit id from the row's key text, the same on every machine and run."""
    hashed = pd.util.hash_pandas_object(keys, index=False).to_numpy(dtype=np.uint64)
    return (hashed & np.uint64((1 << 62) - 1)).astype(np.int64)


class Surveys:
    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        wave = batch.required("wave")
        waves = self._waves(ctx, wave)
        ctx.waves = waves
        scales = waves.set_index("key")
        scale_min = wave.str.lower().map(scales["scale_min"]).astype("float64")
        scale_max = wave.str.lower().map(scales["scale_max"]).astype("float64")
        area_id, _ = ctx.resolve_areas(batch.text("area_code") if batch.has("area_code") else None, None)
        responded_on = batch.dates("responded_on", earliest=pd.Timestamp("1990-01-01").date())
        if batch.has("weight"):
            weight = batch.number("weight")
            weight_text = batch.text("weight")
            bad = weight_text.notna().to_numpy() & ~(weight.to_numpy() > 0)
            batch.reject(bad, "weight is not a finite number above 0", weight_text)
            batch.reject(weight_text.isna().to_numpy(), "weight is empty")
        else:
            weight = pd.Series(1.0, index=wave.index)
            batch.warn("no weight column: every response weighs 1")
        answers = {}
        for item in ITEMS:
            values = batch.integer(item)
            text = batch.text(item)
            outside = (
                values.notna().to_numpy()
                & ((values.astype("float64") < scale_min) | (values.astype("float64") > scale_max)).to_numpy()
            )
            scale = scale_min.astype("Int64").astype(str) + "–" + scale_max.astype("Int64").astype(str)
            batch.reject(
                outside, "an answer is outside the wave's scale", item + " " + text.astype(str) + " on " + scale
            )
            answers[item] = values
        answered = pd.DataFrame(answers).notna().any(axis=1).to_numpy()
        batch.reject(~answered, "no trust or safety answer")
        respondent = batch.text("respondent_id")
        stand_in = pd.Series([f"{ctx.sha256[:16]}:{line}" for line in batch.lines], dtype=object)
        respondent = respondent.astype(object).where(respondent.notna(), stand_in)
        key = pd.DataFrame({"wave": wave.str.lower(), "respondent": respondent})
        batch.reject_duplicates(key, "duplicate respondent_id in the wave", respondent)
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "response_id": _stable_ids(key.fillna("")),
                "wave_key": wave.str.lower(),
                "area_id": area_id,
                "responded_on": responded_on,
                "weight": weight,
                "age_band": _demographic(ctx, "age_band", _age_band),
                "gender": _demographic(ctx, "gender", _lookup(GENDERS)),
                "race_ethnicity": _demographic(ctx, "race_ethnicity", _lookup(RACES)),
                **{item: values for item, values in answers.items()},
            }
        )
        return clean[batch.alive].reset_index(drop=True)

    def _waves(self, ctx: Context, wave: pd.Series) -> pd.DataFrame:
        """One row per wave named in the file: existing ones as stored, new ones from the file."""
        batch = ctx.batch
        existing = ctx.query("select wave_id, name, audience, scale_min, scale_max from survey_waves")
        existing["key"] = existing["name"].str.lower()
        names = wave.dropna().drop_duplicates()
        rows = []
        file_min = batch.integer("scale_min")
        file_max = batch.integer("scale_max")
        audience = batch.choice("audience", ("resident", "officer"), AUDIENCE_ALIASES)
        responded = batch.dates("responded_on", earliest=pd.Timestamp("1990-01-01").date())
        fielded_from = batch.dates("fielded_from")
        fielded_to = batch.dates("fielded_to")
        mode = batch.choice(
            "mode", MODES, {"online": "web", "internet": "web", "telephone": "phone", "face_to_face": "in_person"}
        )
        vendor = batch.text("vendor")
        for name in names:
            mask = (wave == name).to_numpy()
            key = name.lower()
            stated_min = file_min[mask].dropna().unique()
            stated_max = file_max[mask].dropna().unique()
            match = existing[existing["key"] == key]
            if len(match):
                row = match.iloc[0]
                for stated, stored, label in (
                    (stated_min, row.scale_min, "scale_min"),
                    (stated_max, row.scale_max, "scale_max"),
                ):
                    if len(stated) and (len(stated) > 1 or int(stated[0]) != int(stored)):
                        raise ImportFailed(
                            f"wave {shown(row['name'])} already exists with {label} {int(stored)}, but the file says "
                            f"{', '.join(str(int(v)) for v in stated)}"
                        )
                rows.append(
                    {
                        "key": key,
                        "wave_id": int(row.wave_id),
                        "name": row["name"],
                        "new": False,
                        "scale_min": int(row.scale_min),
                        "scale_max": int(row.scale_max),
                    }
                )
                continue
            if len(stated_min) != 1 or len(stated_max) != 1:
                raise ImportFailed(
                    f"wave {shown(name)} is new and its answer scale is not known: give scale_min and scale_max "
                    "(for example --set scale_min=1 --set scale_max=5)"
                )
            low, high = int(stated_min[0]), int(stated_max[0])
            if high <= low:
                raise ImportFailed(f"wave {shown(name)} has scale_max {high} not above scale_min {low}")
            first = fielded_from[mask].min() if fielded_from[mask].notna().any() else responded[mask].min()
            last = fielded_to[mask].max() if fielded_to[mask].notna().any() else responded[mask].max()
            if pd.isna(first) or pd.isna(last):
                raise ImportFailed(
                    f"wave {shown(name)} is new and its fielding dates are not known: give fielded_from and fielded_to "
                    "or a responded_on column"
                )
            rows.append(
                {
                    "key": key,
                    "wave_id": None,
                    "name": name,
                    "new": True,
                    "scale_min": low,
                    "scale_max": high,
                    "audience": audience[mask].dropna().iloc[0] if audience[mask].notna().any() else "resident",
                    "fielded_from": first.date(),
                    "fielded_to": max(first, last).date(),
                    "mode": mode[mask].dropna().iloc[0] if mode[mask].notna().any() else None,
                    "vendor": vendor[mask].dropna().iloc[0] if vendor[mask].notna().any() else None,
                }
            )
        return pd.DataFrame(
            rows,
            columns=[
                "key",
                "wave_id",
                "name",
                "new",
                "scale_min",
                "scale_max",
                "audience",
                "fielded_from",
                "fielded_to",
                "mode",
                "vendor",
            ],
        )

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        waves = ctx.waves.copy()
        used = set(clean["wave_key"])
        new = waves[waves["new"] & waves["key"].isin(used)].copy()
        if len(new):
            agency_id = ctx.agency_id()
            first = ctx.next_id("survey_waves", "wave_id")
            new["wave_id"] = np.arange(first, first + len(new))
            new["agency_id"] = agency_id
            ctx.insert("survey_waves", new.drop(columns=["key", "new"]))
            waves.loc[new.index, "wave_id"] = new["wave_id"]
        by_key = waves.set_index("key")
        rows = clean.assign(
            wave_id=clean["wave_key"].map(by_key["wave_id"]).astype("int64"),
            scale_min=clean["wave_key"].map(by_key["scale_min"]).astype("int64"),
            scale_max=clean["wave_key"].map(by_key["scale_max"]).astype("int64"),
        )
        stored = set(
            ctx.query(
                "select response_id from survey_responses where response_id in (select unnest(?))",
                [rows["response_id"].tolist()],
            )["response_id"]
        )
        present = rows["response_id"].isin(stored).to_numpy()
        ctx.insert(
            "survey_responses",
            rows[~present].drop(columns=["position", "wave_key"]),
            "* replace (responded_on::date as responded_on)",
        )
        return np.where(present, "unchanged", "new").astype(object)


class SurveyScores:
    KEY = ("source", "area_id", "period_start", "audience", "measure", "subgroup")

    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        source = batch.text("source")
        source = source.astype(object).where(source.notna(), file_stem(ctx))
        codes = batch.text("area_code")
        citywide = codes.isna() | codes.str.strip().str.lower().isin(CITYWIDE_CODES)
        level = batch.frame["area_level"] if "area_level" in batch.frame.columns else None
        what = "area"
        if level is not None:  # name the geography level in the reason: "sector is not among ..."
            area_id = pd.Series(pd.array([pd.NA] * len(batch), dtype="Int64"))
            for name in pd.unique(level[~citywide.to_numpy()].dropna()):
                chosen = (level == name).to_numpy() & ~citywide.to_numpy()
                subset = codes.where(chosen, None)
                ids, _ = ctx.resolve_areas(subset, None, what=str(name))
                area_id[chosen] = ids[chosen]
        else:
            area_id, _ = ctx.resolve_areas(codes.where(~citywide, None), None, what=what)
        start = batch.required("period_start", batch.dates("period_start", earliest=pd.Timestamp("1990-01-01").date()))
        end = batch.dates(
            "period_end",
            earliest=pd.Timestamp("1990-01-01").date(),
            latest=pd.Timestamp.today().date() + pd.Timedelta(days=400),
        )
        # a period given as a year (--date-format %Y) ends with the year, otherwise with the month
        period_end = (
            pd.offsets.YearEnd(0) if batch.period_units.get("period_start") == "year" else pd.offsets.MonthEnd(0)
        )
        end = end.where(end.notna(), start + period_end)
        batch.reject((end < start).to_numpy(), "period_end is before period_start", end.astype(str))
        audience = batch.choice("audience", ("resident", "officer"), {"residents": "resident", "officers": "officer"})
        audience = audience.where(audience.notna(), "resident")
        measure = batch.required("measure").str.strip().str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True)
        subgroup = batch.text("subgroup").str.strip().str.lower().str.replace(r"[^a-z0-9+]+", "_", regex=True)
        subgroup = subgroup.astype(object).where(subgroup.notna(), "all")
        batch.required("value_0_100")
        value = batch.number("value_0_100", minimum=0, maximum=100)
        n = batch.integer("n", minimum=0)
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "source": source,
                "area_id": area_id,
                "period_start": start.dt.date,
                "period_end": end.dt.date,
                "audience": audience,
                "measure": measure,
                "subgroup": subgroup,
                "value_0_100": value,
                "n": n,
            }
        )
        key = clean[list(self.KEY)].assign(area_id=clean["area_id"].fillna(-1))  # -1: the whole jurisdiction
        batch.reject_duplicates(key, "duplicate score (same source, area, period start, measure and group)")
        return clean[batch.alive].reset_index(drop=True)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        con = ctx.con
        con.register("incoming_scores", clean)
        try:
            matches = con.execute(
                """
                select
                    incoming_scores.position,
                    survey_scores.survey_score_id,
                    not (survey_scores.value_0_100 = incoming_scores.value_0_100
                         and survey_scores.n is not distinct from incoming_scores.n
                         and survey_scores.period_end = incoming_scores.period_end) as changed,
                from incoming_scores
                join survey_scores
                  on survey_scores.source = incoming_scores.source
                 and survey_scores.area_id is not distinct from incoming_scores.area_id
                 and survey_scores.period_start = incoming_scores.period_start
                 and survey_scores.audience = incoming_scores.audience
                 and survey_scores.measure = incoming_scores.measure
                 and survey_scores.subgroup = incoming_scores.subgroup
                """
            ).df()
            con.register("score_matches", matches)
            first = ctx.next_id("survey_scores", "survey_score_id")
            inserted = con.execute(
                """
                insert into survey_scores
                select ? + row_number() over (order by position) - 1,
                       source, area_id, period_start, period_end, audience, measure, subgroup, value_0_100, n,
                from incoming_scores
                where position not in (select position from score_matches)
                """,
                [first],
            ).fetchall()[0][0]
            updated = con.execute(
                """
                update survey_scores set
                    value_0_100 = incoming_scores.value_0_100, n = incoming_scores.n,
                    period_end = incoming_scores.period_end,
                from score_matches join incoming_scores using (position)
                where survey_scores.survey_score_id = score_matches.survey_score_id and score_matches.changed
                """
            ).fetchall()[0][0]
            con.unregister("score_matches")
        finally:
            con.unregister("incoming_scores")
        ctx.count("survey_scores", inserted)
        ctx.count("survey_scores (updated)", updated)
        status = np.full(len(clean), "new", dtype=object)
        positions = clean["position"].to_numpy()
        status[np.isin(positions, matches["position"].to_numpy())] = "unchanged"
        status[np.isin(positions, matches.loc[matches["changed"], "position"].to_numpy())] = "updated"
        return status
