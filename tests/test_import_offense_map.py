"""data/offense_map.csv: reviewable, consistent with the schema's offence list, no ambiguity."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from data import db
from data.importers.offenses import CATEGORIES, offense_map, read_rules


@pytest.fixture(scope="module")
def schema_categories():
    con = duckdb.connect()
    db.create_schema(con)
    rows = con.execute("select category, is_violent, is_sensitive from offense_categories").fetchall()
    con.close()
    return {category: (violent, sensitive) for category, violent, sensitive in rows}


def test_categories_and_violence_agree_with_the_schema(schema_categories):
    assert set(CATEGORIES) == set(schema_categories)
    for rule in read_rules():
        assert rule.is_violent == schema_categories[rule.category][0], rule


def test_no_rule_is_listed_twice():
    keys = Counter((rule.scheme, rule.offense, rule.detail) for rule in read_rules())
    assert [key for key, count in keys.items() if count > 1] == []


def test_sexual_and_domestic_offences_land_in_sensitive_categories(schema_categories):
    chicago, lapd = offense_map("chicago"), offense_map("lapd")
    for offense, detail in (
        ("CRIMINAL SEXUAL ASSAULT", "NON-AGGRAVATED"),
        ("CRIM SEXUAL ASSAULT", "PREDATORY"),
        ("SEX OFFENSE", "CRIMINAL SEXUAL ABUSE"),
        ("BATTERY", "DOMESTIC BATTERY SIMPLE"),
        ("BATTERY", "AGG. DOMESTIC BATTERY - HANDS, FISTS, FEET, SERIOUS INJURY"),
        ("OFFENSE INVOLVING CHILDREN", "AGGRAVATED SEXUAL ASSAULT OF CHILD BY FAMILY MEMBER"),
    ):
        assert schema_categories[chicago.category(offense, detail)][1], (offense, detail)
    for description in ("RAPE, FORCIBLE", "INTIMATE PARTNER - SIMPLE ASSAULT", "INTIMATE PARTNER - AGGRAVATED ASSAULT"):
        assert schema_categories[lapd.category(description, None)][1], description


def test_lookup_order_exact_then_prefix_then_any_description():
    chicago = offense_map("chicago")
    assert chicago.category("assault", "aggravated - handgun") == "aggravated_assault"  # prefix AGGRAVATED*
    assert chicago.category("ASSAULT", "SIMPLE") == "simple_assault"  # the offence's default
    assert chicago.category("  theft ", "OVER  $500") == "theft"  # case and spaces forgiven
    assert chicago.category("ROBBERY", None) == "robbery"
    assert chicago.category("MURDER", None) == "homicide"  # the generic list after Chicago's own
    assert chicago.category("aggravated_assault", None) == "aggravated_assault"  # already a category
    assert chicago.category("JAYWALKING", None) is None
