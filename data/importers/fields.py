"""The fields each kind of import understands, and guessing which file column is which.

A field is required when no row could be stored without it. `alternatives` name other
fields that can stand in (an incident needs occurred_at or occurred_date; an area for it
comes from area_code, area_name or coordinates). Synonyms are compared after lower-casing
and turning every run of non-letters into one underscore, so "Case Number", "case_number"
and "CASE-NUMBER" are the same header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    help: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()  # any one of these fields satisfies `required`


def F(name: str, help: str, *synonyms: str, required: bool = False, alternatives: tuple[str, ...] = ()) -> Field:
    return Field(name, help, required, synonyms, alternatives)


AREA_FIELDS = (
    F(
        "area_code",
        "the source's area identifier",
        "code",
        "id",
        "area_id",
        "district",
        "beat",
        "geoid",
        "fips",
        "area",
        "area_number",
        "tract",
        required=True,
    ),
    F("name", "area name", "area_name", "label", "district_name", "namelsad"),
    F("kind", "beat, district, sector, tract, town, township, neighbourhood or county", "area_kind", "type", "level"),
    F("population", "residents", "pop", "population_2020", "total_population", "residents", "pop2020"),
    F("land_km2", "land area in km²", "area_km2", "land_area_km2", "km2"),
    F("urbanicity", "urban or rural", "urban_rural"),
    F("rucc_code", "USDA Rural-Urban Continuum Code 2023 (1-9)", "rucc", "rucc_2023", "rucc2023"),
    F("ruca_code", "Rural-Urban Commuting Area code (1-10)", "ruca", "primary_ruca", "ruca1", "primary_ruca_code"),
    F(
        "county_fips",
        "5-digit county FIPS, looked up in the RUCC file",
        "county",
        "countyfp",
        "fips_county",
        "county_fips_code",
        "stcofips",
    ),
    F("state_fips", "2-digit state FIPS, completing a 3-digit county code", "state", "statefp", "state_fips_code"),
    F("centroid_lat", "centre latitude (computed from the shape when absent)", "lat", "latitude", "intptlat"),
    F("centroid_lon", "centre longitude (computed from the shape when absent)", "lon", "lng", "longitude", "intptlon"),
)

INCIDENT_FIELDS = (
    F(
        "source_id",
        "the records system's unique id (re-imports skip ids already stored)",
        "id",
        "incident_id",
        "case_number",
        "case_id",
        "report_number",
        "dr_no",
        "incident_number",
        "incident_no",
        "incident_num",
        "report_no",
        "report_num",
        "report_id",
        "rpt_no",
        "case_no",
        "case_num",
        "event_number",
        "record_id",
    ),
    F(
        "occurred_at",
        "when it happened (date and time)",
        "date",
        "occurred",
        "datetime",
        "date_time",
        "occurred_on",
        "incident_date",
        "date_occurred",
        "occurrence_date",
        "offense_date",
        "crime_date",
        required=True,
        alternatives=("occurred_date",),
    ),
    F("occurred_date", "day it happened, when the time is in another column", "date_occ", "occ_date"),
    F("occurred_time", "time of day (HHMM or HH:MM) when separate", "time_occ", "time", "occ_time", "hour"),
    F(
        "offense",
        "offence type or description",
        "primary_type",
        "offense_type",
        "offence",
        "crime_type",
        "crm_cd_desc",
        "offense_description",
        "crime",
        "ucr_description",
        "nibrs_description",
        "type",
        required=True,
        alternatives=("category", "offense_code"),
    ),
    F(
        "offense_code",
        "NIBRS offence code (13A, 23F, 90Z; a preset reads its own codes: Chicago's FBI code, LAPD's Crm Cd)",
        "nibrs_code",
        "nibrs_offense_code",
        "nibrs_offence_code",
        "offence_code",
        "nibrs",
        "offense_cd",
    ),
    F(
        "offense_detail",
        "finer description, when the type is in another column",
        "description",
        "subtype",
        "offense_subtype",
    ),
    F("category", "Bridgeboard category, when the file already uses them", "bridgeboard_category"),
    F("domestic", "domestic-violence flag (true/false)", "is_domestic", "domestic_flag", "dv"),
    F(
        "area_code",
        "area identifier (matched to imported areas)",
        "district",
        "area_id",
        "beat",
        "precinct",
        "zone",
        "area",
        "police_district",
    ),
    F(
        "area_name",
        "area name (matched to imported areas)",
        "area_name",
        "district_name",
        "neighborhood",
        "neighbourhood",
    ),
    F("lat", "latitude (places the incident in an area when it has none)", "latitude", "y", "lat_y"),
    F("lon", "longitude", "longitude", "lng", "long", "x", "lon_x"),
)

CRIME_COUNT_FIELDS = (
    F("area_code", "area identifier (matched to imported areas)", "district", "area", "beat", "precinct", "zone",
      "area_id", "police_district", required=True, alternatives=("area_name",)),
    F("area_name", "area name (matched to imported areas)", "district_name", "neighborhood", "neighbourhood"),
    F("month", "the month (any day in it, or YYYY-MM)", "period", "date", "year_month", "report_month",
      "month_start", required=True),
    F("offense_code", "NIBRS offence code (13A, 23F, 90Z)", "nibrs_code", "nibrs_offense_code", "offence_code",
      "nibrs", "offense_cd"),
    F("offense", "offence type or description", "offence", "offense_type", "crime_type", "offense_description",
      "crime", "ucr_description", "nibrs_description", "type", required=True,
      alternatives=("category", "offense_code")),
    F("offense_detail", "finer description, when the type is in another column", "description", "subtype"),
    F("category", "Bridgeboard category, when the file already uses them", "bridgeboard_category"),
    F("count", "offences recorded (a whole number, 0 or more)", "incidents", "offenses", "offences", "crimes",
      "total", "n", "number", "value", "crime_count", required=True),
)  # fmt: skip

SURVEY_FIELDS = (
    F(
        "wave",
        "survey wave name (e.g. Residents 2024 Q2)",
        "wave_name",
        "survey",
        "survey_name",
        "round",
        required=True,
    ),
    F("audience", "resident or officer", "respondent_type", "population_type"),
    F("scale_min", "lowest answer on the wave's scale (e.g. 1)", "scale_minimum"),
    F("scale_max", "highest answer on the wave's scale (e.g. 5)", "scale_maximum"),
    F("fielded_from", "first fielding day", "field_start", "start_date"),
    F("fielded_to", "last fielding day", "field_end", "end_date"),
    F("mode", "phone, web, mail, in_person or mixed", "survey_mode", "collection_mode"),
    F("vendor", "who ran the survey", "survey_vendor", "provider"),
    F(
        "respondent_id",
        "respondent id (re-imports skip ids already stored)",
        "response_id",
        "id",
        "respondent",
        "case_id",
        "responseid",
    ),
    F("area_code", "respondent's area", "area", "district", "beat", "neighborhood", "zone"),
    F(
        "responded_on",
        "day answered",
        "date",
        "response_date",
        "responded",
        "responded_at",
        "fielded",
        "fielded_on",
        "interview_date",
        "completed",
        "end_date",
        "recorded_date",
        "submitted",
    ),
    F("weight", "survey weight (> 0; 1 when absent)", "wt", "weight_final", "final_weight", "wgt"),
    F("age_band", "age band (18-24, ...) or age in years", "age", "age_group"),
    F("gender", "gender", "sex"),
    F("race_ethnicity", "race/ethnicity", "race", "ethnicity", "race_eth"),
    F("trust_respect", "police treat people with respect", "respect", "q_respect"),
    F("trust_listen", "police listen to concerns", "listen", "q_listen"),
    F("trust_fair", "police make fair decisions", "fair", "fairness", "q_fair"),
    F("trust_rely", "police can be relied on", "rely", "reliable", "q_rely"),
    F("safety_day", "safe in the day", "safe_day", "q_safe_day"),
    F("safety_night", "safe at night", "safe_night", "q_safe_night"),
)

SURVEY_SCORE_FIELDS = (
    F("source", "who published the scores (defaults to the file name)", "vendor", "provider", "publisher"),
    F(
        "area_code",
        "area identifier; empty, ALL or CITYWIDE for the whole jurisdiction",
        "area",
        "district",
        "beat",
        "geography",
    ),
    F("period_start", "first day of the period", "month", "start_date", "period", "date", "week_start", required=True),
    F("period_end", "last day of the period (the month's end when absent)", "end_date", "week_end"),
    F("audience", "resident or officer", "respondent_type"),
    F("measure", "what was measured (trust, safety, ...)", "metric", "indicator", "question", "item", required=True),
    F("subgroup", "demographic group ('all' when absent)", "group", "demographic", "segment"),
    F("value_0_100", "score on 0-100", "score", "value", "score_0_100", "mean", required=True),
    F("n", "respondents behind the score, when known", "count", "respondents", "sample_size", "responses"),
)

NONPROFIT_FIELDS = (
    F(
        "name",
        "organisation name",
        "nonprofit",
        "nonprofit_name",
        "organization",
        "organisation",
        "organization_name",
        "org",
        "org_name",
        required=True,
    ),
    F(
        "org_type",
        "youth, mental_health, neighborhood_association, advocacy, housing, substance_use, "
        "domestic_violence, faith or other",
        "type",
        "organization_type",
        "org_category",
        "category",
    ),
    F("description", "what it does", "summary", "mission", "about"),
    F("website", "web address", "url", "web", "homepage", "site"),
    F("founded_year", "year founded", "founded", "year_founded", "established"),
    F("contact_name", "contact person (agency-only, never published)", "contact", "contact_person"),
    F("contact_email", "contact email (agency-only, never published)", "email", "e_mail", "contact_e_mail"),
    F("contact_phone", "contact phone (agency-only, never published)", "phone", "telephone", "tel", "phone_number"),
)

PARTNERSHIP_FIELDS = (
    F("name", "partnership name", "partnership", "partnership_name", "title", required=True),
    F(
        "nonprofit",
        "partner organisation's name",
        "nonprofit_name",
        "organization",
        "organisation",
        "partner",
        "org",
        "agency_partner",
        required=True,
    ),
    F(
        "org_type",
        "youth, mental_health, neighborhood_association, advocacy, housing, substance_use, "
        "domestic_violence, faith or other (creates the organisation when it is new)",
        "organization_type",
        "org_category",
    ),
    F("start_date", "start", "start", "began", "from", required=True),
    F("end_date", "end (empty while running)", "end", "until", "to"),
    F("status", "planned, active, paused or ended (derived from the dates when absent)", "state"),
    F("mou_signed_on", "date the MOU was signed", "mou_signed", "mou_date", "agreement_signed"),
    F("data_sharing_level", "none, aggregate or case_level", "data_sharing"),
    F("roles", "who does what", "responsibilities"),
    F("description", "what it is", "summary", "notes"),
    F("areas", "area codes served, separated by ; or ,", "areas_served", "area_codes", "served_areas", "districts"),
)

PROGRAM_FIELDS = (
    F("partnership", "the partnership's name", "partnership_name", required=True),
    F("name", "program name", "program", "program_name", required=True),
    F(
        "focus",
        "youth, mental_health, homelessness, substance_use, domestic_violence, violence_prevention, "
        "neighbourhood_safety, reentry, victim_services or community_engagement",
        "focus_area",
        "type",
        required=True,
    ),
    F("start_date", "start", "start", "began", required=True),
    F("end_date", "end", "end", "until"),
    F("target_participants", "target number of participants", "target", "capacity"),
    F("description", "what it is", "summary", "notes"),
    F("areas", "area codes served, separated by ; or ,", "areas_served", "area_codes", "districts"),
)

ACTIVITY_FIELDS = (
    F("program", "the program's name", "program_name", required=True),
    F("partnership", "the partnership's name (when program names repeat)", "partnership_name"),
    F("month", "the month (any day in it)", "period", "date", "reporting_month", required=True),
    F("sessions", "sessions held", "sessions_held"),
    F("events", "events held", "events_held"),
    F("participants", "people served", "participants_served", "served"),
    F("new_participants", "people new this month", "new", "new_enrolled", "enrolled"),
    F("attendance_expected", "participant-sessions scheduled", "expected_attendance"),
    F("attendance_actual", "participant-sessions attended", "attended", "actual_attendance"),
    F("exits", "participants leaving", "exited"),
    F("completions", "participants completing", "completed"),
    F("volunteer_hours", "volunteer hours", "volunteer_hrs", "hours_volunteered"),
    F("referrals_received", "referrals received", "referrals_in"),
    F("referrals_made", "referrals made", "referrals_out"),
    F("sessions_co_delivered", "sessions co-delivered with officers", "co_delivered", "officer_sessions"),
)

KPI_FIELDS = (
    F("program", "the program's name", "program_name", required=True),
    F("partnership", "the partnership's name (when program names repeat)", "partnership_name"),
    F("name", "KPI name", "kpi", "kpi_name", "measure", "indicator", required=True),
    F("rba_category", "how_much, how_well or better_off", "rba", "category"),
    F("unit", "unit (people, %, sessions, ...)", "units"),
    F("higher_is_better", "polarity: true when more is better", "polarity", "direction"),
    F("target", "target value", "goal"),
    F("baseline", "baseline value", "base"),
    F("description", "what it measures", "definition"),
    F(
        "period_start",
        "first day of the period the value covers",
        "start_date",
        "period",
        "date",
        "month",
        "quarter_start",
    ),
    F("period_end", "last day of that period", "end_date", "quarter_end"),
    F("value", "the measured value", "actual", "result", "kpi_value"),
)

TRAINING_FIELDS = (
    F("topic", "training topic", "training", "title", "course", "name", required=True),
    F("held_on", "date held", "date", "training_date", "held", required=True),
    F("officers_trained", "officers trained", "officers", "attendees", "participants", required=True),
    F("hours", "hours per officer", "duration_hours", "length_hours", "duration", required=True),
    F("is_co_delivered", "delivered with a nonprofit partner (true/false)", "co_delivered", "joint"),
    F("partnership", "the partnership it belongs to", "partnership_name", "partner"),
)

FUNDING_FIELDS = (
    F("program", "the program's name", "program_name", required=True),
    F("partnership", "the partnership's name (when program names repeat)", "partnership_name"),
    F("fiscal_year", "fiscal year (named by the year it ends in)", "fy", "year", required=True),
    F("source", "agency, nonprofit, grant, private or in_kind", "funding_source", "source_type", "type", required=True),
    F("amount", "amount in the agency's currency", "amount_usd", "funding", "dollars", "value", required=True),
    F("funder_name", "who gave it", "funder", "grantor", "donor"),
)

USER_FIELDS = (
    F("email", "sign-in email", "e_mail", "mail", "user", "login", required=True),
    F("display_name", "the person's name", "name", "full_name"),
    F("role", "chief, analyst or director", "user_role", required=True),
    F("nonprofit", "a director's organisation", "organization", "organisation", "nonprofit_name", "org"),
)

KIND_FIELDS: dict[str, tuple[Field, ...]] = {
    "areas": AREA_FIELDS,
    "incidents": INCIDENT_FIELDS,
    "crime-counts": CRIME_COUNT_FIELDS,
    "surveys": SURVEY_FIELDS,
    "survey-scores": SURVEY_SCORE_FIELDS,
    "nonprofits": NONPROFIT_FIELDS,
    "partnerships": PARTNERSHIP_FIELDS,
    "programs": PROGRAM_FIELDS,
    "activity": ACTIVITY_FIELDS,
    "kpis": KPI_FIELDS,
    "trainings": TRAINING_FIELDS,
    "funding": FUNDING_FIELDS,
    "users": USER_FIELDS,
}
KINDS = tuple(KIND_FIELDS)
KIND_LABELS = {
    "areas": "Areas (boundaries, population, urban/rural)",
    "incidents": "Incidents (one row per reported crime)",
    "crime-counts": "Crime counts (area x month x offence, for agencies that publish counts)",
    "surveys": "Survey responses (one row per respondent)",
    "survey-scores": "Survey scores (pre-aggregated, e.g. a vendor's monthly trust)",
    "nonprofits": "Nonprofits (partner organisations and their contacts)",
    "partnerships": "Partnerships",
    "programs": "Programs",
    "activity": "Program activity (one row per program and month)",
    "kpis": "KPIs and their values",
    "trainings": "Officer trainings",
    "funding": "Program funding",
    "users": "App users",
}


# The fields that identify a row of each kind, so that a later import accepting the row can
# clear its earlier rejection (rejected_rows); a kind without an entry matches on every mapped field.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "areas": ("area_code",),
    "incidents": ("source_id",),
    "crime-counts": ("area_code", "area_name", "month", "offense_code", "offense", "offense_detail", "category"),
    "surveys": ("wave", "respondent_id"),
    "survey-scores": ("source", "area_code", "period_start", "audience", "measure", "subgroup"),
    "nonprofits": ("name",),
    "partnerships": ("nonprofit", "name"),
    "programs": ("partnership", "name"),
    "activity": ("program", "partnership", "month"),
    "kpis": ("program", "name", "period_start"),
    "trainings": ("topic", "held_on"),
    "funding": ("program", "fiscal_year", "source"),
    "users": ("email",),
}
_SCALE_SUFFIX = re.compile(r"_\d{1,2}_\d{1,3}$")  # listen_0_10, respect_1_5: the item and its scale


def header_key(column: str) -> str:
    """'Case Number', 'case_number' and 'CASE-NUMBER' -> 'case_number'."""
    return re.sub(r"[^a-z0-9]+", "_", str(column).strip().lower()).strip("_")


def fields_of(kind: str) -> dict[str, Field]:
    return {field.name: field for field in KIND_FIELDS[kind]}


def guess_mapping(kind: str, columns: list[str]) -> dict[str, str]:
    """{source column: field} from header names: the field's own name first, then synonyms."""
    keys = {column: header_key(column) for column in columns}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    passes = [(True, keys), (False, keys)]
    if any(_SCALE_SUFFIX.search(key) for key in keys.values()):
        passes += [(exact, {c: _SCALE_SUFFIX.sub("", k) for c, k in keys.items()}) for exact in (True, False)]
    for exact, keys in passes:
        for field in KIND_FIELDS[kind]:
            if field.name in taken:
                continue
            names = (field.name,) if exact else field.synonyms
            for name in names:
                match = next((c for c in columns if keys[c] == header_key(name) and c not in mapping), None)
                if match is not None:
                    mapping[match] = field.name
                    taken.add(field.name)
                    break
    return mapping


def missing_required(kind: str, mapped_fields: set[str]) -> list[Field]:
    return [
        field
        for field in KIND_FIELDS[kind]
        if field.required and field.name not in mapped_fields and not (set(field.alternatives) & mapped_fields)
    ]


def kinds_with_field(column: str) -> list[str]:
    """The kinds that have a field named like this column ('focus' -> ['programs'])."""
    key = header_key(column)
    return [kind for kind, fields in KIND_FIELDS.items() if any(field.name == key for field in fields)]


def field_help_rows(kind: str) -> list[tuple[str, str, bool]]:
    """(field, help, required) for each field of a kind, in order."""
    return [(f.name, f.help, f.required or bool(f.alternatives)) for f in KIND_FIELDS[kind]]
