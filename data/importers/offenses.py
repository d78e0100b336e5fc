"""Offence descriptions -> Bridgeboard categories, from the reviewable data/offense_map.csv."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from data.importers.batch import normalise_label

MAP_PATH = Path(__file__).resolve().parent.parent / "offense_map.csv"
CATEGORIES = (
    "homicide", "sexual_assault", "robbery", "aggravated_assault", "simple_assault", "domestic_violence",
    "burglary", "theft", "motor_vehicle_theft", "arson", "vandalism", "fraud",
    "drug_offense", "weapons_offense", "public_order", "trespass", "other",
)  # fmt: skip
# Chicago flags an incident `domestic`; these categories then become domestic_violence.
DOMESTIC_FLAG_CATEGORIES = frozenset({"simple_assault", "aggravated_assault"})


@dataclass(frozen=True)
class OffenseRule:
    scheme: str
    offense: str
    detail: str  # '' = any description; 'PREFIX*' = descriptions starting with PREFIX
    category: str
    is_violent: bool
    note: str


def read_rules(path: Path = MAP_PATH) -> list[OffenseRule]:
    """The mapping table, comment lines (#) skipped."""
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rules = []
    for row in csv.DictReader(lines):
        rules.append(
            OffenseRule(
                row["scheme"].strip().lower(),
                normalise_label(row["offense"]),
                normalise_label(row["detail"] or ""),
                row["category"].strip(),
                row["is_violent"].strip().lower() == "true",
                row.get("note") or "",
            )
        )
    return rules


class OffenseMap:
    """Looks up (offence, description) pairs; the file's own scheme first, then 'any'."""

    def __init__(self, rules: list[OffenseRule], scheme: str | None = None) -> None:
        unknown = {rule.category for rule in rules} - set(CATEGORIES)
        if unknown:
            raise ValueError(f"offense_map.csv uses unknown categories: {', '.join(sorted(unknown))}")
        self.schemes = [scheme, "any"] if scheme and scheme != "any" else ["any"]
        self.exact: dict[tuple[str, str, str], str] = {}
        self.prefixes: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for rule in rules:
            if rule.detail.endswith("*"):
                self.prefixes.setdefault((rule.scheme, rule.offense), []).append((rule.detail[:-1], rule.category))
            else:
                self.exact[(rule.scheme, rule.offense, rule.detail)] = rule.category
        for entries in self.prefixes.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def category(self, offense: str | None, detail: str | None) -> str | None:
        if offense is None:
            return None
        offense_key = normalise_label(offense)
        detail_key = normalise_label(detail) if detail else ""
        direct = offense_key.lower().replace(" ", "_")
        if direct in CATEGORIES and not detail_key:
            return direct
        for scheme in self.schemes:
            if detail_key and (found := self.exact.get((scheme, offense_key, detail_key))):
                return found
            for prefix, category in self.prefixes.get((scheme, offense_key), ()):
                if detail_key.startswith(prefix):
                    return category
            if found := self.exact.get((scheme, offense_key, "")):
                return found
        return direct if direct in CATEGORIES else None


@functools.cache
def offense_map(scheme: str | None = None) -> OffenseMap:
    return OffenseMap(read_rules(), scheme)
