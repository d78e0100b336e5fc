"""Run the metric SQL files in this folder: `run(con, "folder/name", **params) -> DataFrame`.

Each `.sql` file is one statement with a header that declares its parameters:

    -- param $start_date date: first day included
    -- param $urbanicity varchar null, one of urban|rural: restrict to urban or rural areas
    -- param $window_months integer = 12: months before and after the start
    -- param $scope_nonprofit_id integer null: the viewer's organisation (bound by the runner)

A parameter with `= value` may be left out and takes that value (`= null` for none).

The runner checks the caller's keyword arguments against that header (missing, unknown,
wrong type, outside the allowed values) before DuckDB sees them, binds them as named
parameters (never formatted into SQL text) and runs the statement on its own cursor,
because one DuckDB connection is shared by every Streamlit session thread.

Parameters named `scope_*` are the viewer's scope. Callers cannot pass them: they come
from the `scope` argument, which the app derives from the signed-in identity
(components/runtime.query always passes it; pages never call `run` themselves, which a
test checks). A query that reads program-level data declares `$scope_nonprofit_id`
(a meta-test checks that too). Without a `scope`, the caller is trusted code holding the
database file itself (the CLI, tests, the benchmark) and sees the whole agency.

A director reads crime under the public rules (DESIGN.md: their own programs plus public
aggregates), applied here from the scope so that no page can forget them: below the whole
agency, sensitive categories are left out, and by area a count of 1-9 is hidden (null, its
`<column>_shown` reads "<10") together with every rate and test that would give it back.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

QUERY_DIR = Path(__file__).parent
_NAME = re.compile(r"^[a-z][a-z0-9_]*/[a-z][a-z0-9_]*$")
_PARAM_LINE = re.compile(
    r"^--\s*param\s+\$(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>date|integer|double|varchar|boolean|varchar\[\])"
    r"(?P<null>\s+null)?(?:\s*=\s*(?P<default>[a-z0-9_.-]+))?"
    r"(?:\s*,\s*one of\s+(?P<choices>[a-z0-9_|]+))?\s*:\s*(?P<doc>.+)$",
    re.IGNORECASE,
)
_COLUMN_LINE = re.compile(r"^--\s*column\s+(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>[a-z\[\]]+)\s*:\s*(?P<doc>.+)$")
_KEY_LINE = re.compile(r"^--\s*(?P<key>grain|note)\s*:\s*(?P<doc>.+)$")
# $name outside comments and string literals; the statement is scanned with those removed
_PLACEHOLDER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT_OR_STRING = re.compile(r"--[^\n]*|'(?:[^']|'')*'")


class QueryError(ValueError):
    """A query was asked for with a bad name or bad parameters; the message is for people."""


@dataclass(frozen=True)
class Scope:
    """What the viewer may see: a chief or analyst sees the agency, a director one nonprofit."""

    role: str
    nonprofit_id: int | None = None

    def __post_init__(self) -> None:
        if self.role not in ("chief", "analyst", "director"):
            raise QueryError(f"unknown role {self.role!r}")
        if (self.role == "director") != (self.nonprofit_id is not None):
            raise QueryError("a director's scope names exactly one nonprofit; other roles name none")

    def bindings(self) -> dict[str, object]:
        return {"scope_nonprofit_id": self.nonprofit_id}

    @property
    def reads_crime_under_public_rules(self) -> bool:
        return self.role == "director"


_NO_DEFAULT = object()


AGENCY_WIDE = Scope("analyst")

# Crime queries a director reads under the public rules: query -> (its count columns, the
# columns computed from them, hidden with a small count: a rate times the population, a z,
# an exact p or a percentage change give the count back, given the other count). A rolling
# mean by area is hidden whole: the difference of two months' means is a difference of
# single months' counts.
PUBLIC_RULES = {
    "crime/yoy": (
        ("incidents", "incidents_prior"),
        {
            "incidents": ("rate_per_1k", "change_pct", "poisson_z", "p_value", "significant"),
            "incidents_prior": ("rate_per_1k_prior", "change_pct", "poisson_z", "p_value", "significant"),
        },
    ),
    "crime/monthly": (("incidents",), {"incidents": ("rate_per_1k",)}),
    "crime/rolling": (("incidents",), {"incidents": ("rate_per_1k",)}),
}
ROLLING_BY_AREA = ("rolling_12m_incidents", "rolling_12m_rate_per_1k")
SMALL_COUNT = 10  # counts 1 to SMALL_COUNT - 1 by area read "<10", as in public.duckdb
DIRECTOR_CRIME_RULES = (  # the Methodology page states the rules in these words
    "follows the public rules, applied where every query runs, from the signed-in identity: by area, a "
    f'count from 1 to {SMALL_COUNT - 1} reads "<{SMALL_COUNT}" and its rate, change and test are left blank '
    "(each would give the count back); 12-month rolling means are not shown by area; sexual-assault and "
    "domestic-violence offences are counted only for the whole agency, so by area and by urban/rural side "
    "they are left out of every total."
)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    nullable: bool
    choices: tuple[str, ...]
    doc: str
    default: object = _NO_DEFAULT

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str


@dataclass(frozen=True)
class QuerySpec:
    """A parsed .sql file: its header and its statement."""

    name: str
    title: str
    grain: str
    params: dict[str, Param]
    columns: tuple[Column, ...]
    notes: tuple[str, ...]
    sql: str
    placeholders: frozenset[str] = field(default_factory=frozenset)

    @property
    def title_sentence(self) -> str:
        """The title with a capital first letter, the rest as written."""
        return self.title[:1].upper() + self.title[1:]

    @property
    def needs_scope(self) -> bool:
        return any(name.startswith("scope_") for name in self.params)


def available() -> list[str]:
    """Every query name, e.g. 'crime/yoy', sorted."""
    return sorted(f"{path.parent.name}/{path.stem}" for path in QUERY_DIR.glob("*/*.sql"))


PUBLISHED_FOLDER = "public"  # queries/public read the published file (public.duckdb), not the agency's


def agency_queries() -> list[str]:
    """The queries of the agency's database: every one but those of queries/public."""
    return [name for name in available() if not name.startswith(f"{PUBLISHED_FOLDER}/")]


