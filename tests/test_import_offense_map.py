"""The offence tables: NIBRS codes, FBI classes, the description map and the code tables, reviewable and consistent."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from data import db
from data.importers.offenses import CATEGORIES, offense_map, read_code_rules, read_rules

# The FBI UCR definitions, written out here independently of data/nibrs_offenses.csv.
FBI_VIOLENT = {"09A", "11A", "11B", "11C", "120", "13A"}
FBI_PROPERTY = {"220", "23A", "23B", "23C", "23D", "23E", "23F", "23G", "23H", "240", "200"}
# Chicago's index crimes by its FBI code; LAPD's violent crime codes (README of data/offense_codes.csv)
CHICAGO_VIOLENT, CHICAGO_PROPERTY = {"01A", "02", "03", "04A", "04B"}, {"05", "06", "07", "09"}
LAPD_VIOLENT = {"110", "121", "122", "815", "820", "821", "210", "220", "230", "231", "235", "236", "250", "251",
                "435", "436", "761"}  # fmt: skip


@pytest.fixture(scope="module")
def schema():
    con = duckdb.connect()
    db.create_schema(con)
    yield con
    con.close()


def _nibrs(schema) -> dict[str, tuple]:
    rows = schema.execute(
        "select nibrs_code, crime_class, crimes_against, category, is_sensitive from nibrs_offenses"
    ).fetchall()
    return {code: rest for code, *rest in rows}


def _sensitive(schema) -> dict[str, bool]:
    return dict(schema.execute("select category, is_sensitive from offense_categories").fetchall())


def test_the_fbi_classes_follow_the_ucr_definitions(schema):
    nibrs = _nibrs(schema)
    assert {code for code, (crime_class, *_) in nibrs.items() if crime_class == "violent"} == FBI_VIOLENT
    assert {code for code, (crime_class, *_) in nibrs.items() if crime_class == "property"} == FBI_PROPERTY
    # robbery is violent for the FBI but a crime against property for NIBRS; extortion is property, not violent
    assert nibrs["120"][:2] == ["violent", "property"]
    assert nibrs["210"][:2] == ["other", "property"]
    assert nibrs["90Z"][1] == "unspecified"
    assert {code for code, row in nibrs.items() if row[3]} == {"11A", "11B", "11C", "11D", "36A", "36B", "64A"}


def test_the_database_refuses_a_code_filed_under_a_category_of_other_sensitivity(schema):
    with pytest.raises(duckdb.ConstraintException):
        schema.execute(
            "insert into nibrs_offenses values ('11X', 'Test', 'A', 'person', 'violent', 'theft', null, true, null)"
        )


def test_an_incident_cannot_carry_a_class_its_code_does_not_have(schema):
    schema.execute("insert into agencies values (1, 'Test PD', 'police', null, null)")
    schema.execute(
        "insert into areas (area_id, agency_id, area_code, name, kind, urbanicity)"
        " values (1, 1, 'A', 'A', 'town', 'urban')"
    )
    with pytest.raises(duckdb.ConstraintException):
        schema.execute(
            "insert into incidents values (1, null, timestamp '2024-01-01 12:00', 1, '13B', 'simple_assault',"
            " 'violent', 'person', null, null)"
        )


def test_categories_agree_with_the_schema(schema):
    assert set(CATEGORIES) == set(_sensitive(schema))


def test_every_rule_names_a_known_code_and_never_publishes_a_sensitive_offence(schema):
    nibrs, sensitive = _nibrs(schema), _sensitive(schema)
    for rule in [*read_rules(), *read_code_rules()]:
        assert rule.nibrs_code in nibrs, rule
        if rule.category:
            assert rule.category in sensitive, rule
            assert rule.category != nibrs[rule.nibrs_code][2], f"{rule}: the override repeats the code's category"
            # an override may make an offence sensitive, never the reverse
            assert sensitive[rule.category] or not nibrs[rule.nibrs_code][3], rule


def test_no_rule_is_listed_twice():
    keys = Counter((rule.scheme, rule.offense, rule.detail) for rule in read_rules())
    assert [key for key, count in keys.items() if count > 1] == []
    codes = Counter((rule.scheme, rule.code) for rule in read_code_rules())
    assert [key for key, count in codes.items() if count > 1] == []


@pytest.mark.parametrize(
    ("scheme", "violent", "property"),
    [("chicago_fbi", CHICAGO_VIOLENT, CHICAGO_PROPERTY), ("lapd", LAPD_VIOLENT, None)],
)
def test_source_codes_map_to_the_fbi_classes(schema, scheme, violent, property):
    nibrs = _nibrs(schema)
    rules = [rule for rule in read_code_rules() if rule.scheme == scheme]
    assert {rule.code for rule in rules if nibrs[rule.nibrs_code][0] == "violent"} == violent
    if property is not None:
        assert {rule.code for rule in rules if nibrs[rule.nibrs_code][0] == "property"} == property


def test_sexual_and_domestic_offences_land_in_sensitive_categories(schema):
    sensitive = _sensitive(schema)
    chicago, lapd = offense_map("chicago"), offense_map("lapd")
    for offense, detail in (
        ("CRIMINAL SEXUAL ASSAULT", "NON-AGGRAVATED"),
        ("CRIM SEXUAL ASSAULT", "PREDATORY"),
        ("SEX OFFENSE", "CRIMINAL SEXUAL ABUSE"),
        ("BATTERY", "DOMESTIC BATTERY SIMPLE"),
        ("BATTERY", "AGG. DOMESTIC BATTERY - HANDS, FISTS, FEET, SERIOUS INJURY"),
        ("OFFENSE INVOLVING CHILDREN", "AGGRAVATED SEXUAL ASSAULT OF CHILD BY FAMILY MEMBER"),
    ):
        assert sensitive[chicago.category(offense, detail)], (offense, detail)
    for description in ("RAPE, FORCIBLE", "INTIMATE PARTNER - SIMPLE ASSAULT", "INTIMATE PARTNER - AGGRAVATED ASSAULT"):
        assert sensitive[lapd.category(description, None)], description


def test_lookup_order_exact_then_prefix_then_any_description():
    chicago = offense_map("chicago")
    assert chicago.by_description("assault", "aggravated - handgun").nibrs_code == "13A"  # prefix AGGRAVATED*
    assert chicago.by_description("ASSAULT", "SIMPLE").nibrs_code == "13B"  # the offence's default
    assert chicago.by_description("  theft ", "OVER  $500").nibrs_code == "23H"  # case and spaces forgiven
    assert chicago.by_description("THEFT", "RETAIL THEFT").nibrs_code == "23C"
    assert chicago.by_description("MURDER", None).nibrs_code == "09A"  # the generic list after Chicago's own
    assert chicago.by_description("Intimidation", None).nibrs_code == "13C"  # NIBRS's own offence name
    assert chicago.by_description("23f", None).nibrs_code == "23F"  # a NIBRS code in the description column
    direct = chicago.by_description("aggravated_assault", None)  # already a category: no code, its class
    assert (direct.nibrs_code, direct.category, direct.crime_class) == (None, "aggravated_assault", "violent")
    assert chicago.by_description("JAYWALKING", None) is None


def test_extortion_is_a_property_crime_not_robbery():
    found = offense_map("lapd", "lapd").resolve("940", "EXTORTION", None)
    assert (found.nibrs_code, found.category, found.crime_class, found.crimes_against) == (
        "210",
        "fraud",
        "other",
        "property",
    )


def test_a_code_decides_the_class_and_a_description_refines_it_within_it():
    chicago = offense_map("chicago", "chicago_fbi")
    # 26 misc non-index: the description finds 90J trespass, the same (other) class
    assert chicago.resolve("26", "CRIMINAL TRESPASS", "TO LAND").nibrs_code == "90J"
    assert chicago.resolve("06", "THEFT", "RETAIL THEFT").nibrs_code == "23C"
    assert chicago.resolve("4b", "BATTERY", "AGG. DOMESTIC BATTERY - HANDS").category == "domestic_violence"
    # Chicago files lost property under fraud (11); the description's larceny (property) would change the class
    kept = chicago.resolve("11", "DECEPTIVE PRACTICE", "THEFT OF LOST / MISLAID PROPERTY")
    assert (kept.nibrs_code, kept.crime_class) == ("26A", "other")
    # an unknown code falls back to the description; neither known: nothing
    assert chicago.resolve("99", "ROBBERY", None).nibrs_code == "120"
    assert chicago.resolve("99", None, None) is None


def test_the_domestic_flag_keeps_the_class():
    lookup = offense_map()
    aggravated, simple = lookup.domestic(lookup.offence("13A")), lookup.domestic(lookup.offence("13B"))
    assert (aggravated.category, aggravated.crime_class) == ("domestic_violence", "violent")
    assert (simple.category, simple.crime_class) == ("domestic_violence", "other")
    assert lookup.domestic(lookup.offence("120")).category == "robbery"  # not an assault: unchanged
