"""The demo generator: determinism, shape, geography, surveys, constraints and the planted truth."""

from __future__ import annotations

import itertools
from datetime import date

import duckdb
import pytest
import shapely

from data import db, demo

SMALL_INCIDENTS = 20_000
ORG_TYPES = {
    "youth",
    "mental_health",
    "neighborhood_association",
    "advocacy",
    "housing",
    "substance_use",
    "domestic_violence",
    "faith",
    "other",
}


@pytest.fixture(scope="module")
def small_builds(tmp_path_factory):
    """Checksums of three small builds: seed 1, seed 1 again with tiny flushes, seed 2; plus a writable path."""
    folder = tmp_path_factory.mktemp("demo_small")
    checksums = {}
    for label, seed, flush_rows in (("seed1", 1, 500_000), ("seed1_tiny_flushes", 1, 997), ("seed2", 2, 500_000)):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(demo, "INCIDENT_FLUSH_ROWS", flush_rows)
            demo.build(folder / f"{label}.duckdb", seed=seed, incidents=SMALL_INCIDENTS)
        con = duckdb.connect(str(folder / f"{label}.duckdb"), read_only=True)
        checksums[label] = db.table_checksums(con)
        con.close()
    return {"checksums": checksums, "writable": folder / "seed2.duckdb"}


@pytest.fixture
def writable_con(small_builds):
    con = duckdb.connect(str(small_builds["writable"]))
    yield con
    con.close()


def _rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def _scalar(con, sql, params=None):
    return _rows(con, sql, params)[0][0]


def _served_area_ids(con, partnership_name):
    return {
        area_id
        for (area_id,) in _rows(
            con,
            "select area_id from partnership_areas join partnerships using (partnership_id) where name = ?",
            [partnership_name],
        )
    }


def _start_date(con, partnership_name):
    return _scalar(con, "select start_date from partnerships where name = ?", [partnership_name])


def _add_months(day, months):
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_identical_tables_whatever_the_flush_size(small_builds):
    checksums = small_builds["checksums"]
    assert checksums["seed1"] == checksums["seed1_tiny_flushes"]


def test_other_seed_changes_the_numbers_but_not_the_cast(small_builds):
    seed1, seed2 = small_builds["checksums"]["seed1"], small_builds["checksums"]["seed2"]
    assert seed1["incidents"] != seed2["incidents"]
    assert seed1["survey_responses"] != seed2["survey_responses"]
    for cast_table in ("agencies", "areas", "nonprofits", "partnerships", "programs", "partnership_areas"):
        assert seed1[cast_table] == seed2[cast_table], cast_table


def test_small_build_has_exactly_the_requested_incidents(small_builds):
    for checksums in small_builds["checksums"].values():
        assert checksums["incidents"][0] == SMALL_INCIDENTS


# --- shape of the default build -------------------------------------------------------------------


# The demo agency reports incidents, so it holds no imported counts and needed no offence choices.
NOT_IN_THE_DEMO = ["crime_counts", "offense_choices"]


def test_every_table_has_rows(demo_con):
    empty = [table for table in db.schema_tables(demo_con) if _scalar(demo_con, f'select count(*) from "{table}"') == 0]
    assert empty == NOT_IN_THE_DEMO


def test_meta_records_seed_and_size(demo_con):
    meta = dict(_rows(demo_con, "select key, value from schema_meta"))
    assert meta["demo_seed"] == "1"
    assert meta["demo_incidents"] == "300000"


def test_exact_incident_total_and_rollup_sums_to_it(demo_con):
    assert _rows(demo_con, "select count(*), max(incident_id), count(distinct source_id) from incidents")[0] == (
        300_000,
        300_000,
        300_000,
    )
    assert _scalar(demo_con, "select sum(incidents) from crime_monthly") == 300_000


def test_incidents_stay_inside_the_demo_period(demo_con):
    first, last = _rows(demo_con, "select min(occurred_at)::date, max(occurred_at)::date from incidents")[0]
    assert first >= demo.DEMO_START and last <= demo.DEMO_END
    assert _scalar(demo_con, "select count(distinct month) from crime_monthly") == 81


