"""Streamlit glue shared by app.py and the pages: database, viewer, filters, cached queries.

This is the one module in components/ that imports streamlit; everything else here is a
pure builder. Data access stays in one place (STYLE.md): one shared read-only DuckDB
connection per version of the database file (_Connections: every query reads the file that
is current when it starts), a cursor per query (inside queries.run), and st.cache_resource
keyed on the file version, the viewer's scope and the parameters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st
from plotly.basedatatypes import BaseFigure
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

import queries
from components import charts
from components import format as fmt
from components import synthetic_control as synthetic
from data.safe_export import safe_csv

log = logging.getLogger("bridgeboard")

# Plotly checks every property of a figure as it is built, which on a page with several
# charts costs more than the page's queries. The app builds figures unchecked; the tests
# check them (tests/conftest.py sets BRIDGEBOARD_VALIDATE_FIGURES=1), so a misspelt
# property still fails there rather than silently drawing nothing.
if os.environ.get("BRIDGEBOARD_VALIDATE_FIGURES") != "1" and not getattr(BaseFigure.__init__, "_unchecked", False):
    _checked_init = BaseFigure.__init__

    def _unchecked_init(self, *args, **kwargs):
        kwargs.setdefault("_validate", False)
        _checked_init(self, *args, **kwargs)

    _unchecked_init._unchecked = True
    BaseFigure.__init__ = _unchecked_init

# Streamlit treats an app whose script has a sibling folder named pages/ as a legacy
# (v1) multipage app until st.navigation first runs, so the first session of a fresh
# server that opens a deep link (/crime, a shared URL) would run that page alone,
# without app.py's viewer and filters. This app navigates with st.navigation only.
PagesManager.uses_pages_directory = False

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "bridgeboard.duckdb"
URBANICITY_CHOICES = {"Urban and rural": None, "Urban": "urban", "Rural": "rural"}


@dataclass(frozen=True)
class Viewer:
    """Who is looking: decides the scope every query is bound to."""

    role: str  # chief | analyst | director
    label: str
    nonprofit_id: int | None = None
    nonprofit_name: str | None = None
    email: str | None = None

    @property
    def scope(self) -> queries.Scope:
        if self.role == "public":
            # the public side reads only the published database, never the agency's
            raise queries.QueryError("the public view reads only published figures")
        return queries.Scope(self.role, self.nonprofit_id)

    @property
    def is_public(self) -> bool:
        return self.role == "public"

    @property
    def is_director(self) -> bool:
        return self.role == "director"


@dataclass(frozen=True)
class Filters:
    """The sidebar's period and urban/rural choice, shared by every page."""

    start: dt.date
    end: dt.date
    urbanicity: str | None

    def params(self) -> dict[str, object]:
        return {"start_date": self.start, "end_date": self.end, "urbanicity": self.urbanicity}

    def prior(self) -> Filters:
        """The same period one year earlier."""
        return Filters(_year_earlier(self.start), _year_earlier(self.end), self.urbanicity)

    @property
    def label(self) -> str:
        return f"{self.start:%b %Y} – {self.end:%b %Y}"


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- database -------------------------------------------------------------------------


def database_path() -> Path:
    return Path(os.environ.get("BRIDGEBOARD_DB", DEFAULT_DB))


def database_version(path: Path) -> str:
    """The file's identity (mtime, size, inode): changes whenever an import swaps a new file in.

    One stat per query; caches are keyed on it and connections follow it (_Connections).
    """
    stat = os.stat(path)
    return f"{stat.st_mtime_ns}-{stat.st_size}-{stat.st_ino}"


def ensure_database() -> Path:
    """Build the demo database on first run when the configured file does not exist."""
    path = database_path()
    if not path.exists():
        from data import demo

        with st.spinner("First run: building the demo database (about ten seconds)…"):
            demo.build(path)
    return path


