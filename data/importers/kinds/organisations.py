"""Nonprofit-side records: nonprofits, partnerships, programs, monthly activity, KPIs, trainings, funding, users.

Spreadsheets from partners carry names, not Bridgeboard ids, so rows are matched on the
names people use: a partnership by its name (and nonprofit), a program by its name
(and partnership when names repeat), a KPI by program and name. A name that matches
nothing is refused with that reason; re-importing the same sheet changes nothing.

Organisations come from the `nonprofits` kind (name, type, description, website, founded
year, and a contact kept in nonprofit_contacts, which nothing published reads). A
partnership file may also create the organisations it names, but only those it gives an
org_type for: a row naming an unknown nonprofit without one is refused with a sentence
pointing to the nonprofits kind, so no organisation is ever invented as type "other".
A new name or email that looks like one already held (Cyrillic "а" for "a", "I" for "l";
data/lookalikes.py) is refused with the name it resembles.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

import numpy as np
import pandas as pd

from data import lookalikes
from data.importers.batch import Batch, map_distinct
from data.importers.errors import shown
from data.importers.kinds import Context

ORG_TYPES = (
    "youth",
    "mental_health",
    "neighborhood_association",
    "advocacy",
    "housing",
    "substance_use",
    "domestic_violence",
    "faith",
    "other",
)
ORG_TYPE_ALIASES = {
    "neighbourhood_association": "neighborhood_association",
    "mental health": "mental_health",
    "dv": "domestic_violence",
    "church": "faith",
    "faith_based": "faith",
}
FOCUSES = (
    "youth",
    "mental_health",
    "homelessness",
    "substance_use",
    "domestic_violence",
    "violence_prevention",
    "neighbourhood_safety",
    "reentry",
    "victim_services",
    "community_engagement",
)
FOCUS_ALIASES = {
    "neighborhood_safety": "neighbourhood_safety",
    "re_entry": "reentry",
    "housing": "homelessness",
    "dv": "domestic_violence",
    "engagement": "community_engagement",
}
FUNDING_SOURCES = ("agency", "nonprofit", "grant", "private", "in_kind")
FUNDING_ALIASES = {
    "inkind": "in_kind",
    "in_kind_contribution": "in_kind",
    "police": "agency",
    "city": "agency",
    "foundation": "private",
    "donation": "private",
    "federal": "grant",
    "state": "grant",
}
LATEST_PLAN = dt.date(2100, 1, 1)
EARLIEST_PROGRAM = dt.date(1950, 1, 1)


def _key(values: pd.Series) -> pd.Series:
    return values.str.strip().str.lower().str.replace(r"\s+", " ", regex=True)


def refuse_lookalikes(batch: Batch, names: pd.Series, known: list[str], what: str, noun: str) -> np.ndarray:
    """Refuse rows whose name is new but looks like a name held (or an earlier one in the file).

    Returns the mask of rows whose name is new (not the same name as one held).
    """
    held = {lookalikes.match_key(name) for name in known}
    held_by_fold = {key: name for name in known for key in lookalikes.fold_keys(name)}
    seen_by_fold: dict[str, str] = {}
    verdicts: dict[str, str | None] = {}  # name -> why it is refused
    for name in pd.unique(names.dropna()):
        key = lookalikes.match_key(name)
        if key in held:
            verdicts[name] = None
            continue
        folds = lookalikes.fold_keys(name)
        existing = next((held_by_fold[fold] for fold in folds if fold in held_by_fold), None)
        earlier = next((seen_by_fold[fold] for fold in folds if fold in seen_by_fold), None)
        if existing is not None:
            verdicts[name] = (
                f"{what} looks like the existing {noun} {shown(existing)} ({lookalikes.differences(name, existing)})"
            )
        elif earlier is not None and lookalikes.match_key(earlier) != key:
            verdicts[name] = (
                f"{what} looks like {shown(earlier)}, another {noun} in this file"
                f" ({lookalikes.differences(name, earlier)})"
            )
        else:
            verdicts[name] = None
            for fold in folds:
                seen_by_fold.setdefault(fold, name)
    for reason in dict.fromkeys(verdict for verdict in verdicts.values() if verdict):
        chosen = [name for name, verdict in verdicts.items() if verdict == reason]
        batch.reject(names.isin(chosen).to_numpy(), reason, names)
    return names.notna().to_numpy() & ~names.map(lookalikes.match_key).isin(held).to_numpy()


def _upsert(
    ctx: Context,
    table: str,
    clean: pd.DataFrame,
    key: list[str],
    id_column: str | None,
    columns: list[str],
    select: str = "*",
    fields: dict[str, str | None] | None = None,
) -> np.ndarray:
    """Insert new rows, update changed non-key columns of existing ones; status per row.

    `key` columns identify a row (compared case-insensitively when text); `id_column`, when
    set, is a surrogate key numbered after the current maximum for new rows.

    An existing row keeps what the file does not say: a column whose field the file does
    not have (or leaves empty throughout) is neither compared nor overwritten, so a file of
    end dates does not erase descriptions, nor reset a data-sharing level to its default.
    `fields` names the field behind a column when the two differ (None: always given).
    """
    fields = fields or {}
    columns = [column for column in columns if (name := fields.get(column, column)) is None or ctx.batch.has(name)]
    con = ctx.con
    con.register("incoming_upsert", clean)
    try:
        on = " and ".join(
            f"lower(cast({table}.{column} as varchar)) = lower(cast(incoming_upsert.{column} as varchar))"
            for column in key
        )
        same = " and ".join(f"{table}.{column} is not distinct from incoming_upsert.{column}" for column in columns)
        matched = con.execute(
            f"select incoming_upsert.position, not ({same or 'true'}) as changed"  # noqa: S608 - constant names
            f" from incoming_upsert join {table} on {on}"
        ).df()
        new = clean[~clean["position"].isin(matched["position"])].drop(columns="position")
        if id_column is not None and len(new):
            first = ctx.next_id(table, id_column)
            new = new.assign(**{id_column: np.arange(first, first + len(new))})
        ctx.insert(table, new, select)
        changed = matched.loc[matched["changed"], "position"].tolist()
        if changed and columns:
            assignments = ", ".join(f"{column} = incoming_upsert.{column}" for column in columns)
            con.execute(
                f"update {table} set {assignments} from incoming_upsert"  # noqa: S608 - constant names
                f" where {on} and incoming_upsert.position in (select unnest(?))",
                [changed],
            )
            ctx.count(f"{table} (updated)", len(changed))
    finally:
        con.unregister("incoming_upsert")
    status = np.full(len(clean), "new", dtype=object)
    positions = clean["position"].to_numpy()
    status[np.isin(positions, matched["position"].to_numpy())] = "unchanged"
    status[np.isin(positions, np.asarray(changed))] = "updated"
    return status


def _area_list(ctx: Context, name: str = "areas") -> pd.Series:
    """'N01; N02' -> [area ids]; a row naming an unknown area is refused."""
    batch = ctx.batch
    text = batch.text(name)
    known = ctx.areas()
    by_code = dict(zip(known["area_code"].str.lower(), known["area_id"], strict=True))
    by_name = dict(zip(known["name"].str.strip().str.lower(), known["area_id"], strict=True))

    def parse(value: str):
        ids, unknown = [], []
        for part in re.split(r"[;,|]", value):
            part = part.strip()
            if not part:
                continue
            code = str(int(float(part))) if re.fullmatch(r"\d+(\.0*)?", part) else part
            found = by_code.get(code.lower(), by_name.get(part.lower()))
            (ids if found is not None else unknown).append(found if found is not None else part)
        return (tuple(sorted(set(ids))), tuple(unknown))

    parsed = map_distinct(text, parse)
    unknown = parsed.map(lambda pair: ", ".join(pair[1]) if isinstance(pair, tuple) and pair[1] else None)
    batch.reject(unknown.notna().to_numpy(), "an area is not among the imported areas", unknown)
    return parsed.map(lambda pair: list(pair[0]) if isinstance(pair, tuple) else None)


def _replace_links(ctx: Context, table: str, owner: str, owners: pd.Series, area_lists: pd.Series) -> None:
    """Set the served areas of each owner to the file's list (rows without a list keep theirs)."""
    given = area_lists.notna().to_numpy()
    if not given.any():
        return
    links = pd.DataFrame(
        [(int(o), int(a)) for o, areas in zip(owners[given], area_lists[given], strict=True) for a in areas],
        columns=[owner, "area_id"],
    )
    current = ctx.query(
        f"select {owner}, area_id from {table} where {owner} in (select unnest(?))",  # noqa: S608
        [sorted({int(o) for o in owners[given]})],
    )
    if set(map(tuple, current.to_numpy().tolist())) == set(map(tuple, links.to_numpy().tolist())):
        return
    ctx.con.execute(
        f"delete from {table} where {owner} in (select unnest(?))",  # noqa: S608
        [sorted({int(o) for o in owners[given]})],
    )
    ctx.insert(table, links.drop_duplicates())