def test_fbi_class_mix_is_the_generators(demo_con):
    shares = dict(
        _rows(
            demo_con,
            "select crime_class, sum(incidents) / (select sum(incidents) from crime_monthly)"
            " from crime_monthly group by 1",
        )
    )
    expected = demo._expected_counts().sum(axis=(0, 1))
    for index, crime_class in enumerate(demo.CRIME_CLASSES):  # about 25 / 40 / 35 %
        assert shares[crime_class] == pytest.approx(expected[index] / expected.sum(), abs=0.01), crime_class


def test_every_incident_carries_the_nibrs_code_of_its_class(demo_con):
    rows = dict(
        _rows(
            demo_con,
            """
            select incidents.crime_class, count(*) from incidents
            join nibrs_offenses using (nibrs_code, crime_class, crimes_against) group by 1
            """,
        )
    )
    assert sum(rows.values()) == _scalar(demo_con, "select count(*) from incidents")
    codes = {
        code for (code,) in _rows(demo_con, "select distinct nibrs_code from incidents where crime_class = 'violent'")
    }
    assert codes == {"09A", "11A", "11B", "11C", "120", "13A"}  # the FBI's violent crime
    # a domestic aggravated assault is FBI violent and sensitive; a domestic simple assault is not violent
    assert set(
        _rows(demo_con, "select distinct nibrs_code, crime_class from incidents where category = 'domestic_violence'")
    ) == {("13A", "violent"), ("13B", "other"), ("90Z", "other")}


def test_offence_shares_sum_to_one_in_each_class():
    for crime_class, rows in demo.OFFENCE_SHARES.items():
        assert sum(share for *_, share in rows) == pytest.approx(1.0), crime_class


def test_urban_neighbourhoods_have_hundreds_of_violent_incidents_a_year(demo_con):
    # 2021 is before any planted effect
    violent_2021 = _rows(
        demo_con,
        """
        select area_code, sum(incidents)
        from crime_monthly join areas using (area_id)
        where crime_class = 'violent' and year(month) = 2021 and urbanicity = 'urban'
        group by 1
        """,
    )
    assert len(violent_2021) == 25
    assert all(250 <= count <= 700 for _, count in violent_2021), violent_2021  # FBI violent crime


def test_rural_townships_have_far_lower_crime_rates_than_the_city(demo_con):
    rates = dict(
        _rows(
            demo_con,
            """
            with residents as (select urbanicity, sum(population) as population from areas group by 1)
            select urbanicity, 1000.0 * sum(incidents) / any_value(residents.population)
            from crime_monthly join areas using (area_id) join residents using (urbanicity)
            where year(month) = 2021
            group by urbanicity
            """,
        )
    )
    assert rates["rural"] < rates["urban"] / 2


def test_incident_points_lie_inside_their_own_area(demo_con):
    polygons = {
        area_id: shapely.from_wkb(wkb)
        for area_id, wkb in _rows(demo_con, "select area_id, st_aswkb(geometry) from areas")
    }
    sample = _rows(demo_con, "select area_id, lon, lat from incidents where lat is not null and incident_id % 97 = 0")
    outside = [row for row in sample if not shapely.contains_xy(polygons[row[0]], row[1], row[2])]
    assert len(sample) > 3_000
    assert outside == []


def test_case_numbers_follow_the_clock_within_each_year(demo_con):
    out_of_order = _scalar(
        demo_con,
        """
        select count(*) from (
            select occurred_at < lag(occurred_at) over (order by incident_id) as went_back from incidents
        ) where went_back
        """,
    )
    assert out_of_order == 0
    assert _scalar(demo_con, "select source_id from incidents where incident_id = 1") == "RM-2020-0000001"


# --- geography ----------------------------------------------------------------------------------------


def test_areas_are_25_urban_neighbourhoods_and_12_rural_townships(demo_con):
    counts = _rows(demo_con, "select kind, urbanicity, class_scheme, count(*) from areas group by all order by all")
    assert counts == [("neighbourhood", "urban", "RUCA", 25), ("township", "rural", "RUCA", 12)]
    assert (
        _scalar(demo_con, "select count(*) from areas where urbanicity = 'rural' and class_code between 7 and 10") >= 8
    )


