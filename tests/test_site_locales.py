"""Every string of the public report is in both locale files, and a missing one fails the build."""

import re
import string
from pathlib import Path

import duckdb
import pytest

from data import publish
from reports import i18n, site

ROOT = Path(__file__).resolve().parent.parent
CODED = {
    "org_type": ("youth", "mental_health", "neighborhood_association", "advocacy", "housing", "substance_use",
                 "domestic_violence", "faith", "other"),
    "status": ("planned", "active", "paused", "ended"),
    "sharing": ("none", "aggregate", "case_level"),
    "source": ("agency", "nonprofit", "grant", "private", "in_kind"),
    "audience": ("resident", "officer"),
    "side": ("urban", "rural", "all"),
    "side_in": ("urban", "rural", "all"),
    "crime_class": publish.CRIME_CLASSES,
    "crime_class_rate": publish.CRIME_CLASSES,
}  # fmt: skip


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_hold_the_same_keys_with_the_same_placeholders():
    english, spanish = i18n.words("en").strings, i18n.words("es").strings
    assert sorted(set(english) - set(spanish)) == []
    assert sorted(set(spanish) - set(english)) == []
    for key in english:
        assert placeholders(english[key]) == placeholders(spanish[key]), key


def test_every_key_named_in_the_code_and_templates_exists():
    sources = [*(ROOT / "reports" / "templates").glob("*.j2"), ROOT / "reports" / "site.py",
               ROOT / "components" / "public_text.py", ROOT / "components" / "public_tables.py",
               ROOT / "components" / "public_views.py",
               ROOT / "pages" / "transparency.py"]  # fmt: skip
    named = set()
    for path in sources:
        text = path.read_text()
        named |= set(re.findall(r"""\bt\(\s*["']([a-z_.-]+)["']""", text))
        named |= set(re.findall(r"""\.(?:t|sentence)\(\s*["']([a-z_.-]+)["']""", text))
    named = {key for key in named if not key.endswith(".")}  # "nav." ~ name: the build checks those
    assert len(named) > 50
    for language in i18n.LANGUAGES:
        words = i18n.words(language)
        assert sorted(key for key in named if not words.has(key)) == [], language


def test_every_coded_value_has_words():
    for language in i18n.LANGUAGES:
        words = i18n.words(language)
        for prefix, values in CODED.items():
            for value in values:
                assert words.has(f"{prefix}.{value}"), (language, prefix, value)


def test_every_published_table_column_and_manifest_entry_is_described(public_fixture_path):
    with duckdb.connect(str(public_fixture_path), read_only=True) as con:
        manifest_keys = [key for (key,) in con.execute("select key from manifest").fetchall()]
        described = con.execute("select distinct column_name from information_schema.columns").fetchall()
        columns = {name for (name,) in described}
    for language in i18n.LANGUAGES:
        words = i18n.words(language)
        assert [key for key in manifest_keys if not words.has(f"about.manifest.{key}")] == [], language
        assert sorted(column for column in columns if not words.has(f"columns.{column}")) == [], language
        for table in publish.TABLES:
            assert words.has(f"tables.{table}.title") and words.has(f"tables.{table}.description"), table
        for column in columns:
            unit, _, meaning = words.t(f"columns.{column}").partition(" | ")
            assert meaning and words.has(f"units.{unit}"), (language, column)


def test_a_missing_translation_fails_the_build(public_fixture_path, tmp_path, monkeypatch):
    spanish = i18n.words("es")
    strings = dict(spanish.strings)
    del strings["pages.trust.intro"]
    monkeypatch.setattr(spanish, "strings", strings)
    with pytest.raises(i18n.MissingTranslation, match=r"'es' has no text for 'pages\.trust\.intro'"):
        site.build(public_fixture_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_numbers_and_dates_follow_the_language():
    english, spanish = i18n.words("en"), i18n.words("es")
    assert (english.number(12345.678, 1), english.percent(-3.04, 1, signed=True)) == ("12,345.7", "-3.0%")
    assert english.month("2026-09-01") == "September 2026"
    assert spanish.month("2026-09-01") == "septiembre de 2026"
    assert (english.quarter("2024-Q4"), spanish.quarter("2024-Q4")) == ("Q4 2024", "T4 2024")
    assert english.percent(2.5, 1, signed=True) == "+2.5%"
    assert english.p_value(0.0004) == "below 0.001" and spanish.p_value(0.0004) == "menor que 0.001"
    assert english.money(1234567.4) == "$1,234,567"