def _resolve_programs(ctx: Context) -> pd.Series:
    """program_id per row from its name (and partnership name when given or needed)."""
    batch = ctx.batch
    programs = ctx.query(
        "select programs.program_id, lower(programs.name) as program, lower(partnerships.name) as partnership"
        " from programs join partnerships using (partnership_id)"
    )
    name = _key(batch.required("program"))
    partnership = _key(batch.text("partnership"))
    counts = programs["program"].value_counts()
    by_name = programs.drop_duplicates("program").set_index("program")["program_id"]
    by_pair = programs.set_index(["program", "partnership"])["program_id"]
    result = name.map(by_name)
    if partnership.notna().any():
        pairs = pd.MultiIndex.from_arrays([name.fillna(""), partnership.fillna("")])
        paired = pd.Series(by_pair.reindex(pairs).to_numpy(), index=name.index)
        result = paired.where(partnership.notna(), result)
    ambiguous = name.map(counts).fillna(0).to_numpy() > 1
    batch.reject(
        ambiguous & partnership.isna().to_numpy(),
        "program name is used by several partnerships: add a partnership column",
        name,
    )
    batch.reject(
        name.notna().to_numpy() & result.isna().to_numpy(),
        "program is not known (import programs first)",
        batch.text("program"),
    )
    return result.astype("Int64")


