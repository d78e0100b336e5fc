"""Which pages exist and who may open them; app.py turns this into st.navigation.

Access is decided here from the viewer's role (which comes from their identity), so a
page a role may not see is never registered for that session at all.
"""

from __future__ import annotations

from dataclasses import dataclass

AGENCY = frozenset({"chief", "analyst"})
EVERYONE_SIGNED_IN = frozenset({"chief", "analyst", "director"})
# the public report is built from published figures only, so every viewer may open it
EVERYONE = EVERYONE_SIGNED_IN | {"public"}


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    roles: frozenset[str]
    section: str = "Dashboard"

    @property
    def url_path(self) -> str:
        """Where the page is served: its file name ('pages/crime.py' -> /crime)."""
        return self.path.removeprefix("pages/").removesuffix(".py")


# The first page a role may open is served at the root URL; Streamlit still reserves it a name,
# which must differ from the page's own (that one is kept for a hidden alias, so /overview works).
HOME = "home"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", EVERYONE_SIGNED_IN),
    PageSpec("pages/crime.py", "Crime trends", ":material/trending_down:", EVERYONE_SIGNED_IN),
    PageSpec("pages/trust.py", "Community trust", ":material/groups:", EVERYONE_SIGNED_IN),
    PageSpec("pages/partnerships.py", "Partnerships", ":material/handshake:", EVERYONE_SIGNED_IN),
    PageSpec("pages/impact.py", "Impact", ":material/insights:", EVERYONE_SIGNED_IN),
    PageSpec("pages/programs.py", "Programs scorecard", ":material/checklist:", EVERYONE_SIGNED_IN),
    PageSpec("pages/map.py", "Map", ":material/map:", EVERYONE_SIGNED_IN),
    PageSpec("pages/import_data.py", "Import data", ":material/upload:", AGENCY, "Data"),
    PageSpec("pages/methodology.py", "Methodology", ":material/menu_book:", EVERYONE_SIGNED_IN, "About"),
    PageSpec("pages/transparency.py", "Public report", ":material/public:", EVERYONE, "About"),
)


def pages_for(role: str) -> list[PageSpec]:
    """The pages a role may open, in menu order."""
    return [page for page in PAGES if role in page.roles]