class _Generation:
    """One version of a database file, opened read-only in a DuckDB instance of its own.

    Trap: while any connection to a path is open, duckdb.connect(path) hands back that same
    instance (DuckDB's instance cache, keyed on the resolved path: /proc/self/fd/N and
    symlinks resolve to it too), and that instance keeps serving the file as it was before
    an import replaced it. A private in-memory instance that ATTACHes the file is outside
    that cache, so each version of the file gets its own instance while older ones finish
    their queries. `detach memory` (allowed once `use` has moved the default away from it)
    leaves the file as the only database, so every cursor reads it unqualified, as
    queries/*.sql expect. tests/test_connections.py checks both against DuckDB itself.
    """

    def __init__(self, path: str, version: str, connection: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self.version = version
        self.connection = connection
        self.users = 0  # queries running on it now
        self.retired = False  # a newer file replaced it: close once no query uses it

    @classmethod
    def open(cls, path: str) -> _Generation:
        """Open the file now at `path`, with the identity it had while it was being opened."""
        for _ in range(10):
            version = database_version(Path(path))
            connection = duckdb.connect(":memory:")
            try:
                connection.execute(f"attach '{path.replace(chr(39), chr(39) * 2)}' as bridgeboard (read_only)")
                connection.execute("use bridgeboard")
                connection.execute("detach memory")
            except BaseException:
                connection.close()
                raise
            # the same identity before and after: what was attached is that file, not one swapped in meanwhile
            if database_version(Path(path)) == version:
                return cls(path, version, connection)
            connection.close()
        raise OSError(f"{path} kept changing while it was being opened")


class _Connections:
    """The current generation of each database file, shared by every session, and the retired ones
    still in use.

    Every query takes the generation of the file as it is when the query starts (`reading`);
    when the file's identity has changed, the next query opens the new file and the old
    generation is retired. A retired generation is closed by the last query that used it,
    never while one runs on it (closing a busy DuckDB connection raises, and DuckDB then
    keeps the old instance alive under the path).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: dict[str, _Generation] = {}

    @contextlib.contextmanager
    def reading(self, path: str, version: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to `path` as it is now, held for the duration of one query."""
        generation = self._acquire(path, version)
        try:
            yield generation.connection
        finally:
            self._release(generation)

    def _acquire(self, path: str, version: str) -> _Generation:
        with self._lock:
            current = self._current.get(path)
            # the caller's stat may be older or newer than the open generation: then the file decides
            stale = current is None or (current.version != version and current.version != database_version(Path(path)))
            if stale:
                replaced, current = current, _Generation.open(path)
                self._current[path] = current
                if replaced is not None:
                    self._retire(replaced)
            current.users += 1
            return current

    def _release(self, generation: _Generation) -> None:
        with self._lock:
            generation.users -= 1
            idle_and_retired = generation.retired and generation.users == 0
        if idle_and_retired:
            generation.connection.close()

    def _retire(self, generation: _Generation) -> None:
        """Called with the lock held."""
        generation.retired = True
        if generation.users == 0:
            generation.connection.close()

    def generations(self) -> dict[str, tuple[str, int]]:
        """{path: (version, queries running)} of the open current generations (tests)."""
        with self._lock:
            return {path: (held.version, held.users) for path, held in self._current.items()}

    def close_all(self) -> None:
        """Retire every generation: idle ones close now, busy ones when their last query ends."""
        with self._lock:
            for generation in self._current.values():
                self._retire(generation)
            self._current.clear()


_CONNECTIONS = _Connections()


def _reading(path: str, version: str) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
    return _CONNECTIONS.reading(path, version)


@functools.lru_cache(maxsize=8)
def _database_meta(path: str, version: str) -> dict[str, str] | None:
    """schema_meta of one version of the database file (read once per file swapped in)."""
    from data import db

    with _reading(path, version) as connection:
        cursor = connection.cursor()
        try:
            return db.meta(cursor)
        finally:
            cursor.close()


def _meta_of_database() -> dict[str, str] | None:
    path = database_path()
    return _database_meta(str(path), database_version(path))


def database_is_demo() -> bool:
    """The configured database is the generated demo, not an agency's own data."""
    from data import db

    return db.is_demo(_meta_of_database())


def database_problem() -> str | None:
    """Why the configured database cannot serve this Bridgeboard (wrong data model), or None."""
    from data import db

    return db.problem_with(_meta_of_database())


def close_connections() -> None:
    """Close every open database connection (tests; a server shutting down)."""
    _CONNECTIONS.close_all()


# Query results are kept once per process (st.cache_resource), keyed exactly as before on the
# file version, the viewer's scope and the parameters, and every caller gets its own shallow
# copy: with pandas' copy-on-write (always on since pandas 3) a change to the copy never reaches
# the kept frame. st.cache_data would pickle each frame once and unpickle it on every hit, which
# cost a cached rerun more CPU than drawing it. (STYLE.md lists "st.cache_resource on a DataFrame
# shared by every session" as an anti-example: the hazard is one session changing what the others
# read, which the copy rules out; tests/test_shared_cache.py checks it.)
_FRAME_CACHE = {"ttl": 3600, "show_spinner": False}


def _own_copy(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of the shared cache, as the caller's own (copy-on-write: nothing is copied until changed)."""
    return frame.copy(deep=False)


@st.cache_resource(max_entries=512, **_FRAME_CACHE)
def _kept_query(path: str, version: str, scope_key: tuple[str, int | None], name: str, params: tuple) -> pd.DataFrame:
    scope = queries.Scope(*scope_key)
    with _reading(path, version) as connection:
        return queries.run(connection, name, scope=scope, **dict(params))


def _cached_query(path: str, version: str, scope_key: tuple[str, int | None], name: str, params: tuple) -> pd.DataFrame:
    return _own_copy(_kept_query(path, version, scope_key, name, params))


def _scope_key() -> tuple[str, int | None]:
    """The current viewer's scope as a cache key (queries.Scope(*key) gives it back)."""
    scope = viewer().scope
    return (scope.role, scope.nonprofit_id)


def _plain(params: dict[str, object]) -> tuple:
    return tuple(sorted((key, tuple(v) if isinstance(v, list) else v) for key, v in params.items()))


def query(name: str, **params: object) -> pd.DataFrame:
    """Run a metric query for the current viewer (their scope is bound by the runner)."""
    path = database_path()
    return _cached_query(str(path), database_version(path), _scope_key(), name, _plain(params))


@st.cache_data(ttl=3600, max_entries=128, show_spinner=False)
def _cached_synthetic_control(
    path: str, version: str, scope_key: tuple[str, int | None], params: tuple
) -> synthetic.SyntheticControl:
    series = _cached_query(path, version, scope_key, "impact/area_series", params)
    return synthetic.fit(series, dict(params)["window_months"])


def synthetic_control(**params: object) -> synthetic.SyntheticControl:
    """The served areas' synthetic control from impact/area_series with these parameters (cached)."""
    path = database_path()
    return _cached_synthetic_control(str(path), database_version(path), _scope_key(), _plain(params))


# DuckDB releases the GIL while it works, so a page's independent queries run side by side.
_QUERY_POOL = ThreadPoolExecutor(max_workers=max(os.cpu_count() or 2, 2), thread_name_prefix="bridgeboard-query")


def queries_at_once(*calls: tuple[str, dict[str, object]]) -> list[pd.DataFrame]:
    """Run several (name, params) queries concurrently for the current viewer; results in order.

    The viewer, file version and script context are taken here, on the page's thread, and
    handed to the workers, so scope and caching are exactly those of `query`.
    """
    path = database_path()
    version = database_version(path)
    scope_key = _scope_key()
    context = get_script_run_ctx()

    def run(call: tuple[str, dict[str, object]]) -> pd.DataFrame:
        add_script_run_ctx(threading.current_thread(), context)
        name, params = call
        return _cached_query(str(path), version, scope_key, name, _plain(params))

    return list(_QUERY_POOL.map(run, calls))


# --- the published (public) database -------------------------------------------------

DEFAULT_PUBLIC_DB = DEFAULT_DB.with_name("public.duckdb")
# the tables `python -m data publish` writes; nothing else is ever read on the public side
DIRECTOR_CRIME_RULES = queries.DIRECTOR_CRIME_RULES  # what the runner does for a director, in words

PUBLIC_TABLES = (
    "manifest",
    "areas",
    "crime_area_month",
    "crime_urbanicity_month",
    "crime_city_month",
    "crime_sensitive_city_month",
    "crime_area_year",
    "crime_area_latest_12m",
    "crime_group_year",
    "crime_group_latest_12m",
    "trust_area_quarter",
    "trust_urbanicity_quarter",
    "trust_city_quarter",
    "partnerships",
    "program_counts",
    "program_counts_city",
    "funding_year_source",
)


def public_database_path() -> Path:
    return Path(os.environ.get("BRIDGEBOARD_PUBLIC_DB", DEFAULT_PUBLIC_DB))


def ensure_public_database() -> Path:
    """Publish the public file from the agency database when missing or older, except in public mode.

    A public deployment serves a file published on purpose with `python -m data publish`; the
    full app keeps its own copy in step with imports.
    """
    path = public_database_path()
    if public_mode() or not _public_is_older(path):
        return path
    with _publish_lock(path):  # one publish per target at a time; the others wait for it
        if not _public_is_older(path):  # the winner published while this session waited: read its file
            return path
        from data import publish

        source = database_path()
        for _ in range(3):  # an import may swap the agency file in during a publish: then publish again
            read = database_version(source)
            with st.spinner("Publishing the public figures from the agency database…"):
                publish.publish(source, path)
            if database_version(source) == read:
                _PUBLISHED_FROM[str(path)] = (str(source), read)
                break
    return path  # after three imports during three publishes, the latest published; the next query retries


# public file -> (agency file, its identity) it was last published from, in this process: a public
# file published from another agency file (BRIDGEBOARD_DB changed) is as stale as an older one
_PUBLISHED_FROM: dict[str, tuple[str, str]] = {}
_PUBLISH_LOCKS: dict[str, threading.Lock] = {}
_PUBLISH_LOCKS_GUARD = threading.Lock()


def _publish_lock(path: Path) -> threading.Lock:
    with _PUBLISH_LOCKS_GUARD:
        return _PUBLISH_LOCKS.setdefault(str(path), threading.Lock())


def _public_is_older(path: Path) -> bool:
    """The public file is missing, or was published from an earlier agency file than the current one."""
    source = database_path()
    if str(path) in _PUBLISHED_FROM:
        return _PUBLISHED_FROM[str(path)] != (str(source), database_version(source)) or not path.exists()
    # published by another process or an earlier run: the file times tell
    return not path.exists() or path.stat().st_mtime_ns < source.stat().st_mtime_ns


@st.cache_resource(max_entries=64, **_FRAME_CACHE)
def _kept_public_table(path: str, version: str, table: str) -> pd.DataFrame:
    # its own generation, of its own file: the public page never touches the agency's database
    with _reading(path, version) as connection:
        cursor = connection.cursor()
        try:
            return cursor.execute(f'select * from "{table}"').df()  # noqa: S608 - table from PUBLIC_TABLES
        finally:
            cursor.close()


def public_table(table: str) -> pd.DataFrame:
    """One published table, whole (they are small aggregates)."""
    if table not in PUBLIC_TABLES:
        raise queries.QueryError(f"{table!r} is not a published table")
    _started_by_app("viewer")  # a deep link to the public page on a fresh server (see PagesManager above)
    path = ensure_public_database()
    return _own_copy(_kept_public_table(str(path), database_version(path), table))


@st.cache_resource(max_entries=256, **_FRAME_CACHE)
def _kept_public_query(path: str, version: str, name: str, params: tuple) -> pd.DataFrame:
    with _reading(path, version) as connection:
        return queries.run(connection, name, **dict(params))


def public_query(name: str, **params: object) -> pd.DataFrame:
    """A query of queries/public on the published database: the figures the static site shows."""
    if not name.startswith("public/"):
        raise queries.QueryError(f"{name!r} is not a query of the published tables (queries/public)")
    _started_by_app("viewer")
    path = ensure_public_database()
    return _own_copy(_kept_public_query(str(path), database_version(path), name, _plain(params)))


def public_version() -> str:
    """The published file and its version, for caches of what is built from it."""
    _started_by_app("viewer")  # a deep link to the public page on a fresh server (see PagesManager above)
    path = ensure_public_database()
    return f"{path}:{database_version(path)}"


def public_site_url() -> str | None:
    """BRIDGEBOARD_PUBLIC_SITE: where the static public site is served, for the page to link to."""
    url = os.environ.get("BRIDGEBOARD_PUBLIC_SITE", "").strip()
    return url or None


# --- viewer ---------------------------------------------------------------------------


def known_viewers() -> list[Viewer]:
    """Everyone in app_users, as viewers: the chief, the analyst, then each nonprofit's director."""
    path = database_path()
    return list(_known_viewers(str(path), database_version(path)))


@st.cache_resource(max_entries=8, **_FRAME_CACHE)
def _known_viewers(path: str, version: str) -> tuple[Viewer, ...]:
    """app_users of one version of the file, read once (every rerun asks who may be chosen)."""
    with _reading(path, version) as connection:
        users = queries.run(connection, "meta/viewers")
    viewers = []
    for user in users.itertuples():
        if user.role == "director":
            label = f"Director, {user.nonprofit_name}"
            viewers.append(Viewer("director", label, int(user.nonprofit_id), user.nonprofit_name, user.email))
        elif user.role == "chief":
            viewers.append(Viewer("chief", "Chief of police (whole agency)", email=user.email))
        elif user.role == "analyst":
            viewers.append(Viewer("analyst", "Crime analyst (whole agency, imports data)", email=user.email))
    return tuple(viewers)


PUBLIC = Viewer("public", "Member of the public (transparency page)")


def public_mode() -> bool:
    """BRIDGEBOARD_MODE=public serves the transparency page alone (a public deployment)."""
    return os.environ.get("BRIDGEBOARD_MODE", "").strip().lower() == "public"


def auth_configured() -> bool:
    """Sign-in is on when .streamlit/secrets.toml has an [auth] section (st.login, OIDC)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def identify() -> Viewer:
    """Who is looking: the signed-in user's role, the demo switch, or the public."""
    if public_mode():
        selected = PUBLIC
    elif auth_configured():
        selected = _signed_in_viewer()
    else:
        selected = select_demo_viewer()
    st.session_state["viewer"] = selected
    return selected


def _signed_in_viewer() -> Viewer:
    """Map the OIDC identity's email to app_users; anyone else sees the public page."""
    with st.sidebar:
        if not st.user.is_logged_in:
            st.button("Sign in", on_click=st.login, icon=":material/login:", key="sign_in")
            st.caption("Agency staff and partner directors sign in to see their dashboards.")
            return PUBLIC
        email = str(st.user.get("email") or "").strip().lower()
        st.caption(f"Signed in as {fmt.plain(email)}")
        st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign_out")
    if email and _email_unverified(st.user.get("email_verified")):
        # providers such as Keycloak let a person register any address without proving it is theirs
        st.info(
            f"You are signed in as {fmt.plain(email)}, but your identity provider says this address is not "
            "verified, so Bridgeboard cannot tell that it is yours and shows you the public page. Verify the "
            "address with your provider, then sign in again.",
            icon=":material/person_off:",
        )
        return PUBLIC
    known = {viewer.email: viewer for viewer in known_viewers()}
    if email in known:
        return known[email]
    resembled = _lookalike_of(email, [address for address in known if address])
    if resembled is not None:
        st.info(
            f"You are signed in as {fmt.plain(email)}, which looks like the address of a Bridgeboard user "
            f"({fmt.plain(resembled)}) but is not the same: some of its letters only look alike. You see the "
            "public page; ask the agency's administrator if this address should have a role.",
            icon=":material/person_off:",
        )
        return PUBLIC
    st.info(
        f"You are signed in as {fmt.plain(email) or 'an account without an email address'}, which has no "
        "Bridgeboard role yet, so you see the public page. Ask the agency's administrator to add you.",
        icon=":material/person_off:",
    )
    return PUBLIC


def _email_unverified(claim: object) -> bool:
    """The provider's email_verified claim says no (false, or "false" from providers that send text)."""
    return claim is False or (isinstance(claim, str) and claim.strip().lower() == "false")


def _lookalike_of(email: str, addresses: list[str]) -> str | None:
    """The user address that `email` only looks like (NFKC, then the confusable skeleton), or None."""
    try:
        from data import lookalikes  # UTS #39 confusables, vendored on branch issue-10b
    except ImportError:  # until that branch is merged: NFKC and case folding only
        folded = unicodedata.normalize("NFKC", email).casefold()
        return next(
            (address for address in addresses if unicodedata.normalize("NFKC", address).casefold() == folded), None
        )
    return lookalikes.lookalike_of(email, addresses)


VIEW_AS_PARAM = "as"


def viewer_slug(viewer: Viewer) -> str:
    """How a demo viewer is named in the URL (?as=chief, ?as=director-3): no names, no emails."""
    return f"director-{viewer.nonprofit_id}" if viewer.is_director else viewer.role


def select_demo_viewer() -> Viewer:
    """The demo banner, and the sidebar's "view as" switch mirrored in the URL (?as=), so a reload or a
    shared link keeps the view. Only offered when no sign-in is configured: with sign-in, identity
    alone decides and ?as= is ignored."""
    viewers = [*known_viewers(), PUBLIC]
    labels = [v.label for v in viewers]
    slugs = [viewer_slug(v) for v in viewers]
    if "view_as" not in st.session_state and VIEW_AS_PARAM in st.query_params:  # first run: a link wins
        wanted = st.query_params[VIEW_AS_PARAM]
        if wanted in slugs:
            st.session_state["view_as"] = labels[slugs.index(wanted)]
        else:
            st.session_state["url_problem"] = "The link's “view as” was not recognised, so the chief's view is shown."
    if database_is_demo():
        st.warning(
            "**Demo mode** — synthetic data for a fictional agency. Nothing here describes real people or places. "
            "Switch roles with “View as” in the sidebar.",
            icon=":material/science:",
        )
    else:  # an agency's own data with no sign-in: say plainly who can see it
        st.warning(
            "**Demo mode on real data** — no sign-in is configured, so anyone who opens this app can view it as "
            'any role. Set up sign-in (README, "Sign-in") before it runs where others can reach it.',
            icon=":material/lock_open:",
        )
    with st.sidebar:
        chosen = st.selectbox(
            "View as", labels, key="view_as", help="Demo mode: switch between what each role may see."
        )
    st.query_params[VIEW_AS_PARAM] = slugs[labels.index(chosen)]
    return viewers[labels.index(chosen)]


def _started_by_app(key: str) -> None:
    """A page run without app.py (see PagesManager above) reruns once, now through app.py."""
    if key not in st.session_state:
        st.rerun()


def viewer() -> Viewer:
    _started_by_app("viewer")
    return st.session_state["viewer"]


# --- filters --------------------------------------------------------------------------


URL_SIDES = {"both": "Urban and rural", "urban": "Urban", "rural": "Rural"}


def _filters_from_url(first_day: dt.date, last_day: dt.date) -> tuple[tuple[dt.date, dt.date] | None, str | None]:
    """The period and side a shared link asks for; (None, None) parts when absent or unreadable."""
    params = st.query_params
    period = side = None
    if "from" in params or "to" in params:
        try:
            start = dt.date.fromisoformat(params.get("from", ""))
            end = dt.date.fromisoformat(params.get("to", ""))
        except ValueError:
            st.session_state["url_problem"] = "The link's period could not be read, so the latest 12 months are shown."
        else:
            start, end = max(start, first_day), min(end, last_day)
            if start <= end:
                period = (start, end)
            else:
                st.session_state["url_problem"] = "The link's period holds no data, so the latest 12 months are shown."
    if "areas" in params:
        side = URL_SIDES.get(params["areas"])
        if side is None:
            st.session_state["url_problem"] = "The link's area choice was not recognised, so both are shown."
    return period, side


def coverage() -> pd.Series:
    """meta/coverage: the first and last months and days the database holds."""
    return query("meta/coverage").iloc[0]


def data_span(held: pd.Series, today: dt.date | None = None) -> tuple[dt.date, dt.date, dt.date, bool]:
    """(first month, last month) the period filter offers, the month the default period ends
    with, and whether the database holds any data.

    The filter spans every month with incidents, survey answers, vendor scores or program
    activity, so years of trust scores stay reachable when crime data start later. The
    default period is the latest 12 months of crime when there is any (crime is what most
    views count), else of any data; with no data at all, the 12 months to last month.
    """
    if pd.isna(held["first_data_month"]):
        last_month = (pd.Timestamp(today or dt.date.today()).to_period("M") - 1).start_time.date()
        return (pd.Timestamp(last_month) - pd.DateOffset(months=11)).date(), last_month, last_month, False
    first, last = pd.Timestamp(held["first_data_month"]).date(), pd.Timestamp(held["last_data_month"]).date()
    ends = held["last_crime_month"] if pd.notna(held["last_crime_month"]) else held["last_data_month"]
    return first, last, pd.Timestamp(ends).date(), True


def sidebar_filters() -> Filters:
    """Period and urban/rural filters in the sidebar, mirrored in the URL so a view can be shared.

    Defaults to the latest 12 months of data. Opening a link with ?from=&to=&areas= restores it.
    """
    first_month, last_month, default_month, held_any = data_span(coverage())
    last_day = (pd.Timestamp(last_month) + pd.offsets.MonthEnd(0)).date()
    first_day = dt.date(first_month.year - 1, 1, 1)
    default_end = (pd.Timestamp(default_month) + pd.offsets.MonthEnd(0)).date()
    default_start = max(first_month, (pd.Timestamp(default_month) - pd.DateOffset(months=11)).date())
    if "filter_period" not in st.session_state:  # the first run of this session: a shared link wins
        period, side = _filters_from_url(first_day, last_day)
        st.session_state["filter_period"] = period or (default_start, default_end)
        st.session_state["filter_urbanicity"] = side or "Urban and rural"
    with st.sidebar:
        st.subheader("Filters")
        picked = st.date_input(
            "Period",
            min_value=first_day,
            max_value=last_day,
            key="filter_period",
            help="Compared with the same period one year earlier. Crime counts use whole months.",
            format="YYYY-MM-DD",
        )
        side = st.radio("Areas", list(URBANICITY_CHOICES), key="filter_urbanicity")
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            start, end = sorted(min(max(day, first_day), last_day) for day in picked)
            if (start, end) != tuple(picked):
                st.caption("The period was adjusted to run forwards within the data held.")
            st.session_state["last_full_period"] = (start, end)
        else:
            start, end = st.session_state.get("last_full_period", (default_start, default_end))
            st.caption("Pick an end date to change the period; showing the previous one.")
        if held_any:
            st.caption(f"Data from {first_month:%b %Y} to {last_month:%b %Y}.")
        else:
            st.caption("No incidents, survey answers or program activity are held yet.")
    if problem := st.session_state.pop("url_problem", None):
        st.warning(problem, icon=":material/link_off:")
    chosen = Filters(start, end, URBANICITY_CHOICES[side])
    url_side = {value: key for key, value in URL_SIDES.items()}[side]
    st.query_params.update({"from": start.isoformat(), "to": end.isoformat(), "areas": url_side})
    st.session_state["filters"] = chosen
    return chosen


def filters() -> Filters:
    _started_by_app("filters")
    return st.session_state["filters"]


METRIC_FOLDERS = {
    "crime": "Crime",
    "trust": "Community trust",
    "impact": "Partnership impact",
    "programs": "Programs (Results-Based Accountability)",
    "partnerships": "Partnerships",
    "resources": "Resources",
}


def queries_in(folder: str) -> list[str]:
    return [name for name in queries.available() if name.startswith(f"{folder}/")]


def describe(name: str) -> queries.QuerySpec:
    return queries.spec(name)


def parameters_table(name: str) -> pd.DataFrame:
    """A query's inputs, as its header declares them (the viewer's scope is bound, not chosen)."""
    rows = [
        {
            "input": param.name.replace("_", " "),
            "type": param.type,
            "allowed": ", ".join(param.choices) if len(param.choices) <= 6 else f"{len(param.choices)} values",
            "meaning": param.doc,
        }
        for param in queries.spec(name).params.values()
        if not param.name.startswith("scope_")
    ]
    return pd.DataFrame(rows, columns=["input", "type", "allowed", "meaning"])


def columns_table(name: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{"column": column.name, "type": column.type, "meaning": column.doc} for column in queries.spec(name).columns],
        columns=["column", "type", "meaning"],
    )


def method_text(name: str) -> str:
    """Markdown explaining a metric, from its SQL header (so the text cannot drift from the code)."""
    spec = queries.spec(name)
    lines = [f"**{spec.title_sentence}** ({spec.grain}; `queries/{name}.sql`)"]
    lines += [f"- {note}" for note in spec.notes]
    return "\n".join(lines)


# --- rendering ------------------------------------------------------------------------


def download_label(name: str) -> str:
    """'crime-yoy-by-area' -> 'Download crime yoy by area (CSV)': every button says what it holds."""
    words = name.replace("_", " ").replace("-", " ").strip()
    return f"Download {words} (CSV)" if words else "Download (CSV)"


def download(frame: pd.DataFrame, name: str, label: str | None = None) -> None:
    """A CSV download of exactly the rows and columns behind the chart or table above it.

    The file is written when someone clicks (a callable), not on every rerun, and the click
    does not rerun the page. The label says what is in it (a page has several).
    """
    st.download_button(
        label or download_label(name),
        data=functools.partial(safe_csv, frame),
        file_name=f"bridgeboard-{name}.csv",
        mime="text/csv",
        key=f"download-{name}",
        icon=":material/download:",
        type="tertiary",
        on_click="ignore",
    )


def _one_line(title: str) -> str:
    """A plotly title ('Trust<br>by area') as one line."""
    return " ".join(re.sub(r"<br\s*/?>", " ", title).split())


def prepare_chart(figure, legend_title: str | None = None) -> tuple[str, list]:
    """What draw_chart draws, as (title, panels): built once, a page may keep it and draw it again.

    charts.panel_figures splits a grid of panels into one figure per column; each gets its
    legend below and its value axis's start noted. The title comes out of the figure, to be drawn
    above it as text, which wraps on a phone where plotly's title is cut at the edge."""
    title, panels = charts.panel_figures(figure)
    return title, [charts.note_axis_start(charts.legend_below(panel, legend_title)) for panel in panels]


def draw_prepared(prepared: tuple[str, list], name: str) -> None:
    """Draw a prepare_chart result without changing it: one Streamlit column per panel, under the title."""
    title, panels = prepared
    if title:
        st.markdown(f"**{fmt.plain(_one_line(title))}**")
    if len(panels) == 1:
        st.plotly_chart(panels[0], key=f"chart-{name}", config=charts.CHART_CONFIG)
        return
    for number, (column, panel) in enumerate(zip(st.columns(len(panels)), panels, strict=True)):
        with column:
            st.plotly_chart(panel, key=f"chart-{name}-{number}", config=charts.CHART_CONFIG)


def draw_chart(figure, name: str, legend_title: str | None = None) -> None:
    """Draw a plotly figure by the responsive rule: no toolbar, the legend below, and a grid of panels
    as one Streamlit column per column of panels (charts.panel_figures): side by side on a laptop,
    stacked on a phone, under the figure's title."""
    draw_prepared(prepare_chart(figure, legend_title), name)


@st.cache_resource(max_entries=256, **_FRAME_CACHE)
def _kept_chart(
    path: str, version: str, scope_key: tuple[str, int | None], key: tuple, _build: Callable, legend_title: str | None
) -> tuple[str, list]:
    return prepare_chart(_build(), legend_title)


def kept_chart(key: tuple, build: Callable, legend_title: str | None = None) -> tuple[str, list]:
    """prepare_chart(build()), built once per file version, viewer's scope and `key` and then kept.

    `key` names everything the figure is made from besides the file and the viewer (the page's
    filters and choices, hashable); the viewer's scope is added here, so one viewer's chart is
    never drawn for another. What comes back is shared: draw it with draw_prepared, never change it.
    """
    path = database_path()
    return _kept_chart(str(path), database_version(path), _scope_key(), key, build, legend_title)


def show_chart(
    figure, frame: pd.DataFrame, name: str, label: str | None = None, legend_title: str | None = None
) -> None:
    """Draw a plotly figure (draw_chart) and offer its data as CSV."""
    draw_chart(figure, name, legend_title)
    download(frame, name, label)


def show_legend(legend_html: str) -> None:
    """A legend built by maps.legend_html (its words escaped there): wraps to any width."""
    st.html(legend_html)


# a table shows every row up to this many, then scrolls; the CSV always holds them all
TABLE_ROWS_SHOWN = 50
_ROW_PX, _HEADER_PX = 35, 38


# Streamlit's table cells never wrap, so a pinned name column narrower than its names cuts them
# ("Downtown Housing First Outreac"); wider than NAME_WIDTH_MAX it would leave a phone no room.
NAME_WIDTH_MIN, NAME_WIDTH_MAX = 150, 280
PX_PER_CHARACTER, CELL_PADDING_PX = 7.2, 24  # Source Sans at the table's 14 px


def name_width(names: pd.Series, heading: str) -> int:
    """Pixels for a pinned name column: its longest name or heading, between NAME_WIDTH_MIN and NAME_WIDTH_MAX."""
    longest = max([len(heading), *(len(str(name)) for name in names.dropna())])
    return int(min(max(longest * PX_PER_CHARACTER + CELL_PADDING_PX, NAME_WIDTH_MIN), NAME_WIDTH_MAX))


def table_height(rows: int) -> int:
    """Pixels for a table showing all its rows up to TABLE_ROWS_SHOWN (no inner scroll box for 37 areas)."""
    return _HEADER_PX + _ROW_PX * max(min(rows, TABLE_ROWS_SHOWN), 1) + 2


def show_table(
    frame: pd.DataFrame,
    name: str,
    columns: dict | None = None,
    cell_styles: dict | None = None,
    label: str | None = None,
    csv: pd.DataFrame | None = None,
    offer_csv: bool = True,
    **dataframe_options,
) -> None:
    """Draw a table and offer it as CSV: the first (name) column pinned, missing values as "—",
    every row shown up to TABLE_ROWS_SHOWN, the full frame (or `csv`, the numbers behind a text
    table) in the CSV (offer_csv=False for tables that only explain, such as a query's inputs).

    columns maps a column to (heading, printf format, "date", "sparkline" for a list of
    values, or None for text); columns not named are hidden from the table but stay in the CSV.
    Counts take "%,d" (no decimals), money "$%,.0f".
    """
    config = None
    if columns is not None:
        config = {}
        shown_columns = [column for column in columns if column in frame.columns]
        for column, (heading, number_format) in columns.items():
            pinned = bool(shown_columns) and column == shown_columns[0]
            if number_format == "sparkline":
                config[column] = st.column_config.LineChartColumn(heading, width="small")
            elif number_format == "date":
                config[column] = st.column_config.DateColumn(heading, format="YYYY-MM-DD", pinned=pinned or None)
            elif number_format:
                config[column] = st.column_config.NumberColumn(heading, format=number_format, pinned=pinned or None)
            elif pinned:  # the name column as wide as its longest name, within a phone's reach
                config[column] = st.column_config.Column(heading, pinned=True, width=name_width(frame[column], heading))
            else:
                config[column] = st.column_config.Column(heading)
        dataframe_options.setdefault("column_order", shown_columns)
    dataframe_options.setdefault("height", table_height(len(frame)))
    dataframe_options.setdefault("placeholder", fmt.MISSING)
    shown = frame
    if cell_styles:  # colour is added to words and symbols that already carry the meaning
        shown = frame.style
        for column, style in cell_styles.items():
            shown = shown.map(style, subset=[column])
    st.dataframe(shown, hide_index=True, key=f"table-{name}", column_config=config, **dataframe_options)
    if offer_csv:
        download(frame if csv is None else csv, name, label)


# Streamlit keeps the sidebar open over a phone's screen after a page is tapped in it; this closes
# it (as its own "Collapse sidebar" button does) once the tap has chosen a page. Wide screens keep it.
_CLOSE_SIDEBAR_ON_PHONE = """<script>
(() => {
  if (document.body.dataset.bridgeboardClosesSidebar) return;
  document.body.dataset.bridgeboardClosesSidebar = "1";
  document.addEventListener("click", (event) => {
    if (!event.target.closest('[data-testid="stSidebarNavLink"]')) return;
    if (!window.matchMedia("(max-width: 640px)").matches) return;
    setTimeout(() => {
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 60);
  }, true);
})();
</script>"""


def close_sidebar_after_navigation_on_phones() -> None:
    with st.sidebar:
        st.html(_CLOSE_SIDEBAR_ON_PHONE, unsafe_allow_javascript=True)


_VERDICT_BOXES = {"good": st.success, "bad": st.warning, "neutral": st.info}


def show_verdict(verdict) -> None:
    """Draw a components.verdicts.Verdict: coloured only when judged, its statistics as cards."""
    text = f"**{verdict.headline}** {verdict.body}"
    if verdict.judged:
        _VERDICT_BOXES[verdict.tone](text, icon=":material/insights:")
    else:
        with st.container(border=True):
            st.markdown(f":material/help: {text}")
    for note in verdict.notes:
        st.caption(note)
    if verdict.cards:
        for column, card in zip(st.columns(len(verdict.cards)), verdict.cards, strict=True):
            column.metric(card.label, card.value, border=True, help=card.help)


# --- pages ----------------------------------------------------------------------------


def run_page(page: Callable[[], None] | st.navigation) -> None:
    """Run the selected page; a failure becomes one sentence on the page, never a traceback."""
    try:
        page.run()
    except queries.QueryError as error:
        st.error(f"That selection cannot be shown: {fmt.plain(error)}.")
    except Exception:
        log.exception("page failed")
        st.error("This page could not be drawn because of an internal error; it has been logged.")