def _status(start: pd.Series, end: pd.Series) -> pd.Series:
    today = pd.Timestamp.today().normalize()
    return pd.Series(
        np.select([start > today, end.notna() & (end < today)], ["planned", "ended"], default="active"),
        index=start.index,
    )


class Partnerships:
    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        name = batch.required("name")
        nonprofit = batch.required("nonprofit")
        org_type = batch.choice("org_type", ORG_TYPES, ORG_TYPE_ALIASES)
        known = ctx.query("select name from nonprofits")["name"].tolist()
        is_new = refuse_lookalikes(batch, nonprofit, known, "nonprofit", "nonprofit")
        # an organisation the file names for the first time is created only with the type the
        # file gives it (on any of its rows); without one the row points to the nonprofits kind
        new_key = _key(nonprofit).where(is_new)
        typed = org_type.where(is_new).groupby(new_key).first()
        org_type = org_type.where(org_type.notna(), new_key.map(typed))
        batch.reject(
            is_new & org_type.isna().to_numpy(),
            "nonprofit is not known: import it with the nonprofits kind first, or give its org_type in this file",
            nonprofit,
        )
        start = batch.required("start_date", batch.dates("start_date", latest=LATEST_PLAN))
        end = batch.dates("end_date", latest=LATEST_PLAN)
        batch.reject((end < start).to_numpy(), "end_date is before start_date", end.astype(str))
        status = batch.choice(
            "status", ("planned", "active", "paused", "ended"), {"completed": "ended", "closed": "ended"}
        )
        status = status.where(status.notna(), _status(start, end))
        mou = batch.dates("mou_signed_on")
        sharing = batch.choice("data_sharing_level", ("none", "aggregate", "case_level"), {"case": "case_level"})
        areas = _area_list(ctx)
        key = pd.DataFrame({"n": _key(nonprofit), "p": _key(name)})
        batch.reject_duplicates(key, "duplicate partnership in the file", name)
        created = pd.unique(nonprofit[is_new & batch.alive])
        if len(created):
            listed = ", ".join(repr(str(n)[:60]) for n in created[:5]) + (" …" if len(created) > 5 else "")
            batch.warn(
                f"{len(created)} new nonprofit{'s' if len(created) > 1 else ''} created from this file ({listed});"
                " add descriptions, websites and contacts with the nonprofits kind"
            )
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "name": name,
                "nonprofit": nonprofit,
                "org_type": org_type,
                "description": batch.text("description"),
                "start_date": start.dt.date,
                "end_date": end.dt.date,
                "status": status,
                "mou_signed_on": mou.dt.date,
                "data_sharing_level": sharing.where(sharing.notna(), "none"),
                "roles": batch.text("roles"),
                "areas": areas,
            }
        )
        return clean[batch.alive].reset_index(drop=True)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        agency_id = ctx.agency_id()
        orgs = clean.assign(key=_key(clean["nonprofit"])).drop_duplicates("key")
        existing = set(_key(ctx.query("select name from nonprofits")["name"]))
        new = orgs[~orgs["key"].isin(existing)][["nonprofit", "org_type"]].rename(columns={"nonprofit": "name"})
        _upsert(ctx, "nonprofits", new.assign(position=np.arange(len(new))), ["name"], "nonprofit_id", [])
        held = ctx.query("select nonprofit_id, name from nonprofits")
        ids = held.assign(n=_key(held["name"])).set_index("n")["nonprofit_id"]
        rows = clean.assign(nonprofit_id=_key(clean["nonprofit"]).map(ids).astype("int64"), agency_id=agency_id)
        if not ctx.batch.has("status"):
            # the dates decide (an end date that has passed means ended), except that a pause,
            # which dates cannot express, lasts until the dates say the partnership ended
            held = ctx.query("select nonprofit_id, lower(name) as n, status from partnerships")
            stored = (
                held.set_index(["nonprofit_id", "n"])["status"]
                .reindex(pd.MultiIndex.from_arrays([rows["nonprofit_id"], _key(rows["name"])]))
                .to_numpy()
            )
            rows.loc[(stored == "paused") & (rows["status"] == "active").to_numpy(), "status"] = "paused"
        columns = ["description", "start_date", "end_date", "status", "mou_signed_on", "data_sharing_level", "roles"]
        status = _upsert(
            ctx,
            "partnerships",
            rows.drop(columns=["nonprofit", "org_type", "areas"]),
            ["nonprofit_id", "name"],
            "partnership_id",
            columns,
            fields={"status": None},  # given by the file or derived from its dates, as above
        )
        found = ctx.query("select partnership_id, nonprofit_id, lower(name) as n from partnerships")
        lookup = found.set_index(["nonprofit_id", "n"])["partnership_id"]
        owners = pd.Series(
            lookup.reindex(pd.MultiIndex.from_arrays([rows["nonprofit_id"], _key(rows["name"])])).to_numpy()
        )
        _replace_links(ctx, "partnership_areas", "partnership_id", owners, rows["areas"].reset_index(drop=True))
        return status


