"""`python -m data report council|scorecard --db PATH --out FILE.pdf ...`: packets for scheduled runs.

Who may run it: the operator holding the agency file, who reads the whole agency as every other
`python -m data` command does (cron on the server). With `--as EMAIL` the packet is made for that
app user instead, with their scope from app_users exactly as the app binds it: a director gets
their own organisation's scorecard only (no council packet, no other nonprofit's scorecard);
chiefs and analysts may make any. An email the database does not know is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

import queries
from reports import packets


@dataclass(frozen=True)
class Reader:
    """Who the packet is for: the file's operator (scope None: the whole agency) or an app user."""

    scope: queries.Scope | None
    nonprofit_id: int | None = None
    nonprofit_name: str | None = None

    @property
    def is_director(self) -> bool:
        return self.scope is not None and self.scope.role == "director"


def reader(con: duckdb.DuckDBPyConnection, email: str | None) -> Reader:
    if email is None:
        return Reader(None)
    users = queries.run(con, "meta/viewers")
    match = users[users["email"] == email.strip().lower()]
    if match.empty:
        raise packets.PacketError(f"{email} is not a Bridgeboard user of this database, so no packet is made for them")
    user = match.iloc[0]
    if user["role"] == "director":
        return Reader(
            queries.Scope("director", int(user["nonprofit_id"])), int(user["nonprofit_id"]), user["nonprofit_name"]
        )
    return Reader(queries.Scope(user["role"]))


def default_period(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date]:
    """The twelve months that end with the last month of data held."""
    last = queries.run(con, "meta/coverage").iloc[0]["last_data_month"]
    if pd.isna(last):
        raise packets.PacketError("the database holds no data yet, so there is nothing to report")
    end = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()
    return (pd.Timestamp(end) - pd.DateOffset(years=1) + pd.Timedelta(days=1)).date(), end


def make(
    kind: str,
    db: Path,
    out: Path,
    start: dt.date | None = None,
    end: dt.date | None = None,
    areas: str | None = None,
    nonprofit: str | None = None,
    as_email: str | None = None,
    paper: str = "letter",
) -> packets.Made:
    """Check who asks for what, then write the packet to `out` (nothing is written on refusal)."""
    if not db.is_file():
        raise packets.PacketError(f"there is no database at {db}")
    if out.suffix.lower() != ".pdf":
        raise packets.PacketError(f"--out should name a .pdf file, not {out.name}")
    con = duckdb.connect(str(db), read_only=True)
    try:
        who = reader(con, as_email)
        first, last = default_period(con) if start is None or end is None else (start, end)
        first, last = start or first, end or last
        if first > last:
            raise packets.PacketError(f"--from {first} is after --to {last}")
        period = packets.Period(first, last, areas)

        def run(name: str, **params: object) -> pd.DataFrame:
            return queries.run(con, name, scope=who.scope, **params)

        if kind == "council":
            if who.is_director:
                raise packets.PacketError(
                    "the council packet is for the chief and analysts; a director may make their scorecard"
                )
            if nonprofit:
                raise packets.PacketError("--nonprofit is for a scorecard; the council packet covers the whole agency")
            made = packets.make("council", run, period, paper=paper)
        else:
            nonprofit_id, name = scorecard_subject(run, period, who, nonprofit)
            made = packets.make("scorecard", run, period, nonprofit_id=nonprofit_id, nonprofit_name=name, paper=paper)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.writing")
    partial.write_bytes(made.pdf)
    partial.replace(out)
    return made


def scorecard_subject(run: packets.Run, period: packets.Period, who: Reader, nonprofit: str | None) -> tuple[int, str]:
    """The nonprofit a scorecard is for: a director's own; for the others, the one named."""
    if who.is_director:
        if nonprofit and nonprofit.strip().casefold() != who.nonprofit_name.casefold():
            raise packets.PacketError(
                f"a director of {who.nonprofit_name} may make only {who.nonprofit_name}'s scorecard, not another's"
            )
        return who.nonprofit_id, who.nonprofit_name
    if not nonprofit:
        raise packets.PacketError("name the nonprofit with --nonprofit NAME")
    choices = packets.nonprofit_choices(run, period)
    by_name = {name.casefold(): nonprofit_id for nonprofit_id, name in choices.items()}
    if nonprofit.strip().casefold() not in by_name:
        known = ", ".join(choices.values()) or "none"
        raise packets.PacketError(f"no nonprofit called {nonprofit!r} has a partnership in the period (known: {known})")
    nonprofit_id = by_name[nonprofit.strip().casefold()]
    return nonprofit_id, choices[nonprofit_id]