@functools.cache
def spec(name: str) -> QuerySpec:
    """Parse queries/<name>.sql; raises QueryError for an unknown name."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise QueryError(f"{name!r} is not a query name like 'crime/yoy'")
    path = QUERY_DIR / f"{name}.sql"
    if not path.is_file():
        raise QueryError(f"there is no query named {name!r}")
    text = path.read_text()
    header = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        header.append(line.rstrip())
    title = header[0].lstrip("- ").split(":", 1)[-1].strip() if header else ""
    params: dict[str, Param] = {}
    columns: list[Column] = []
    notes: list[str] = []
    grain = ""
    for line in header[1:]:
        if match := _PARAM_LINE.match(line):
            choices = tuple(match["choices"].split("|")) if match["choices"] else ()
            param = Param(match["name"], match["type"].lower(), bool(match["null"]), choices, match["doc"].strip())
            if match["default"] is not None:
                default = None if match["default"] == "null" else match["default"]
                if param.type == "integer" and default is not None:
                    default = int(default)
                param = replace(param, default=_coerce(name, param, default))
            params[param.name] = param
        elif match := _COLUMN_LINE.match(line):
            columns.append(Column(match["name"], match["type"], match["doc"].strip()))
        elif match := _KEY_LINE.match(line):
            if match["key"] == "grain":
                grain = match["doc"].strip()
            else:
                notes.append(match["doc"].strip())
        elif line.strip("- ") and notes:
            notes[-1] += " " + line.strip("- ").strip()
    placeholders = frozenset(_PLACEHOLDER.findall(_COMMENT_OR_STRING.sub(" ", text)))
    return QuerySpec(name, title, grain, params, tuple(columns), tuple(notes), text, placeholders)


def _coerce(query: str, param: Param, value: object) -> object:
    where = f"{query}: parameter ${param.name}"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if param.nullable:
            return None
        raise QueryError(f"{where} needs a value ({param.type}); it cannot be empty")
    if param.type == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        elif isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise QueryError(f"{where} must be a date like 2024-01-31, not {value[:40]!r}") from None
        elif not isinstance(value, dt.date):
            raise QueryError(f"{where} must be a date, not {type(value).__name__}")
        if not 1900 <= value.year <= 2100:
            raise QueryError(f"{where} must be a date between 1900 and 2100, not {value.isoformat()}")
        return value
    if param.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise QueryError(f"{where} must be a whole number, not {value!r:.40}")
        if not -(2**31) <= value < 2**31:
            raise QueryError(f"{where} is out of range")
        return value
    if param.type == "double":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise QueryError(f"{where} must be a finite number, not {value!r:.40}")
        return float(value)
    if param.type == "boolean":
        if not isinstance(value, bool):
            raise QueryError(f"{where} must be true or false, not {value!r:.40}")
        return value
    if param.type == "varchar[]":
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise QueryError(f"{where} must be a list of names")
        items = list(value)
        for item in items:
            if not isinstance(item, str):
                raise QueryError(f"{where} must be a list of names, not {item!r:.40}")
            _check_choice(where, param, item)
        return items
    if not isinstance(value, str):
        raise QueryError(f"{where} must be text, not {type(value).__name__}")
    _check_choice(where, param, value)
    return value


def _check_choice(where: str, param: Param, value: str) -> None:
    if param.choices and value not in param.choices:
        raise QueryError(f"{where} must be one of {', '.join(param.choices)}; got {value[:40]!r}")


def bind(name: str, scope: Scope | None, params: dict[str, object]) -> dict[str, object]:
    """Check `params` against the query's header and return the values DuckDB will bind."""
    query = spec(name)
    passed_scope = sorted(key for key in params if key.startswith("scope_"))
    if passed_scope:
        raise QueryError(f"{name}: ${passed_scope[0]} comes from the signed-in viewer and cannot be passed")
    unknown = sorted(set(params) - set(query.params))
    if unknown:
        expected = ", ".join(f"${key}" for key in query.params if not key.startswith("scope_")) or "none"
        raise QueryError(f"{name}: unknown parameter ${unknown[0]}; it takes {expected}")
    values = dict(params)
    if query.needs_scope:
        scope = scope or AGENCY_WIDE
        values.update({key: value for key, value in scope.bindings().items() if key in query.params})
    for key, param in query.params.items():
        if key not in values and param.has_default:
            values[key] = param.default
    missing = [key for key in query.params if key not in values]
    if missing:
        param = query.params[missing[0]]
        raise QueryError(f"{name}: missing parameter ${param.name} ({param.type}: {param.doc})")
    return {key: _coerce(name, query.params[key], value) for key, value in values.items()}