class Nonprofits:
    """Partner organisations; a contact person, email and phone go to nonprofit_contacts (agency-only)."""

    CONTACT_FIELDS: ClassVar[dict[str, str]] = {
        "contact_name": "contact_name",
        "email": "contact_email",
        "phone": "contact_phone",
    }

    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        name = batch.required("name")
        known = ctx.query("select name from nonprofits")["name"].tolist()
        is_new = refuse_lookalikes(batch, name, known, "name", "nonprofit")
        org_type = batch.choice("org_type", ORG_TYPES, ORG_TYPE_ALIASES)
        untyped = is_new & org_type.isna().to_numpy() & batch.alive
        batch.warn("new nonprofits without an org_type were stored as 'other'", int(untyped.sum()))
        org_type = org_type.where(org_type.notna() | ~pd.Series(is_new), "other")
        founded = batch.integer("founded_year", minimum=1800, maximum=dt.date.today().year)
        website = batch.text("website")
        bare = website.notna() & ~website.str.contains(r"^https?://", case=False, regex=True, na=False)
        website = website.where(~bare, "https://" + website.fillna(""))
        batch.reject(
            website.notna().to_numpy()
            & ~website.str.fullmatch(r"https?://[^\s/@]+\.[^\s/@]+(/\S*)?", case=False, na=False).to_numpy(),
            "website is not a web address",
            batch.text("website"),
        )
        email = batch.text("contact_email").str.strip().str.lower()
        batch.reject(
            email.notna().to_numpy() & ~email.str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", na=False).to_numpy(),
            "contact_email is not an address",
            email,
        )
        phone = batch.text("contact_phone")
        digits = phone.str.count(r"\d")
        batch.reject(
            phone.notna().to_numpy()
            & ~(phone.str.fullmatch(r"[\d\s()+.\-x]+", na=False) & digits.between(7, 20)).to_numpy(),
            "contact_phone is not a phone number",
            phone,
        )
        batch.reject_duplicates(_key(name), "duplicate nonprofit in the file", name)
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "name": name,
                "org_type": org_type,
                "description": batch.text("description"),
                "website": website,
                "founded_year": founded,
                "contact_name": batch.text("contact_name"),
                "email": email,
                "phone": phone,
            }
        )
        return clean[batch.alive].reset_index(drop=True)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        organisations = clean.drop(columns=list(self.CONTACT_FIELDS))
        status = _upsert(
            ctx,
            "nonprofits",
            organisations,
            ["name"],
            "nonprofit_id",
            ["org_type", "description", "website", "founded_year"],
        )
        held = ctx.query("select nonprofit_id, name from nonprofits")
        ids = held.assign(n=_key(held["name"])).set_index("n")["nonprofit_id"]
        contacts = clean.assign(nonprofit_id=_key(clean["name"]).map(ids).astype("int64"))
        given = contacts[list(self.CONTACT_FIELDS)].notna().any(axis=1)
        contacts = contacts[given][["position", "nonprofit_id", *self.CONTACT_FIELDS]]
        if len(contacts):
            contact_status = _upsert(
                ctx,
                "nonprofit_contacts",
                contacts,
                ["nonprofit_id"],
                None,
                list(self.CONTACT_FIELDS),
                fields=self.CONTACT_FIELDS,
            )
            changed = dict(zip(contacts["position"], contact_status, strict=True))
            for index, position in enumerate(clean["position"]):
                if status[index] == "unchanged" and changed.get(position, "unchanged") != "unchanged":
                    status[index] = "updated"
        return status