def test_area_polygons_tile_the_county_without_gaps_or_overlaps(demo_con):
    rows = _rows(demo_con, "select area_code, st_aswkb(geometry), land_km2, centroid_lon, centroid_lat from areas")
    polygons = [shapely.from_wkb(wkb) for _, wkb, *_ in rows]
    county = demo.county_polygon()
    assert all(polygon.is_valid and polygon.geom_type == "Polygon" for polygon in polygons)
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(polygons, 2))
    assert overlap <= 1e-12 * county.area
    union = shapely.union_all(polygons)
    assert union.area == pytest.approx(county.area, rel=1e-9)
    assert union.symmetric_difference(county).area <= 1e-9 * county.area
    for (_, _, _, lon, lat), polygon in zip(rows, polygons, strict=True):
        assert polygon.contains(shapely.Point(lon, lat))
    # projected areas: about 2,770 km2 for the county, 15 km2 for a neighbourhood
    assert sum(row[2] for row in rows) == pytest.approx(2_770, rel=0.03)


def test_areas_sit_near_the_stated_centre(demo_con):
    lat, lon = _rows(demo_con, "select avg(centroid_lat), avg(centroid_lon) from areas")[0]
    assert lat == pytest.approx(demo.CENTRE_LAT, abs=0.1)
    assert lon == pytest.approx(demo.CENTRE_LON, abs=0.1)


# --- the cast ---------------------------------------------------------------------------------------------


def test_nonprofits_cover_every_org_type(demo_con):
    assert {org_type for (org_type,) in _rows(demo_con, "select org_type from nonprofits")} == ORG_TYPES


def test_partnerships_have_a_realistic_mix_of_statuses_and_start_years(demo_con):
    statuses = dict(_rows(demo_con, "select status, count(*) from partnerships group by 1"))
    assert statuses["active"] > statuses["ended"] + statuses["paused"] + statuses["planned"]
    assert statuses["planned"] == 1
    assert statuses["ended"] >= 2 and statuses["paused"] >= 1
    years = {year for (year,) in _rows(demo_con, "select year(start_date) from partnerships where status <> 'planned'")}
    assert years == {2020, 2021, 2022, 2023, 2024, 2025}
    rural_programs = _scalar(
        demo_con,
        "select count(distinct program_id) from program_areas join areas using (area_id) where urbanicity = 'rural'",
    )
    assert rural_programs >= 5


def test_program_activity_runs_monthly_without_gaps_from_each_start(demo_con):
    spans = _rows(
        demo_con,
        """
        select program_id, min(month), max(month), count(*), any_value(date_trunc('month', start_date)::date)
        from program_activity join programs using (program_id) group by program_id
        """,
    )
    for program_id, first, last, months, start_month in spans:
        assert first == start_month, program_id
        assert months == (last.year - first.year) * 12 + last.month - first.month + 1, program_id
    planned = _scalar(demo_con, "select count(*) from programs where start_date > ?", [demo.DEMO_END])
    assert len(spans) == _scalar(demo_con, "select count(*) from programs") - planned


def test_kpis_cover_every_rba_category_and_both_polarities(demo_con):
    assert {row[0] for row in _rows(demo_con, "select rba_category from kpis")} == {
        "how_much",
        "how_well",
        "better_off",
    }
    assert {row[0] for row in _rows(demo_con, "select higher_is_better from kpis")} == {True, False}
    per_program = [count for (count,) in _rows(demo_con, "select count(*) from kpis group by program_id")]
    assert min(per_program) >= 3 and max(per_program) <= 5


def test_funding_uses_every_source(demo_con):
    sources = {row[0] for row in _rows(demo_con, "select distinct source from program_funding")}
    assert sources == {"agency", "nonprofit", "grant", "private", "in_kind"}


def test_trainings_are_partly_co_delivered_with_a_partnership(demo_con):
    total, co_delivered, co_delivered_with_partnership = _rows(
        demo_con,
        "select count(*), count(*) filter (where is_co_delivered),"
        " count(*) filter (where is_co_delivered and partnership_id is not null) from trainings",
    )[0]
    assert total == demo.TRAINING_COUNT
    assert 5 <= co_delivered < total
    assert co_delivered_with_partnership == co_delivered