def run(con: duckdb.DuckDBPyConnection, name: str, *, scope: Scope | None = None, **params: object) -> pd.DataFrame:
    """Run queries/<name>.sql with named parameters on a fresh cursor of `con`."""
    bound = bind(name, scope, params)
    public_rules = name in PUBLIC_RULES and scope is not None and scope.reads_crime_under_public_rules
    cursor = con.cursor()
    try:
        if public_rules and bound.get("group_by") != "all":
            bound["categories"] = _without_sensitive(cursor, name, bound.get("categories"))
        frame = cursor.execute(spec(name).sql, bound).df()
    finally:
        cursor.close()
    if public_rules and bound.get("group_by") == "area":
        frame = _small_counts_hidden(name, frame)
    return frame


def _without_sensitive(cursor: duckdb.DuckDBPyCursor, name: str, categories: list[str] | None) -> list[str]:
    """The categories asked for (all when None) less the sensitive ones, which are read agency-wide only."""
    rows = cursor.execute("select category, is_sensitive from offense_categories order by category").fetchall()
    sensitive = {category for category, is_sensitive in rows if is_sensitive}
    asked = [category for category, _ in rows] if categories is None else categories
    kept = [category for category in asked if category not in sensitive]
    if not kept:
        labels = " and ".join(sorted(category.replace("_", " ") for category in asked))
        raise QueryError(
            f"{name}: {labels} can be shown to a director only for the whole agency, as on the public page"
        )
    return kept


def _small_counts_hidden(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Counts of 1-9 by area hidden, with what would give them back (see PUBLIC_RULES)."""
    counts, derived = PUBLIC_RULES[name]
    frame = frame.copy()
    hidden = {column: frame[column].between(1, SMALL_COUNT - 1) for column in counts}
    for column in counts:
        frame[f"{column}_shown"] = [
            f"<{SMALL_COUNT}" if small else f"{int(value):,}"
            for value, small in zip(frame[column], hidden[column], strict=True)
        ]
    for column in counts:
        for target in (column, *derived[column]):
            if target in counts:
                frame[target] = frame[target].astype("Int64")
            elif frame[target].dtype == bool:
                frame[target] = frame[target].astype(object)
            frame.loc[hidden[column], target] = None
    for column in ROLLING_BY_AREA:
        if column in frame.columns:
            frame[column] = float("nan")
    return frame