class Programs:
    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        partnerships = ctx.query("select partnership_id, lower(name) as n from partnerships")
        counts = partnerships["n"].value_counts()
        partnership = _key(batch.required("partnership"))
        batch.reject(partnership.map(counts).fillna(0).to_numpy() > 1, "partnership name is used twice", partnership)
        partnership_id = partnership.map(partnerships.drop_duplicates("n").set_index("n")["partnership_id"])
        batch.reject(
            partnership.notna().to_numpy() & partnership_id.isna().to_numpy(),
            "partnership is not known (import partnerships first)",
            batch.text("partnership"),
        )
        name = batch.required("name")
        focus = batch.required("focus", batch.choice("focus", FOCUSES, FOCUS_ALIASES))
        start = batch.required("start_date", batch.dates("start_date", earliest=EARLIEST_PROGRAM, latest=LATEST_PLAN))
        end = batch.dates("end_date", earliest=EARLIEST_PROGRAM, latest=LATEST_PLAN)
        batch.reject((end < start).to_numpy(), "end_date is before start_date", end.astype(str))
        target = batch.integer("target_participants", minimum=0)
        areas = _area_list(ctx)
        key = pd.DataFrame({"p": partnership, "n": _key(name)})
        batch.reject_duplicates(key, "duplicate program in the file", name)
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "partnership_id": partnership_id.astype("Int64"),
                "name": name,
                "focus": focus,
                "description": batch.text("description"),
                "start_date": start.dt.date,
                "end_date": end.dt.date,
                "target_participants": target,
                "areas": areas,
            }
        )
        return clean[batch.alive].reset_index(drop=True)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        columns = ["focus", "description", "start_date", "end_date", "target_participants"]
        status = _upsert(
            ctx, "programs", clean.drop(columns="areas"), ["partnership_id", "name"], "program_id", columns
        )
        found = ctx.query("select program_id, partnership_id, lower(name) as n from programs")
        lookup = found.set_index(["partnership_id", "n"])["program_id"]
        owners = pd.Series(
            lookup.reindex(pd.MultiIndex.from_arrays([clean["partnership_id"], _key(clean["name"])])).to_numpy()
        )
        _replace_links(ctx, "program_areas", "program_id", owners, clean["areas"].reset_index(drop=True))
        return status