def test_feedback_comes_from_both_sides_and_nonprofits_rate_resources_lower(demo_con):
    resources = dict(_rows(demo_con, "select respondent_side, avg(resources) from partner_feedback group by 1"))
    assert set(resources) == {"agency", "nonprofit"}
    assert resources["nonprofit"] < resources["agency"]


def test_app_users_have_a_chief_an_analyst_and_a_director_per_nonprofit(demo_con):
    roles = dict(_rows(demo_con, "select role, count(*) from app_users group by 1"))
    nonprofits = _scalar(demo_con, "select count(*) from nonprofits")
    assert roles == {"chief": 1, "analyst": 1, "director": nonprofits}
    assert _scalar(demo_con, "select role from app_users where email = 'chief@riverton.example'") == "chief"


def test_import_log_records_the_build_and_a_vendor_file_with_rejections(demo_con):
    log = _rows(
        demo_con,
        "select import_id, kind, imported_at, rows_read, rows_accepted, rows_rejected from import_log order by 1",
    )
    assert [row[1] for row in log] == ["demo", "survey-scores"]
    assert all(row[2] == demo.DEMO_BUILT_AT or row[2] == demo.VENDOR_IMPORTED_AT for row in log)
    vendor_id, _, _, read, accepted, rejected = log[1]
    assert rejected == _scalar(demo_con, "select count(*) from rejected_rows where import_id = ?", [vendor_id]) > 0
    assert accepted == _scalar(demo_con, "select count(*) from survey_scores")
    assert read == accepted + rejected


# --- surveys -------------------------------------------------------------------------------------------


def test_waves_are_27_quarterly_resident_and_6_officer_on_their_own_scales(demo_con):
    waves = _rows(
        demo_con, "select audience, scale_min, scale_max, count(*) from survey_waves group by all order by all"
    )
    assert waves == [("officer", 1, 7, 6), ("resident", 1, 5, 27)]


def test_weights_positive_and_effective_n_below_n_in_every_wave(demo_con):
    per_wave = _rows(
        demo_con,
        "select wave_id, count(*), min(weight), sum(weight) ^ 2 / sum(weight ^ 2) from survey_responses group by 1",
    )
    assert len(per_wave) == 33
    for wave_id, n, min_weight, n_eff in per_wave:
        assert min_weight > 0, wave_id
        assert n_eff < n, wave_id


def test_items_stay_within_each_wave_scale_and_use_it(demo_con):
    items = ["trust_respect", "trust_listen", "trust_fair", "trust_rely", "safety_day", "safety_night"]
    for audience, scale_min, scale_max, *ranges in _rows(
        demo_con,
        "select audience, any_value(w.scale_min), any_value(w.scale_max), "
        + ", ".join(f"min({item}), max({item})" for item in items)
        + " from survey_responses join survey_waves w using (wave_id) group by audience",
    ):
        assert min(ranges[0::2]) == scale_min, audience
        assert max(ranges[1::2]) == scale_max, audience


def test_resident_samples_are_smaller_in_rural_townships(demo_con):
    sizes = _rows(
        demo_con,
        """
        select urbanicity, min(n), max(n) from (
            select wave_id, area_id, urbanicity, count(*) as n
            from survey_responses join survey_waves using (wave_id) join areas using (area_id)
            where audience = 'resident' group by all
        ) group by 1 order by 1
        """,
    )
    (rural, rural_min, rural_max), (urban, urban_min, urban_max) = sizes
    assert (rural, urban) == ("rural", "urban")
    assert rural_min >= 10 and rural_max <= 25
    assert urban_min >= 40 and urban_max <= 80


def test_demographics_and_items_have_a_little_nonresponse(demo_con):
    missing_age, missing_item, no_trust_at_all = _rows(
        demo_con,
        """
        select avg((age_band is null)::int), avg((trust_fair is null)::int),
               count(*) filter (where coalesce(trust_respect, trust_listen, trust_fair, trust_rely) is null)
        from survey_responses
        """,
    )[0]
    assert missing_age == pytest.approx(0.03, abs=0.01)
    assert missing_item == pytest.approx(0.055, abs=0.015)
    assert no_trust_at_all > 10


# --- constraints ------------------------------------------------------------------------------------


BAD_ROWS = {
    "likert 6 on a 1-5 wave": """
        insert into survey_responses (response_id, wave_id, scale_min, scale_max, area_id, weight, trust_respect)
        select 999999999, wave_id, 1, 5, 1, 1.0, 6 from survey_waves where audience = 'resident' limit 1
    """,
    "a 1-5 response claiming the 1-7 officer scale": """
        insert into survey_responses (response_id, wave_id, scale_min, scale_max, area_id, weight, trust_respect)
        select 999999999, wave_id, 1, 7, 1, 1.0, 6 from survey_waves where audience = 'resident' limit 1
    """,
    "urbanicity suburban": """
        insert into areas (area_id, agency_id, area_code, name, kind, urbanicity)
        values (999, 1, 'X99', 'Nowhere', 'town', 'suburban')
    """,
    "RUCA 7 called urban": """
        insert into areas (area_id, agency_id, area_code, name, kind, urbanicity, class_code, class_scheme)
        values (999, 1, 'X99', 'Nowhere', 'town', 'urban', 7, 'RUCA')
    """,
    "partnership ending before it starts": """
        insert into partnerships (partnership_id, agency_id, nonprofit_id, name, start_date, end_date, status)
        values (999, 1, 1, 'Backwards', date '2024-01-01', date '2023-01-01', 'ended')
    """,
    "negative session count": """
        insert into program_activity (program_id, month, sessions) values (1, date '2019-01-01', -1)
    """,
    "FBI class disagreeing with the NIBRS code": """
        insert into incidents (incident_id, occurred_at, area_id, nibrs_code, category, crime_class, crimes_against)
        values (999999999, timestamp '2024-01-01 12:00', 1, '23H', 'theft', 'violent', 'property')
    """,
    "unknown NIBRS code": """
        insert into incidents (incident_id, occurred_at, area_id, nibrs_code, category, crime_class, crimes_against)
        values (999999999, timestamp '2024-01-01 12:00', 1, '99Q', 'theft', 'property', 'property')
    """,
    "zero survey weight": """
        insert into survey_responses (response_id, wave_id, scale_min, scale_max, area_id, weight)
        select 999999999, wave_id, scale_min, scale_max, 1, 0.0 from survey_waves limit 1
    """,
}