ACTIVITY_COUNTS = (
    "sessions",
    "events",
    "participants",
    "new_participants",
    "attendance_expected",
    "attendance_actual",
    "exits",
    "completions",
    "referrals_received",
    "referrals_made",
    "sessions_co_delivered",
)


class Activity:
    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        program_id = _resolve_programs(ctx)
        month = batch.required(
            "month", batch.dates("month", latest=(pd.Timestamp.today() + pd.offsets.MonthEnd(1)).date())
        )
        month = month.dt.to_period("M").dt.start_time
        values = {column: batch.integer(column, minimum=0) for column in ACTIVITY_COUNTS}
        values["volunteer_hours"] = batch.number("volunteer_hours", minimum=0).round(1)
        frame = pd.DataFrame(values).fillna(0)
        for smaller, larger, reason in (
            ("new_participants", "participants", "new_participants is above participants"),
            ("attendance_actual", "attendance_expected", "attendance_actual is above attendance_expected"),
            ("completions", "exits", "completions is above exits"),
            ("sessions_co_delivered", "sessions", "sessions_co_delivered is above sessions"),
        ):
            batch.reject(
                (frame[smaller] > frame[larger]).to_numpy(),
                reason,
                frame[smaller].astype(str) + " > " + frame[larger].astype(str),
            )
        key = pd.DataFrame({"p": program_id, "m": month})
        batch.reject_duplicates(key, "duplicate program and month in the file")
        clean = pd.concat(
            [
                pd.DataFrame({"position": np.arange(len(batch)), "program_id": program_id, "month": month.dt.date}),
                frame,
            ],
            axis=1,
        )
        return clean[batch.alive].reset_index(drop=True)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        columns = [*ACTIVITY_COUNTS, "volunteer_hours"]
        return _upsert(ctx, "program_activity", clean, ["program_id", "month"], None, columns)


class Kpis:
    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        program_id = _resolve_programs(ctx)
        name = batch.required("name")
        category = batch.choice("rba_category", ("how_much", "how_well", "better_off"), {"better_off?": "better_off"})
        higher = batch.boolean("higher_is_better") if batch.has("higher_is_better") else pd.Series([pd.NA] * len(batch))
        start = batch.dates("period_start", latest=(pd.Timestamp.today() + pd.Timedelta(days=1)).date())
        end = batch.dates("period_end", latest=LATEST_PLAN)
        unit = batch.period_units.get("period_start")
        default_end = {"year": pd.offsets.YearEnd(0), "month": pd.offsets.MonthEnd(0)}.get(
            unit, pd.offsets.QuarterEnd(0)
        )
        end = end.where(end.notna(), start + default_end)
        batch.reject((end < start).to_numpy(), "period_end is before period_start", end.astype(str))
        value = batch.number("value")
        batch.reject(value.notna().to_numpy() & start.isna().to_numpy(), "a value needs its period_start")
        existing = ctx.query("select program_id, lower(name) as n from kpis")
        known = set(zip(existing["program_id"], existing["n"], strict=True))
        is_new = np.array(
            [(p, n) not in known for p, n in zip(program_id.fillna(-1), _key(name).fillna(""), strict=True)]
        )
        unit = batch.text("unit")
        for needed, values in (("rba_category", category), ("unit", unit), ("higher_is_better", higher)):
            batch.reject(is_new & pd.isna(values).to_numpy(), f"a new KPI needs {needed}")
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "program_id": program_id,
                "name": name,
                "rba_category": category,
                "unit": unit,
                "higher_is_better": higher,
                "target": batch.number("target"),
                "baseline": batch.number("baseline"),
                "description": batch.text("description"),
                "period_start": start.dt.date,
                "period_end": end.dt.date,
                "value": value,
            }
        )
        key = pd.DataFrame({"p": program_id, "n": _key(name), "s": start.where(value.notna())})
        batch.reject_duplicates(key, "duplicate KPI value in the file")
        return clean[batch.alive].reset_index(drop=True)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        definitions = clean.drop_duplicates(["program_id", "name"], keep="last")
        definitions = definitions[
            [
                "position",
                "program_id",
                "name",
                "rba_category",
                "unit",
                "higher_is_better",
                "target",
                "baseline",
                "description",
            ]
        ]
        existing = ctx.query("select * from kpis")
        merged = definitions.assign(key=_key(definitions["name"])).merge(
            existing.assign(key=_key(existing["name"])), on=["program_id", "key"], how="left", suffixes=("", "_old")
        )
        for column in ("rba_category", "unit", "higher_is_better", "target", "baseline", "description"):
            merged[column] = merged[column].where(merged[column].notna(), merged[f"{column}_old"])
        definitions = merged[definitions.columns]
        kpi_status = _upsert(
            ctx,
            "kpis",
            definitions,
            ["program_id", "name"],
            "kpi_id",
            ["rba_category", "unit", "higher_is_better", "target", "baseline", "description"],
        )
        ids = ctx.query("select kpi_id, program_id, lower(name) as n from kpis").set_index(["program_id", "n"])[
            "kpi_id"
        ]
        values = clean[clean["value"].notna()]
        values = values.assign(
            kpi_id=ids.reindex(pd.MultiIndex.from_arrays([values["program_id"], _key(values["name"])])).to_numpy()
        )
        value_status = _upsert(
            ctx,
            "kpi_values",
            values[["position", "kpi_id", "period_start", "period_end", "value"]],
            ["kpi_id", "period_start"],
            None,
            ["period_end", "value"],
        )
        status = np.full(len(clean), "unchanged", dtype=object)
        by_position = dict(zip(definitions["position"], kpi_status, strict=True))
        by_position.update({p: s for p, s in zip(values["position"], value_status, strict=True) if s != "unchanged"})
        for index, position in enumerate(clean["position"]):
            status[index] = by_position.get(position, "unchanged")
        return status