@pytest.mark.parametrize("sql", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_database_refuses_bad_rows(writable_con, sql):
    with pytest.raises(duckdb.ConstraintException):
        writable_con.execute(sql)


# --- planted truth ---------------------------------------------------------------------------------


def _planted_crime_partnerships():
    return [effect.partnership_name for effect in demo.PLANTED_CRIME_EFFECTS] + [
        null.partnership_name for null in demo.PLANTED_NULLS
    ]


def test_planted_partnerships_exist_serve_disjoint_urban_areas_and_start_well_inside_the_period(demo_con):
    planted = _planted_crime_partnerships() + [effect.partnership_name for effect in demo.PLANTED_TRUST_EFFECTS]
    served = {name: _served_area_ids(demo_con, name) for name in planted}
    assert all(served.values()), served
    for first, second in itertools.combinations(planted, 2):
        assert not served[first] & served[second], (first, second)
    urban = {area_id for (area_id,) in _rows(demo_con, "select area_id from areas where urbanicity = 'urban'")}
    assert set().union(*served.values()) <= urban
    for name in planted:
        start = _start_date(demo_con, name)
        assert _add_months(demo.DEMO_START, 24) <= start <= _add_months(demo.DEMO_END, -24), name


def test_planted_youth_partnerships_run_youth_programs(demo_con):
    for effect in demo.PLANTED_CRIME_EFFECTS:
        foci = _rows(
            demo_con,
            "select distinct focus from programs join partnerships using (partnership_id) where partnerships.name = ?",
            [effect.partnership_name],
        )
        assert foci == [("youth",)]


def _violent_ratio_of_ratios(con, partnership_name, before_start, after_start):
    """(treated after / before) / (control after / before); control = urban areas no youth program serves."""
    treated = _served_area_ids(con, partnership_name)
    control = {
        area_id
        for (area_id,) in _rows(
            con,
            """
            select area_id from areas where urbanicity = 'urban' and area_id not in (
                select area_id from program_areas join programs using (program_id) where focus = 'youth'
            ) and area_id not in (select area_id from partnership_areas join partnerships using (partnership_id)
                                  where name = ?)
            """,
            [partnership_name],
        )
    }

    def violent(area_ids, first_month):
        return _scalar(
            con,
            """
            select sum(incidents) from crime_monthly
            where crime_class = 'violent' and list_contains(?, area_id)
              and month >= ? and month < ?
            """,
            [sorted(area_ids), first_month, _add_months(first_month, 12)],
        )

    return (violent(treated, after_start) / violent(treated, before_start)) / (
        violent(control, after_start) / violent(control, before_start)
    )


@pytest.mark.parametrize("effect", demo.PLANTED_CRIME_EFFECTS, ids=lambda effect: effect.partnership_name)
def test_planted_violent_drop_shows_in_raw_counts(demo_con, effect):
    start = _start_date(demo_con, effect.partnership_name)
    ratio = _violent_ratio_of_ratios(
        demo_con, effect.partnership_name, _add_months(start, -12), _add_months(start, effect.lag_months)
    )
    assert 0.6 <= ratio <= 0.8
    assert ratio == pytest.approx(1 + effect.change_pct / 100, abs=0.1)


@pytest.mark.parametrize("null", demo.PLANTED_NULLS, ids=lambda null: null.partnership_name)
def test_planted_null_shows_no_violent_change(demo_con, null):
    start = _start_date(demo_con, null.partnership_name)
    ratio = _violent_ratio_of_ratios(demo_con, null.partnership_name, _add_months(start, -12), start)
    assert 0.9 <= ratio <= 1.1


def _trust_before_after(con, area_ids, start):
    """Mean resident trust index on 0-100 (unweighted) before and on/after `start` in the given areas."""
    rows = _rows(
        con,
        """
        with scored as (
            select
                responded_on >= ? as after,
                list_avg([trust_respect, trust_listen, trust_fair, trust_rely]) as trust_mean,
                (trust_mean - scale_min) / (scale_max - scale_min) * 100 as trust_0_100,
            from survey_responses join survey_waves using (wave_id, scale_min, scale_max)
            where audience = 'resident' and list_contains(?, area_id)
        )
        select after, avg(trust_0_100) from scored where trust_0_100 is not null group by 1 order by 1
        """,
        [start, sorted(area_ids)],
    )
    return dict(rows)


@pytest.mark.parametrize("effect", demo.PLANTED_TRUST_EFFECTS, ids=lambda effect: effect.partnership_name)
def test_planted_trust_shift_is_recovered_and_nowhere_else(demo_con, effect):
    start = _start_date(demo_con, effect.partnership_name)
    served = _served_area_ids(demo_con, effect.partnership_name)
    trust = _trust_before_after(demo_con, served, start)
    # the ceiling of the 1-5 scale takes about 0.2 points off the latent +8
    assert trust[True] - trust[False] == pytest.approx(effect.shift_0_100, abs=2.5)
    others = {area_id for (area_id,) in _rows(demo_con, "select area_id from areas where urbanicity = 'urban'")}
    elsewhere = _trust_before_after(demo_con, others - served, start)
    assert elsewhere[True] - elsewhere[False] == pytest.approx(0, abs=1.5)


def test_planted_constants_match_the_hand_authored_cast():
    names = {spec.name for spec in demo.PARTNERSHIPS}
    assert set(_planted_crime_partnerships()) <= names
    assert {effect.partnership_name for effect in demo.PLANTED_TRUST_EFFECTS} <= names
    assert all(effect.crime_class in demo.CRIME_CLASSES for effect in demo.PLANTED_CRIME_EFFECTS)