class Trainings:
    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        topic = batch.required("topic")
        held_on = batch.required("held_on", batch.dates("held_on"))
        officers = batch.required("officers_trained", batch.integer("officers_trained", minimum=0))
        hours = batch.required("hours", batch.number("hours", minimum=0, maximum=10_000))
        partnerships = ctx.query("select partnership_id, lower(name) as n from partnerships")
        partnership = _key(batch.text("partnership"))
        partnership_id = partnership.map(partnerships.drop_duplicates("n").set_index("n")["partnership_id"])
        batch.reject(
            partnership.notna().to_numpy() & partnership_id.isna().to_numpy(),
            "partnership is not known (import partnerships first)",
            batch.text("partnership"),
        )
        co = batch.boolean("is_co_delivered") if batch.has("is_co_delivered") else partnership_id.notna()
        co = co.fillna(False).astype(bool)
        batch.reject(co.to_numpy() & partnership_id.isna().to_numpy(), "a co-delivered training needs its partnership")
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "partnership_id": partnership_id.astype("Int64"),
                "topic": topic,
                "held_on": held_on.dt.date,
                "officers_trained": officers,
                "hours": hours.round(1),
                "is_co_delivered": co,
            }
        )
        key = pd.DataFrame({"t": _key(topic), "d": held_on})
        batch.reject_duplicates(key, "duplicate training in the file", topic)
        return clean[batch.alive].reset_index(drop=True)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        rows = clean.assign(agency_id=ctx.agency_id())
        return _upsert(
            ctx,
            "trainings",
            rows,
            ["agency_id", "topic", "held_on"],
            "training_id",
            ["partnership_id", "officers_trained", "hours", "is_co_delivered"],
            fields={"partnership_id": "partnership"},
        )


class Funding:
    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        program_id = _resolve_programs(ctx)
        year_text = batch.required("fiscal_year").str.upper().str.replace(r"^FY\s*", "", regex=True)
        batch.frame["fiscal_year"] = year_text
        year = batch.integer("fiscal_year", minimum=1990, maximum=2100)
        source = batch.required("source", batch.choice("source", FUNDING_SOURCES, FUNDING_ALIASES))
        amount = batch.required("amount", batch.number("amount", minimum=0))
        key = pd.DataFrame({"p": program_id, "y": year, "s": source})
        batch.reject_duplicates(key, "duplicate program, year and source")
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "program_id": program_id,
                "fiscal_year": year,
                "source": source,
                "amount": amount.round(2),
                "funder_name": batch.text("funder_name"),
            }
        )
        return clean[batch.alive].reset_index(drop=True)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        return _upsert(
            ctx,
            "program_funding",
            clean,
            ["program_id", "fiscal_year", "source"],
            None,
            ["amount", "funder_name"],
            "* replace (amount::decimal(14, 2) as amount)",
        )


class Users:
    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        email = batch.required("email").str.strip().str.lower()
        batch.reject(
            ~email.fillna("").str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+").to_numpy(), "email is not an address", email
        )
        role = batch.required(
            "role",
            batch.choice("role", ("chief", "analyst", "director"), {"admin": "analyst", "police_chief": "chief"}),
        )
        held_emails = ctx.query("select email from app_users")["email"].tolist()
        refuse_lookalikes(batch, email, held_emails, "email", "user's email")
        held = ctx.query("select nonprofit_id, name from nonprofits")
        nonprofits = held.assign(n=_key(held["name"])).set_index("n")["nonprofit_id"]
        org_text = batch.text("nonprofit")
        org = _key(org_text)
        nonprofit_id = org.map(nonprofits).astype("Int64")
        director = (role == "director").to_numpy()
        batch.reject(director & org.isna().to_numpy(), "a director needs their nonprofit")
        is_new = refuse_lookalikes(batch, org_text.where(director), held["name"].tolist(), "nonprofit", "nonprofit")
        batch.reject(
            director & is_new & nonprofit_id.isna().to_numpy(),
            "nonprofit is not known (import nonprofits first)",
            org_text,
        )
        batch.reject_duplicates(email, "duplicate email in the file", email)
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "email": email,
                "display_name": batch.text("display_name"),
                "role": role,
                "nonprofit_id": nonprofit_id.where(director, pd.NA),
            }
        )
        return clean[batch.alive].reset_index(drop=True)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        agency_id = ctx.agency_id()
        rows = clean.assign(agency_id=np.where(clean["role"] == "director", None, agency_id))
        rows["agency_id"] = rows["agency_id"].astype("Int64")
        return _upsert(
            ctx,
            "app_users",
            rows,
            ["email"],
            None,
            ["display_name", "role", "agency_id", "nonprofit_id"],
            fields={"agency_id": None, "nonprofit_id": None},  # a role and its organisation go together
        )
