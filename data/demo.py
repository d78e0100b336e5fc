"""Deterministic demo region: Riverton Metro Police Department and its partners, 2020-01 to 2026-09.

`build(out, seed, incidents)` writes every table of schema.sql. The cast - 25 city
neighbourhoods, 12 county townships, 15 nonprofits, 21 partnerships, 37 programs - is
hand-authored below and identical for every seed; the seed varies only the numbers drawn
from it (incidents, survey responses, activity, funding, feedback, trainings).

Planted truth (import these constants in tests rather than copying numbers):

* PLANTED_CRIME_EFFECTS: the two urban youth partnerships "East Side Safe Passages"
  (N02 N09 N10 N11, from 2023-01-01) and "South Side Youth Futures" (N07 N20 N21 N22,
  from 2024-06-01) multiply expected FBI violent crime (murder, rape, robbery, aggravated
  assault) in their areas by 0.7 from start + 3 months on, with no ramp and no end. Over
  the 12 months from the start only 9 are affected, so there the expected treated/control
  ratio is 1 - 0.3 * 9/12 = 0.775; at the default 300k incidents the WDD z is about -3.9
  and -3.6 in expectation (seed 1: -3.7 and -3.1).
* PLANTED_TRUST_EFFECTS: "Northside Community Compact" (N03 N12 N13 N14, from
  2022-09-01) adds 8 points to the latent 0-100 trust score of resident responses in its
  areas dated on or after its start. The vendor panel in survey_scores shows the same shift.
* PLANTED_NULLS: "Downtown Housing First Outreach" (N01 N05 N06, from 2022-02-01) has
  no effect on violent crime.

Every incident carries a NIBRS code (OFFENCE_SHARES); its FBI class and crimes-against
follow from the code as for imported data.

Nothing else has an effect, and the design keeps the truth recoverable by the weighted
displacement difference over 12-month windows with urban controls that exclude areas
served by same-focus partnerships: the planted partnerships serve disjoint areas; they
start 24+ months inside the demo period; the only other urban youth program ran
2020-06 to 2021-09; no youth effect begins inside the null's windows (2021-02..2023-01);
violent crime has no trend and trust no trend at all; seasonality is the same in every area.

Trap: the trust items are bounded, so the +8 on the latent score shows up as about +7.8
on the 0-100 item scale (ceiling clipping); the 1..5 rounding itself is unbiased (dithered).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from data import db

DEMO_START = date(2020, 1, 1)
DEMO_END = date(2026, 9, 30)

AGENCY_ID = 1
AGENCY_NAME = "Riverton Metro Police Department"
AGENCY_SWORN = 420
AGENCY_JURISDICTION = "City of Riverton and the Riverton County townships"
AGENCY_EMAIL_DOMAIN = "riverton.example"

# Placed in central Illinois farmland; local kilometres are converted to WGS84 around here.
CENTRE_LAT = 39.80
CENTRE_LON = -89.65

# Fixed timestamps: the database must not depend on when it was built.
DEMO_BUILT_AT = datetime(2026, 10, 1, 6, 0, 0)
VENDOR_IMPORTED_AT = datetime(2026, 10, 5, 9, 14, 27)

INCIDENT_FLUSH_ROWS = 500_000


@dataclass(frozen=True)
class PlantedCrimeEffect:
    partnership_name: str
    crime_class: str  # 'violent' | 'property' | 'other'
    # expected counts of that class in the partnership's served areas are multiplied by
    # (1 + change_pct/100) for every month from start_date + lag_months on (full effect, no ramp)
    change_pct: float
    lag_months: int


@dataclass(frozen=True)
class PlantedTrustEffect:
    partnership_name: str
    audience: str  # 'resident'
    # added to the latent trust score of responses in served areas dated on/after the start
    shift_0_100: float


@dataclass(frozen=True)
class PlantedNull:
    partnership_name: str
    crime_class: str  # this partnership has NO effect on this class


PLANTED_CRIME_EFFECTS: tuple[PlantedCrimeEffect, ...] = (
    PlantedCrimeEffect("East Side Safe Passages", "violent", -30.0, 3),
    PlantedCrimeEffect("South Side Youth Futures", "violent", -30.0, 3),
)
PLANTED_TRUST_EFFECTS: tuple[PlantedTrustEffect, ...] = (
    PlantedTrustEffect("Northside Community Compact", "resident", 8.0),
)
PLANTED_NULLS: tuple[PlantedNull, ...] = (PlantedNull("Downtown Housing First Outreach", "violent"),)


# --- the region -------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    population: int
    ruca: int
    # 2020 crime rates per 1,000 residents before scaling to the requested incident total
    violent_per_1k: float
    property_per_1k: float
    other_per_1k: float
    community: str  # key of COMMUNITY_RACE_MIX
    seed_km: tuple[float, float]  # Voronoi seed, km east/north of the centre


# Violent rates were set so every neighbourhood has roughly 370-680 violent incidents a year at
# the default 300k incidents; the two planted youth partnerships serve the highest (~650),
# which is where such programs go and what gives their -30% a z of about 3.5-4.
NEIGHBOURHOODS: tuple[AreaSpec, ...] = (
    AreaSpec("N01", "Downtown", 9_400, 1, 59.6, 138.2, 145.6, "central", (0.4, -0.3)),
    AreaSpec("N02", "Foundry District", 21_000, 1, 31.0, 38.5, 47.8, "east", (4.0, 1.8)),
    AreaSpec("N03", "Capitol Hill", 17_500, 1, 26.9, 49.7, 34.6, "north", (1.5, 3.7)),
    AreaSpec("N04", "Lincoln Square", 22_500, 1, 21.3, 41.2, 24.6, "outer", (-1.8, 3.6)),
    AreaSpec("N05", "Riverside", 15_500, 1, 33.5, 56.6, 56.0, "central", (-4.0, 2.1)),
    AreaSpec("N06", "Union Station", 13_800, 1, 39.1, 63.8, 70.4, "central", (-4.1, -1.9)),
    AreaSpec("N07", "Garfield", 24_500, 1, 26.9, 32.6, 41.6, "south", (-1.5, -3.8)),
    AreaSpec("N08", "Old Mill", 20_500, 1, 24.4, 38.9, 31.4, "outer", (1.7, -4.3)),
    AreaSpec("N09", "Brickyard", 22_000, 1, 30.0, 34.0, 46.4, "east", (4.0, -1.4)),
    AreaSpec("N10", "Eastgate", 28_500, 1, 22.5, 30.7, 31.8, "east", (7.9, -0.2)),
    AreaSpec("N11", "Ironworks", 18_500, 1, 35.1, 40.5, 54.2, "east", (7.0, 2.7)),
    AreaSpec("N12", "Hillcrest", 24_000, 1, 17.5, 32.9, 18.0, "north", (5.2, 5.8)),
    AreaSpec("N13", "Northgate", 26_500, 1, 17.0, 35.1, 17.4, "north", (2.7, 7.9)),
    AreaSpec("N14", "Prospect Hill", 22_500, 1, 19.1, 33.7, 19.6, "north", (0.1, 8.3)),
    AreaSpec("N15", "Maple Grove", 32_500, 2, 11.7, 29.1, 10.6, "outer", (-4.2, 7.5)),
    AreaSpec("N16", "Cedar Park", 38_500, 2, 9.4, 30.2, 7.2, "outer", (-6.0, 6.0)),
    AreaSpec("N17", "Westfield", 30_500, 1, 13.1, 36.5, 11.8, "west", (-8.4, 3.0)),
    AreaSpec("N18", "Riverside Heights", 25_000, 1, 17.6, 32.3, 20.4, "west", (-8.8, -0.3)),
    AreaSpec("N19", "Millbrook", 21_500, 1, 21.9, 34.4, 25.4, "west", (-7.3, -3.5)),
    AreaSpec("N20", "Fairview", 27_000, 1, 24.1, 31.4, 34.0, "south", (-6.0, -5.6)),
    AreaSpec("N21", "Southport", 24_000, 1, 26.7, 32.9, 37.8, "south", (-3.4, -7.8)),
    AreaSpec("N22", "Jefferson Park", 23_000, 1, 28.7, 29.7, 40.6, "south", (0.0, -8.4)),
    AreaSpec("N23", "Elmwood", 19_500, 1, 23.1, 35.7, 26.8, "outer", (2.7, -7.7)),
    AreaSpec("N24", "Kessler Park", 23_500, 1, 18.3, 33.2, 18.8, "outer", (6.5, -6.6)),
    AreaSpec("N25", "Oak Hollow", 31_000, 2, 12.3, 33.0, 11.0, "outer", (8.1, -3.2)),
)

TOWNSHIPS: tuple[AreaSpec, ...] = (
    AreaSpec("T01", "Salt Fork Township", 5_800, 4, 8.1, 23.5, 17.0, "rural", (17.7, 6.9)),
    AreaSpec("T02", "Stony Point Township", 1_900, 7, 6.9, 15.6, 11.0, "rural", (14.2, 12.2)),
    AreaSpec("T03", "Quail Run Township", 1_400, 8, 9.5, 22.4, 18.6, "rural", (5.0, 18.9)),
    AreaSpec("T04", "Cedar Township", 4_100, 5, 4.6, 13.8, 8.0, "rural", (-5.1, 19.0)),
    AreaSpec("T05", "Hickory Grove Township", 2_300, 7, 9.8, 22.8, 16.2, "rural", (-13.5, 14.1)),
    AreaSpec("T06", "Willow Creek Township", 950, 10, 9.2, 24.7, 15.6, "rural", (-16.9, 4.2)),
    AreaSpec("T07", "Bluff Township", 1_600, 9, 7.6, 20.1, 11.8, "rural", (-18.1, -5.4)),
    AreaSpec("T08", "Otter Creek Township", 2_700, 7, 5.1, 12.8, 8.0, "rural", (-13.3, -14.6)),
    AreaSpec("T09", "Lone Elm Township", 820, 10, 4.5, 9.5, 7.4, "rural", (-5.5, -18.5)),
    AreaSpec("T10", "Prairie Township", 1_500, 8, 5.6, 10.6, 9.8, "rural", (5.8, -17.2)),
    AreaSpec("T11", "Twin Oaks Township", 3_300, 7, 10.5, 24.0, 16.4, "rural", (12.1, -14.2)),
    AreaSpec("T12", "Meadow Township", 1_200, 9, 9.0, 23.7, 15.0, "rural", (19.0, -6.9)),
)

AREAS: tuple[AreaSpec, ...] = NEIGHBOURHOODS + TOWNSHIPS
AREA_INDEX = {area.code: index for index, area in enumerate(AREAS)}
URBAN_CODES = tuple(area.code for area in NEIGHBOURHOODS)
RURAL_CODES = tuple(area.code for area in TOWNSHIPS)

RACE_GROUPS = ("black", "hispanic", "white", "asian", "native", "multiracial", "other")
COMMUNITY_RACE_MIX = {
    "central": (0.30, 0.18, 0.40, 0.06, 0.01, 0.04, 0.01),
    "east": (0.58, 0.14, 0.20, 0.02, 0.01, 0.04, 0.01),
    "south": (0.42, 0.28, 0.22, 0.02, 0.01, 0.04, 0.01),
    "north": (0.18, 0.12, 0.60, 0.05, 0.01, 0.03, 0.01),
    "west": (0.14, 0.38, 0.40, 0.03, 0.01, 0.03, 0.01),
    "outer": (0.12, 0.10, 0.68, 0.06, 0.01, 0.02, 0.01),
    "rural": (0.03, 0.04, 0.895, 0.005, 0.01, 0.015, 0.005),
}
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = ("woman", "man", "nonbinary", "other")
POPULATION_AGE_SHARES = (0.13, 0.19, 0.17, 0.16, 0.16, 0.19)
# Survey respondents skew old; post-stratification weights correct for it.
RESIDENT_SAMPLE_AGE_SHARES = (0.07, 0.13, 0.16, 0.17, 0.20, 0.27)
OFFICER_ROSTER_AGE_SHARES = (0.06, 0.30, 0.30, 0.22, 0.11, 0.01)
OFFICER_SAMPLE_AGE_SHARES = (0.04, 0.26, 0.31, 0.25, 0.13, 0.01)

# Latent 0-100 trust: no time trend anywhere, by design (see module docstring).
TRUST_BASE = 56.0
TRUST_RURAL_BONUS = 7.0
TRUST_AREA_SD = 4.0
TRUST_NOISE_SD = 18.0
TRUST_AGE_EFFECT = (-10.0, -6.0, -2.0, 0.0, 3.0, 6.0)
TRUST_RACE_EFFECT = (-10.0, -4.0, 2.0, 0.0, -6.0, -4.0, -2.0)
TRUST_ITEMS = {"trust_respect": 3.0, "trust_listen": -2.0, "trust_fair": -3.0, "trust_rely": 2.0}
OFFICER_TRUST_BASE = 64.0
VENDOR_SOURCE = "Vendor sentiment panel"
VENDOR_BIAS = 4.0
VENDOR_FIRST_MONTH = date(2021, 1, 1)

# Within-class shares of the offences drawn, by FBI class (each class sums to 1): (NIBRS code,
# category, share). The class of every code is checked against data/nibrs_offenses.csv at build.
# Violent crime is over-represented against real agencies (about a quarter of all offences here,
# a tenth to a fifth in most US cities) so that the planted effects are detectable at 300k.
OFFENCE_SHARES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "violent": (
        ("09A", "homicide", 0.012),
        ("11A", "sexual_assault", 0.045),
        ("11B", "sexual_assault", 0.006),
        ("11C", "sexual_assault", 0.005),
        ("120", "robbery", 0.32),
        ("13A", "aggravated_assault", 0.49),
        ("13A", "domestic_violence", 0.122),
    ),
    "property": (
        ("220", "burglary", 0.18),
        ("23A", "theft", 0.01),
        ("23B", "theft", 0.005),
        ("23C", "theft", 0.12),
        ("23D", "theft", 0.08),
        ("23E", "theft", 0.005),
        ("23F", "theft", 0.20),
        ("23G", "theft", 0.04),
        ("23H", "theft", 0.22),
        ("240", "motor_vehicle_theft", 0.125),
        ("200", "arson", 0.015),
    ),
    "other": (
        ("13B", "simple_assault", 0.26),
        ("13C", "simple_assault", 0.07),
        ("13B", "domestic_violence", 0.09),
        ("90Z", "domestic_violence", 0.015),  # protective-order violations
        ("11D", "sexual_assault", 0.012),
        ("36B", "sexual_assault", 0.003),
        ("09B", "homicide", 0.001),
        ("100", "other", 0.004),
        ("290", "vandalism", 0.14),
        ("26A", "fraud", 0.03),
        ("26B", "fraud", 0.02),
        ("26F", "fraud", 0.015),
        ("250", "fraud", 0.005),
        ("210", "fraud", 0.002),
        ("280", "other", 0.003),
        ("35A", "drug_offense", 0.09),
        ("35B", "drug_offense", 0.01),
        ("520", "weapons_offense", 0.045),
        ("90C", "public_order", 0.06),
        ("90D", "public_order", 0.025),
        ("90G", "public_order", 0.01),
        ("40A", "public_order", 0.005),
        ("90J", "trespass", 0.045),
        ("90F", "other", 0.01),
        ("90Z", "other", 0.03),
    ),
}
DEMO_OFFENCES: tuple[tuple[str, str, str, float], ...] = tuple(
    (crime_class, code, category, share)
    for crime_class, rows in OFFENCE_SHARES.items()
    for code, category, share in rows
)
CRIME_CLASSES = ("violent", "property", "other")
SEASONAL_AMPLITUDE = {"violent": 0.15, "property": 0.08, "other": 0.05}
ANNUAL_TREND = {"violent": 1.00, "property": 0.97, "other": 1.01}
HOUR_PROFILE = {
    "violent": (6, 5.5, 4.8, 3.8, 2.7, 1.9, 1.5, 1.7, 2.1, 2.5, 2.9, 3.2,
                3.5, 3.7, 3.9, 4.2, 4.5, 4.9, 5.2, 5.5, 5.8, 6.1, 6.4, 6.4),
    "property": (2.6, 2.1, 1.8, 1.6, 1.4, 1.4, 1.8, 2.6, 3.6, 4.2, 4.6, 4.9,
                 5.3, 5.2, 5.1, 5.2, 5.3, 5.4, 5.3, 5.0, 4.6, 4.0, 3.4, 2.9),
    "other": (4.4, 4.0, 3.4, 2.6, 1.9, 1.5, 1.6, 2.2, 3.0, 3.6, 4.0, 4.3,
              4.5, 4.6, 4.7, 4.8, 5.0, 5.2, 5.3, 5.4, 5.4, 5.3, 5.1, 4.8),
}  # fmt: skip
# Monday..Sunday
WEEKDAY_PROFILE = {
    "violent": (0.92, 0.90, 0.92, 0.95, 1.08, 1.20, 1.13),
    "property": (1.02, 1.01, 1.01, 1.01, 1.03, 0.97, 0.95),
    "other": (0.95, 0.95, 0.97, 1.00, 1.07, 1.10, 0.96),
}
MISSING_GEOCODE_SHARE = 0.008


@dataclass(frozen=True)
class NonprofitSpec:
    name: str
    slug: str
    org_type: str
    founded_year: int
    director: str
    description: str


NONPROFITS: tuple[NonprofitSpec, ...] = (
    NonprofitSpec("Riverton Youth Alliance", "riverton-youth-alliance", "youth", 1998, "Tamika Ellis",
                  "Mentoring, summer jobs and street outreach for young people aged 12-24 on the East Side."),
    NonprofitSpec("Boys & Girls Clubs of Riverton County", "bgc-riverton", "youth", 1964, "Daniel Ortega",
                  "Four clubhouses offering after-school, late-night and athletics programs for ages 6-18."),
    NonprofitSpec("Northside Neighbors Association", "northside-neighbors", "neighborhood_association", 1979,
                  "Margaret Lindqvist",
                  "Volunteer association of block clubs in Capitol Hill, Hillcrest, Northgate and Prospect Hill."),
    NonprofitSpec("Harbor House Riverton", "harbor-house", "housing", 1991, "Samuel Okafor",
                  "Emergency shelter, street outreach and permanent supportive housing downtown."),
    NonprofitSpec("Riverton Behavioral Health Collaborative", "riverton-behavioral-health", "mental_health", 2004,
                  "Dr. Anjali Mehta",
                  "Community mental health center running the 24/7 crisis line and mobile crisis teams."),
    NonprofitSpec("Second Chance Recovery Center", "second-chance-recovery", "substance_use", 1988, "Kevin Dwyer",
                  "Outpatient and residential treatment, peer recovery coaches and a sobering center."),
    NonprofitSpec("Safe Haven Family Violence Services", "safe-haven", "domestic_violence", 1983, "Rosa Delgado",
                  "Shelter, 24-hour hotline, legal advocacy and counselling for survivors of domestic violence."),
    NonprofitSpec("Riverton Interfaith Council", "riverton-interfaith", "faith", 1972, "Rev. James Whitaker",
                  "Forty-one congregations working together on food security, peace walks and crisis chaplaincy."),
    NonprofitSpec("Riverton Justice Coalition", "riverton-justice-coalition", "advocacy", 2016, "Aisha Brooks",
                  "Civil-rights coalition that runs know-your-rights forums and reviews police data with RMPD."),
    NonprofitSpec("Mothers for Peace Riverton", "mothers-for-peace", "advocacy", 2009, "Gloria Hayes",
                  "Families who lost someone to violence, supporting survivors and speaking for prevention."),
    NonprofitSpec("Eastgate Block Club Federation", "eastgate-block-clubs", "neighborhood_association", 1994,
                  "Victor Nguyen", "Federation of 30 block clubs in Eastgate, Ironworks, Kessler Park and Oak Hollow."),
    NonprofitSpec("Riverton County 4-H and Rural Youth", "riverton-4h", "youth", 1921, "Emily Schroeder",
                  "Clubs, leadership camps and safety days for young people in the county townships."),
    NonprofitSpec("Prairie Rural Health Network", "prairie-rural-health", "mental_health", 2011, "Dr. Paul Jensen",
                  "Rural clinics and telehealth counselling serving the twelve Riverton County townships."),
    NonprofitSpec("Riverton Returning Citizens Network", "returning-citizens", "other", 2013, "Marcus Greene",
                  "Reentry navigation, ID and warrant help, and job placement for people leaving prison."),
    NonprofitSpec("Riverton County Victim Advocates", "riverton-victim-advocates", "other", 1986, "Helen Park",
                  "Trained advocates who support victims of crime from the first police contact through court."),
)  # fmt: skip


@dataclass(frozen=True)
class PartnershipSpec:
    name: str
    nonprofit: str
    area_codes: tuple[str, ...]
    start: date
    status: str
    data_sharing: str
    mou_signed_on: date | None
    roles: str
    description: str
    end: date | None = None
    # not in the schema: a paused partnership's programs report no activity from this month on
    paused_from: date | None = None


@dataclass(frozen=True)
class ProgramSpec:
    partnership: str
    name: str
    focus: str
    start: date
    target_participants: int
    sessions_per_month: int
    description: str
    area_codes: tuple[str, ...] | None = None  # None: every area of the partnership
    end: date | None = None


PARTNERSHIPS: tuple[PartnershipSpec, ...] = (
    PartnershipSpec(
        "East Side Safe Passages", "Riverton Youth Alliance", ("N02", "N09", "N10", "N11"),
        date(2023, 1, 1), "active", "aggregate", date(2022, 11, 14),
        "RYA: mentors, outreach workers and case plans. RMPD: two youth officers co-deliver sessions; "
        "weekly aggregate counts of violent incidents involving youth; joint quarterly review.",
        "Mentoring and summer jobs for young people aged 12-24 in the four East Side neighbourhoods "
        "with the city's highest youth violence."),
    PartnershipSpec(
        "South Side Youth Futures", "Boys & Girls Clubs of Riverton County", ("N07", "N20", "N21", "N22"),
        date(2024, 6, 1), "active", "aggregate", date(2024, 4, 22),
        "BGC: staff, clubhouse space, late-night programming. RMPD: PAL coaches, transport home after "
        "late sessions, monthly violence briefing.",
        "Late-night club hours and a Police Athletic League for teens in Garfield, Fairview, Southport "
        "and Jefferson Park."),
    PartnershipSpec(
        "Northside Community Compact", "Northside Neighbors Association", ("N03", "N12", "N13", "N14"),
        date(2022, 9, 1), "active", "aggregate", date(2022, 8, 3),
        "NNA: hosts beat meetings and block walks, sets local priorities. RMPD: district commander and "
        "beat officers attend every meeting and report back on each priority.",
        "A written compact: residents set three safety priorities each quarter and officers report "
        "back on them in public."),
    PartnershipSpec(
        "Downtown Housing First Outreach", "Harbor House Riverton", ("N01", "N05", "N06"),
        date(2022, 2, 1), "active", "case_level", date(2022, 1, 12),
        "Harbor House: outreach workers and housing navigators. RMPD: refers instead of citing for "
        "camping and panhandling; shares call locations daily under a data-use agreement.",
        "Outreach workers answer homelessness calls downtown with officers on standby, and move "
        "people into housing."),
    PartnershipSpec(
        "Co-Responder Crisis Teams", "Riverton Behavioral Health Collaborative", URBAN_CODES,
        date(2020, 7, 1), "active", "case_level", date(2020, 6, 18),
        "RBHC: licensed clinicians ride with CIT officers 7 am to 11 pm. RMPD: dispatch routes crisis "
        "calls to the teams; shared case notes under HIPAA-compliant agreement.",
        "Clinician-officer teams respond to mental-health crisis calls across the city."),
    PartnershipSpec(
        "Recovery Pathways Deflection", "Second Chance Recovery Center",
        ("N01", "N04", "N05", "N06", "N08", "N15", "N23"),
        date(2021, 3, 1), "active", "case_level", date(2021, 2, 10),
        "SCRC: peer recovery coaches on call 24/7. RMPD: offers treatment referral instead of charges "
        "for possession; leaves naloxone kits after overdose calls.",
        "Police-assisted deflection into treatment and naloxone leave-behind after overdoses."),
    PartnershipSpec(
        "Family Violence Response Team", "Safe Haven Family Violence Services", URBAN_CODES,
        date(2020, 3, 1), "active", "case_level", date(2020, 2, 6),
        "Safe Haven: hotline advocate connects with victims on scene. RMPD: officers run the lethality "
        "screen on every DV call and call the hotline for high-danger cases.",
        "Lethality assessment on every domestic violence call and advocates who ride along."),
    PartnershipSpec(
        "Rural Mobile Advocacy", "Safe Haven Family Violence Services",
        ("T01", "T03", "T05", "T07", "T09", "T11"),
        date(2023, 4, 1), "paused", "case_level", date(2023, 3, 2),
        "Safe Haven: mobile advocate and van. RMPD: county patrol refers survivors and escorts the "
        "advocate on high-risk visits.",
        "A mobile advocate for survivors in six townships. Paused since April 2026 while the state "
        "victim-assistance grant is re-competed.",
        paused_from=date(2026, 4, 1)),
    PartnershipSpec(
        "Peace Walks and Clergy Response", "Riverton Interfaith Council",
        ("N08", "N19", "N23", "N24", "N25"),
        date(2020, 9, 1), "active", "none", None,
        "RIC: congregations host Friday walks and a clergy call-out list. RMPD: district officers join "
        "walks; the watch commander calls clergy to homicide scenes.",
        "Friday night peace walks and clergy who support families at scenes of violence."),
    PartnershipSpec(
        "Community Police Review Partnership", "Riverton Justice Coalition", URBAN_CODES,
        date(2021, 6, 1), "paused", "aggregate", date(2021, 5, 20),
        "RJC: organises forums and names panel members. RMPD: publishes use-of-force and stop data "
        "quarterly and answers panel questions.",
        "Know-your-rights forums and a community panel that reviews use-of-force data. Paused since "
        "November 2025 while the panel's charter is renegotiated.",
        paused_from=date(2025, 11, 1)),
    PartnershipSpec(
        "Survivor Support and Peace Circles", "Mothers for Peace Riverton",
        ("N02", "N07", "N09", "N11", "N20", "N22"),
        date(2020, 5, 1), "active", "aggregate", date(2020, 4, 15),
        "MFP: survivor support groups and peace circles. RMPD: victim liaison officer refers families "
        "and attends circles on request.",
        "Support for families after a homicide and community peace circles in the hardest-hit blocks."),
    PartnershipSpec(
        "Eastgate Safe Blocks", "Eastgate Block Club Federation", ("N10", "N11", "N24", "N25"),
        date(2021, 5, 1), "ended", "aggregate", date(2021, 4, 8),
        "EBCF: block captains, clean-ups and lot greening. RMPD: beat officers walk with block clubs "
        "monthly and fast-track nuisance complaints.",
        "Block club safety walks and vacant-lot greening; ended when the city grant closed in 2024.",
        end=date(2024, 12, 31)),
    PartnershipSpec(
        "Rural Youth Leadership", "Riverton County 4-H and Rural Youth", ("T02", "T05", "T08", "T11"),
        date(2021, 8, 1), "active", "none", date(2021, 7, 9),
        "4-H: club leaders and curriculum. RMPD: county deputies co-lead leadership sessions and run "
        "the teen driver safety days.",
        "Leadership clubs and teen driver safety days in four townships."),
    PartnershipSpec(
        "Prairie Crisis Telehealth", "Prairie Rural Health Network", RURAL_CODES,
        date(2022, 4, 1), "active", "case_level", date(2022, 3, 15),
        "PRHN: counsellors on video 24/7. RMPD: tablets in every county patrol car; officers connect "
        "people in crisis to a counsellor on scene.",
        "Tablet telehealth so rural officers can put a counsellor on the call within minutes."),
    PartnershipSpec(
        "Reentry Bridge", "Riverton Returning Citizens Network", ("N01", "N02", "N07", "N09", "N21"),
        date(2021, 10, 1), "active", "case_level", date(2021, 9, 1),
        "RRCN: navigators meet people at release. RMPD: warrant resolution days with the court; "
        "parole liaison shares release dates.",
        "Navigators for people coming home from prison, and warrant resolution days."),
    PartnershipSpec(
        "Victim Advocates in the Precincts", "Riverton County Victim Advocates", URBAN_CODES + RURAL_CODES,
        date(2020, 2, 1), "active", "case_level", date(2020, 1, 9),
        "RCVA: advocates based in each precinct. RMPD: officers hand every victim an advocate card and "
        "share report numbers daily.",
        "Advocates in every precinct reach victims within 72 hours of a report."),
    PartnershipSpec(
        "Westside Summer Hoops", "Boys & Girls Clubs of Riverton County", ("N18", "N19"),
        date(2020, 6, 1), "ended", "none", None,
        "BGC: gym and coaches. RMPD: officers play on staff teams.",
        "Two summers of late-night basketball in Riverside Heights and Millbrook.",
        end=date(2021, 9, 30)),
    PartnershipSpec(
        "Rural Food and Safety Network", "Riverton Interfaith Council", ("T04", "T06", "T10", "T12"),
        date(2025, 3, 1), "active", "none", date(2025, 2, 11),
        "RIC: church pantries host monthly check-ins. RMPD: deputies attend and take non-emergency reports.",
        "Deputies at rural food pantries once a month for questions, reports and welfare checks."),
    PartnershipSpec(
        "Hospital Violence Intervention", "Riverton Youth Alliance", URBAN_CODES,
        date(2025, 1, 13), "active", "aggregate", date(2024, 12, 2),
        "RYA: violence interrupters at Riverton General's trauma bay. RMPD: detectives notify the team "
        "of every shooting and stabbing victim admitted.",
        "Interrupters meet victims of violence at the bedside to prevent retaliation."),
    PartnershipSpec(
        "Rural Recovery Transport", "Second Chance Recovery Center", ("T01", "T04", "T11"),
        date(2026, 11, 1), "planned", "none", None,
        "SCRC: drivers and scheduling. RMPD: deputies refer people after overdose calls.",
        "Rides to treatment for township residents after an overdose; starts November 2026."),
    PartnershipSpec(
        "Downtown Sobering Center Diversion", "Second Chance Recovery Center", ("N01", "N05", "N06"),
        date(2021, 1, 11), "ended", "case_level", date(2020, 12, 14),
        "SCRC: sobering beds and staff. RMPD: takes intoxicated people to the center instead of jail.",
        "Diversion of public intoxication to a sobering center; ended when the building was sold.",
        end=date(2023, 6, 30)),
)  # fmt: skip

PROGRAMS: tuple[ProgramSpec, ...] = (
    ProgramSpec("East Side Safe Passages", "Safe Passages Mentoring", "youth", date(2023, 1, 1), 120, 24,
                "Weekly one-to-one and group mentoring with a trained adult, ages 12-18."),
    ProgramSpec("East Side Safe Passages", "Summer Youth Employment Bridge", "youth", date(2023, 1, 1), 80, 10,
                "Paid jobs and job-readiness classes, year-round with a summer peak."),
    ProgramSpec("South Side Youth Futures", "Club After Dark", "youth", date(2024, 6, 1), 150, 16,
                "Friday and Saturday clubhouse nights, 8 pm to midnight, with a ride home."),
    ProgramSpec("South Side Youth Futures", "PAL Basketball League", "youth", date(2024, 6, 1), 90, 12,
                "Police Athletic League teams coached by officers and volunteers."),
    ProgramSpec("Northside Community Compact", "Northside Beat Meetings", "neighbourhood_safety",
                date(2022, 9, 1), 260, 4, "Monthly public beat meetings where residents set priorities."),
    ProgramSpec("Northside Community Compact", "Coffee with a Cop and Block Walks", "community_engagement",
                date(2022, 9, 1), 400, 6, "Informal meetings and door-to-door block walks with beat officers."),
    ProgramSpec("Northside Community Compact", "Problem Property Task Force", "neighbourhood_safety",
                date(2023, 3, 1), 45, 2, "Residents, officers and code enforcement tackle repeat-call addresses."),
    ProgramSpec("Downtown Housing First Outreach", "Street Outreach and Housing Navigation", "homelessness",
                date(2022, 2, 1), 180, 40, "Daily outreach shifts and navigation into permanent housing."),
    ProgramSpec("Downtown Housing First Outreach", "Winter Warming Center Liaison", "homelessness",
                date(2022, 11, 1), 90, 20, "Officers and outreach staff bring people to warming centers."),
    ProgramSpec("Co-Responder Crisis Teams", "Co-Responder Unit", "mental_health", date(2020, 7, 1), 220, 60,
                "Clinician and CIT officer respond together to crisis calls."),
    ProgramSpec("Co-Responder Crisis Teams", "72-Hour Crisis Follow-Up", "mental_health", date(2021, 1, 1),
                160, 35, "A clinician calls or visits within 72 hours of every crisis contact."),
    ProgramSpec("Recovery Pathways Deflection", "Police-Assisted Recovery Referrals", "substance_use",
                date(2021, 3, 1), 85, 12, "Anyone can walk into a station and ask for help with addiction."),
    ProgramSpec("Recovery Pathways Deflection", "Naloxone Leave-Behind", "substance_use", date(2021, 9, 1),
                140, 8, "Officers leave naloxone and a peer coach's number after every overdose call."),
    ProgramSpec("Family Violence Response Team", "Lethality Assessment Program", "domestic_violence",
                date(2020, 3, 1), 200, 45, "Eleven-question danger screen and immediate hotline connection."),
    ProgramSpec("Family Violence Response Team", "Advocate Ride-Along", "victim_services", date(2020, 10, 1),
                120, 20, "Advocates ride with officers on weekend nights."),
    ProgramSpec("Rural Mobile Advocacy", "Rural DV Mobile Advocate", "domestic_violence", date(2023, 4, 1), 40,
                10, "Home, school and clinic visits by a mobile advocate."),
    ProgramSpec("Peace Walks and Clergy Response", "Friday Night Peace Walks", "violence_prevention",
                date(2020, 9, 1), 70, 4, "Congregations and officers walk hot blocks on Friday nights."),
    ProgramSpec("Peace Walks and Clergy Response", "Clergy Response Team", "victim_services", date(2021, 2, 1),
                50, 6, "Clergy on call to support families at scenes of violence."),
    ProgramSpec("Community Police Review Partnership", "Know Your Rights Forums", "community_engagement",
                date(2021, 6, 1), 300, 2, "Public forums on stops, searches and complaints."),
    ProgramSpec("Community Police Review Partnership", "Use-of-Force Data Review Panel", "community_engagement",
                date(2022, 1, 1), 15, 1, "Resident panel reviews quarterly use-of-force data."),
    ProgramSpec("Survivor Support and Peace Circles", "Homicide Survivor Support", "victim_services",
                date(2020, 5, 1), 45, 6, "Support groups and court accompaniment for families."),
    ProgramSpec("Survivor Support and Peace Circles", "Community Peace Circles", "community_engagement",
                date(2021, 5, 1), 120, 4, "Restorative circles after incidents of violence on a block."),
    ProgramSpec("Eastgate Safe Blocks", "Block Club Safety Walks", "neighbourhood_safety", date(2021, 5, 1),
                150, 8, "Monthly walks with beat officers to log lighting, lots and nuisance houses.",
                end=date(2024, 12, 31)),
    ProgramSpec("Eastgate Safe Blocks", "Clean and Green Vacant Lots", "neighbourhood_safety",
                date(2022, 4, 1), 60, 6, "Volunteers clean and plant vacant lots.", end=date(2024, 10, 31)),
    ProgramSpec("Rural Youth Leadership", "4-H Youth Leadership Clubs", "youth", date(2021, 8, 1), 80, 8,
                "Leadership and service clubs co-led by county deputies."),
    ProgramSpec("Rural Youth Leadership", "Teen Driver Safety Days", "youth", date(2022, 4, 1), 120, 2,
                "Hands-on driving safety days for new drivers."),
    ProgramSpec("Prairie Crisis Telehealth", "Tele-Crisis Tablets in Patrol Cars", "mental_health",
                date(2022, 4, 1), 35, 10, "Officers connect people in crisis to a counsellor by video."),
    ProgramSpec("Prairie Crisis Telehealth", "Rural Mental Health First Aid", "mental_health",
                date(2022, 9, 1), 90, 3, "Mental Health First Aid courses for residents and deputies."),
    ProgramSpec("Reentry Bridge", "Reentry Navigators", "reentry", date(2021, 10, 1), 75, 14,
                "Navigators meet people at release and stay with them for a year."),
    ProgramSpec("Reentry Bridge", "Warrant Resolution Days", "reentry", date(2022, 6, 1), 110, 1,
                "Clear old warrants and fines with a judge on site, no arrests."),
    ProgramSpec("Victim Advocates in the Precincts", "Precinct-Based Victim Advocates", "victim_services",
                date(2020, 2, 1), 260, 50, "Advocates based in the precincts contact victims within 72 hours.",
                area_codes=URBAN_CODES),
    ProgramSpec("Victim Advocates in the Precincts", "Rural Victim Notification", "victim_services",
                date(2021, 3, 1), 40, 8, "Phone and home-visit follow-up for victims in the townships.",
                area_codes=RURAL_CODES),
    ProgramSpec("Westside Summer Hoops", "Summer Hoops Nights", "youth", date(2020, 6, 1), 70, 10,
                "Late-night basketball, June to September.", end=date(2021, 9, 30)),
    ProgramSpec("Rural Food and Safety Network", "Pantry Safety Check-Ins", "community_engagement",
                date(2025, 3, 1), 150, 4, "Deputies at church food pantries once a month."),
    ProgramSpec("Hospital Violence Intervention", "Bedside Violence Interrupters", "violence_prevention",
                date(2025, 1, 13), 55, 20, "Interrupters meet victims in the trauma bay and follow up for 90 days."),
    ProgramSpec("Rural Recovery Transport", "Rides to Recovery", "substance_use", date(2026, 11, 1), 30, 8,
                "Scheduled rides to treatment appointments."),
    ProgramSpec("Downtown Sobering Center Diversion", "Sobering Center Diversion", "substance_use",
                date(2021, 1, 11), 60, 25, "Twelve sobering beds instead of a night in jail.",
                end=date(2023, 6, 30)),
)  # fmt: skip


@dataclass(frozen=True)
class FocusProfile:
    cost_per_participant: float
    attendance_rate: float
    completion_rate: float
    monthly_turnover: float
    co_delivered_share: float
    seasonal_peak_month: int  # 1..12
    seasonal_amplitude: float
    grant_funder: str


FOCUS_PROFILES = {
    "youth": FocusProfile(1800, 0.74, 0.62, 0.07, 0.35, 7, 0.30, "OJJDP Community-Based Violence Prevention"),
    "mental_health": FocusProfile(2600, 0.82, 0.70, 0.20, 0.85, 1, 0.05, "SAMHSA Mental Health Awareness Training"),
    "homelessness": FocusProfile(3200, 0.70, 0.45, 0.12, 0.30, 1, 0.25, "HUD Continuum of Care"),
    "substance_use": FocusProfile(2200, 0.66, 0.48, 0.15, 0.40, 8, 0.05, "BJA Comprehensive Opioid Abuse Program"),
    "domestic_violence": FocusProfile(1500, 0.78, 0.60, 0.25, 0.70, 7, 0.10, "OVW Criminal Justice Responses"),
    "violence_prevention": FocusProfile(3000, 0.70, 0.55, 0.10, 0.50, 7, 0.20, "BJA Community Violence Intervention"),
    "neighbourhood_safety": FocusProfile(300, 0.68, 0.75, 0.08, 0.60, 6, 0.20, "Riverton Neighborhood Grants"),
    "reentry": FocusProfile(2600, 0.72, 0.52, 0.08, 0.20, 1, 0.00, "BJA Second Chance Act"),
    "victim_services": FocusProfile(900, 0.80, 0.65, 0.22, 0.55, 7, 0.10, "State VOCA Victim Assistance"),
    "community_engagement": FocusProfile(150, 0.70, 0.80, 0.30, 0.90, 6, 0.15, "Riverton Community Foundation"),
}  # fmt: skip

# (name, unit, higher_is_better, baseline, target) of each focus's two 'better off' measures
OUTCOME_KPIS = {
    "youth": (("Participants arrested within 6 months", "%", False, 18.0, 10.0),
              ("School attendance of participants", "%", True, 82.0, 90.0)),
    "mental_health": (("Crisis calls resolved without arrest or ED transport", "%", True, 55.0, 75.0),
                      ("Repeat crisis calls within 90 days", "%", False, 32.0, 20.0)),
    "homelessness": (("Clients housed within 90 days", "%", True, 12.0, 30.0),
                     ("Repeat encampment complaints", "complaints", False, 140.0, 80.0)),
    "substance_use": (("Participants in treatment at 30 days", "%", True, 35.0, 60.0),
                      ("Non-fatal overdoses among participants", "overdoses", False, 22.0, 10.0)),
    "domestic_violence": (("High-danger victims reached by an advocate within 24 h", "%", True, 48.0, 80.0),
                          ("Repeat DV calls to the same address within 6 months", "%", False, 27.0, 18.0)),
    "violence_prevention": (("Conflicts mediated", "conflicts", True, 10.0, 30.0),
                            ("Retaliatory shootings after a mediated conflict", "shootings", False, 6.0, 2.0)),
    "neighbourhood_safety": (("Residents who feel safe on their block", "%", True, 58.0, 70.0),
                             ("Problem properties with repeat 911 calls", "properties", False, 40.0, 20.0)),
    "reentry": (("Participants employed at 90 days", "%", True, 30.0, 50.0),
                ("Participants re-incarcerated within 12 months", "%", False, 38.0, 25.0)),
    "victim_services": (("Victims contacted within 72 hours", "%", True, 45.0, 85.0),
                        ("Victims who rate the support as helpful", "%", True, 70.0, 85.0)),
    "community_engagement": (("Attendees who say police listened to them", "%", True, 52.0, 70.0),
                             ("Complaints against officers in served areas", "complaints", False, 30.0, 20.0)),
}  # fmt: skip

PRIVATE_FUNDERS = ("Riverton Community Foundation", "United Way of Riverton County", "First Prairie Bank Foundation")

# (topic, hours, org types that co-deliver it)
TRAINING_TOPICS = (
    ("Crisis Intervention Team (CIT) 40-hour course", 40.0, ("mental_health",)),
    ("De-escalation and tactical communication (ICAT)", 16.0, ()),
    ("Trauma-informed policing", 8.0, ("other", "advocacy")),
    ("Domestic violence response and lethality assessment", 8.0, ("domestic_violence",)),
    ("Adolescent development and youth engagement", 6.0, ("youth",)),
    ("Mental Health First Aid", 8.0, ("mental_health",)),
    ("Overdose response and naloxone", 4.0, ("substance_use",)),
    ("Procedural justice and community trust", 8.0, ("neighborhood_association", "advocacy")),
    ("Engaging people experiencing homelessness", 4.0, ("housing",)),
    ("Victim-centred investigations", 8.0, ("other",)),
    ("Faith community liaison orientation", 3.0, ("faith",)),
    ("Implicit bias and fair and impartial policing", 8.0, ()),
)
TRAINING_COUNT = 60

FEEDBACK_COMMENTS = {
    ("agency", "high"): (
        "Staff pick up when officers call, day or night.",
        "Monthly case reviews are worth the time; officers see the results.",
        "Shared data arrives on time and is easy to use.",
        "Strong relationship at the sergeant level.",
    ),
    ("agency", "mid"): (
        "Good people, but referral feedback to officers is slow.",
        "Attendance from our side slipped over the summer.",
        "Roles are clear on paper; night shift still unsure how to refer.",
    ),
    ("agency", "low"): (
        "Hard to reach staff after 5 pm.",
        "We have not had a joint review in two quarters.",
    ),
    ("nonprofit", "high"): (
        "Assigned officers are consistent and respected by participants.",
        "Command staff came to our community night; it mattered.",
        "Officers follow through on referrals.",
    ),
    ("nonprofit", "mid"): (
        "Shift changes mean we brief new officers every few months.",
        "Next year's funding share is still not confirmed.",
        "Data we asked for in the spring arrived late.",
    ),
    ("nonprofit", "low"): (
        "Participants stopped coming after a stop near the clubhouse; we need to talk.",
        "We are carrying costs the agreement says are shared.",
    ),
}

# Random streams; each draw gets its own SeedSequence so no result depends on batch sizes.
_STREAM_COUNTS = 1
_STREAM_INCIDENTS = 2
_STREAM_RESIDENTS = 3
_STREAM_OFFICERS = 4
_STREAM_AREA_EFFECTS = 5
_STREAM_ACTIVITY = 6
_STREAM_KPIS = 7
_STREAM_FUNDING = 8
_STREAM_TRAININGS = 9
_STREAM_FEEDBACK = 10
_STREAM_VENDOR = 11
_STREAM_SITES = 12
_STREAM_OFFENCES = 13


def _rng(seed: int, stream: int, first: int = 0, second: int = 0) -> np.random.Generator:
    # fixed-length keys: SeedSequence ignores trailing zeros, so [s, 1] and [s, 1, 0] would collide
    return np.random.default_rng([seed, stream, first, second])


# --- dates --------------------------------------------------------------------------------

MONTHS = np.arange(np.datetime64(DEMO_START, "M"), np.datetime64(DEMO_END, "M") + 1)  # 81 month starts


def _month_index(day: date) -> int:
    return (day.year - DEMO_START.year) * 12 + day.month - DEMO_START.month


def _month_start(index: int) -> date:
    return MONTHS[index].astype("datetime64[D]").astype(date)


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def _partnership(name: str) -> PartnershipSpec:
    return next(spec for spec in PARTNERSHIPS if spec.name == name)


def _program_area_codes(program: ProgramSpec) -> tuple[str, ...]:
    return program.area_codes or _partnership(program.partnership).area_codes


def _program_last_month(program: ProgramSpec) -> int:
    """Index of the program's last month with activity; below its start month if it has none."""
    partnership = _partnership(program.partnership)
    last = _month_index(DEMO_END)
    if program.end:
        last = min(last, _month_index(program.end))
    if partnership.paused_from:
        last = min(last, _month_index(partnership.paused_from) - 1)
    return last


# --- geography ------------------------------------------------------------------------------

_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON = 111.320 * np.cos(np.radians(CENTRE_LAT))


def _km_to_lonlat(coords: np.ndarray) -> np.ndarray:
    return np.column_stack([CENTRE_LON + coords[:, 0] / _KM_PER_DEG_LON, CENTRE_LAT + coords[:, 1] / _KM_PER_DEG_LAT])


def _city_outline_km() -> Polygon:
    angle = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    radius = 11.0 * (1 + 0.06 * np.sin(3 * angle + 0.7) + 0.04 * np.sin(5 * angle + 2.1) + 0.02 * np.sin(9 * angle))
    return Polygon(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))


def _county_outline_km() -> Polygon:
    return Polygon(
        [(-28, -23), (-9, -24.5), (10, -23.5), (27, -25), (28.5, -6), (27, 12),
         (29, 24), (8, 25.5), (-12, 24), (-29, 25), (-30, 4), (-28.5, -12)]
    )  # fmt: skip


def _voronoi_split(region: Polygon, seeds: list[tuple[float, float]]) -> list[Polygon]:
    """Cells of `region` nearest to each seed, in seed order; they tile `region` exactly."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=region.envelope.buffer(100))
    pieces = []
    for seed in seeds:
        cell = next(cell for cell in cells.geoms if cell.contains(Point(seed)))
        pieces.append(cell.intersection(region))
    return pieces


def county_polygon() -> Polygon:
    """The whole jurisdiction in WGS84 (lon, lat); the 37 area polygons tile it."""
    return shapely.transform(_county_outline_km(), _km_to_lonlat)


def area_polygons() -> list[Polygon]:
    """WGS84 polygons of AREAS, in order: Voronoi cells of the city, then of the county ring."""
    city = _city_outline_km()
    ring = _county_outline_km().difference(city)
    cells_km = _voronoi_split(city, [area.seed_km for area in NEIGHBOURHOODS]) + _voronoi_split(
        ring, [area.seed_km for area in TOWNSHIPS]
    )
    # the same affine map on every shared vertex keeps the tiling exact in degrees
    polygons = [shapely.transform(cell, _km_to_lonlat) for cell in cells_km]
    if not all(polygon.geom_type == "Polygon" and polygon.is_valid for polygon in polygons):
        raise RuntimeError("demo geography produced an invalid or multi-part area polygon")
    return polygons


def _land_km2(polygons: list[Polygon]) -> list[float]:
    to_albers = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:5070", always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(to_albers.transform(coords[:, 0], coords[:, 1]))

    return [shapely.transform(polygon, project).area / 1e6 for polygon in polygons]


# --- build ----------------------------------------------------------------------------------


def build(out: str | os.PathLike, seed: int = 1, incidents: int = 300_000) -> None:
    """Write the demo database to `out` atomically; same seed and size give identical tables."""
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, got {seed}")
    if incidents < 0:
        raise ValueError(f"incidents must be 0 or more, got {incidents}")
    polygons = area_polygons()
    with db.building(out) as con:
        db.create_schema(con)
        con.executemany(
            "insert into schema_meta values (?, ?)",
            [
                ("demo_seed", str(seed)),
                ("demo_incidents", str(incidents)),
                # the city's fiscal year runs July to June, named by the year it ends in
                ("fiscal_year_start_month", "7"),
            ],
        )
        _write_cast(con, polygons)
        _write_program_sites(con, seed, polygons)
        activity = _program_activity(seed)
        _insert(
            con, "program_activity", pd.concat(activity.values(), ignore_index=True), "* replace (month::date as month)"
        )
        _write_kpis(con, seed, activity)
        _write_program_funding(con, seed)
        _write_trainings(con, seed)
        _write_partner_feedback(con, seed)
        _write_app_users(con)
        _write_surveys(con, seed)
        vendor_file = _write_vendor_scores(con, seed)
        _write_incidents(con, seed, incidents, polygons)
        db.rebuild_rollups(con)
        _write_import_log(con, seed, incidents, vendor_file)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, select: str = "*") -> None:
    con.register("demo_frame", frame)
    try:
        # table and select list are constants of this module, never user input
        con.execute(f"insert into {table} by name select {select} from demo_frame")  # noqa: S608
    finally:
        con.unregister("demo_frame")


def _write_cast(con: duckdb.DuckDBPyConnection, polygons: list[Polygon]) -> None:
    con.execute(
        "insert into agencies values (?, ?, 'police', ?, ?)",
        [AGENCY_ID, AGENCY_NAME, AGENCY_SWORN, AGENCY_JURISDICTION],
    )
    centroids = [polygon.centroid for polygon in polygons]
    areas = pd.DataFrame(
        {
            "area_id": np.arange(1, len(AREAS) + 1),
            "agency_id": AGENCY_ID,
            "area_code": [area.code for area in AREAS],
            "name": [area.name for area in AREAS],
            "kind": ["neighbourhood"] * len(NEIGHBOURHOODS) + ["township"] * len(TOWNSHIPS),
            "population": [area.population for area in AREAS],
            "land_km2": np.round(_land_km2(polygons), 3),
            "urbanicity": ["urban" if area.ruca <= 3 else "rural" for area in AREAS],
            "class_code": [area.ruca for area in AREAS],
            "class_scheme": "RUCA",
            "geometry_wkb": [shapely.to_wkb(polygon) for polygon in polygons],
            "centroid_lat": [round(point.y, 6) for point in centroids],
            "centroid_lon": [round(point.x, 6) for point in centroids],
        }
    )
    _insert(con, "areas", areas, "* exclude (geometry_wkb), st_geomfromwkb(geometry_wkb) as geometry")

    nonprofits = pd.DataFrame(
        {
            "nonprofit_id": np.arange(1, len(NONPROFITS) + 1),
            "name": [org.name for org in NONPROFITS],
            "org_type": [org.org_type for org in NONPROFITS],
            "description": [org.description for org in NONPROFITS],
            "founded_year": [org.founded_year for org in NONPROFITS],
            "website": [f"https://www.{org.slug}.example" for org in NONPROFITS],
        }
    )
    _insert(con, "nonprofits", nonprofits)
    # whom the agency calls at each partner (agency-only: publish never reads this table);
    # 555-01xx numbers are reserved for fiction
    contacts = pd.DataFrame(
        {
            "nonprofit_id": np.arange(1, len(NONPROFITS) + 1),
            "contact_name": "Partnerships coordinator",
            "email": [f"partners@{org.slug}.example" for org in NONPROFITS],
            "phone": [f"+1 555 01{index:02d}" for index in range(len(NONPROFITS))],
        }
    )
    _insert(con, "nonprofit_contacts", contacts)

    nonprofit_ids = {org.name: index + 1 for index, org in enumerate(NONPROFITS)}
    partnerships = pd.DataFrame(
        {
            "partnership_id": np.arange(1, len(PARTNERSHIPS) + 1),
            "agency_id": AGENCY_ID,
            "nonprofit_id": [nonprofit_ids[spec.nonprofit] for spec in PARTNERSHIPS],
            "name": [spec.name for spec in PARTNERSHIPS],
            "description": [spec.description for spec in PARTNERSHIPS],
            "start_date": [spec.start for spec in PARTNERSHIPS],
            "end_date": [spec.end for spec in PARTNERSHIPS],
            "status": [spec.status for spec in PARTNERSHIPS],
            "mou_signed_on": [spec.mou_signed_on for spec in PARTNERSHIPS],
            "data_sharing_level": [spec.data_sharing for spec in PARTNERSHIPS],
            "roles": [spec.roles for spec in PARTNERSHIPS],
        }
    )
    _insert(
        con,
        "partnerships",
        partnerships,
        "* replace (start_date::date as start_date, end_date::date as end_date, mou_signed_on::date as mou_signed_on)",
    )
    partnership_areas = pd.DataFrame(
        [(pid, AREA_INDEX[code] + 1) for pid, spec in enumerate(PARTNERSHIPS, 1) for code in spec.area_codes],
        columns=["partnership_id", "area_id"],
    )
    _insert(con, "partnership_areas", partnership_areas)

    partnership_ids = {spec.name: index + 1 for index, spec in enumerate(PARTNERSHIPS)}
    programs = pd.DataFrame(
        {
            "program_id": np.arange(1, len(PROGRAMS) + 1),
            "partnership_id": [partnership_ids[program.partnership] for program in PROGRAMS],
            "name": [program.name for program in PROGRAMS],
            "focus": [program.focus for program in PROGRAMS],
            "description": [program.description for program in PROGRAMS],
            "start_date": [program.start for program in PROGRAMS],
            "end_date": [program.end for program in PROGRAMS],
            "target_participants": [program.target_participants for program in PROGRAMS],
        }
    )
    _insert(con, "programs", programs, "* replace (start_date::date as start_date, end_date::date as end_date)")
    program_areas = pd.DataFrame(
        [
            (program_id, AREA_INDEX[code] + 1)
            for program_id, program in enumerate(PROGRAMS, 1)
            for code in _program_area_codes(program)
        ],
        columns=["program_id", "area_id"],
    )
    _insert(con, "program_areas", program_areas)


def _write_program_sites(con: duckdb.DuckDBPyConnection, seed: int, polygons: list[Polygon]) -> None:
    """One site per program in its first area, and a second in its last when it serves three or more."""
    rows = []
    for program_id, program in enumerate(PROGRAMS, 1):
        codes = _program_area_codes(program)
        rng = _rng(seed, _STREAM_SITES, program_id)
        for code in dict.fromkeys((codes[0], codes[-1]) if len(codes) >= 3 else codes[:1]):
            area = AREAS[AREA_INDEX[code]]
            # sites sit in the inner part of the area so they never straddle a boundary
            lon, lat = _points_in(rng, polygons[AREA_INDEX[code]].buffer(-0.002), 1)
            rows.append(
                (
                    len(rows) + 1,
                    program_id,
                    f"{program.name} at {area.name}",
                    AREA_INDEX[code] + 1,
                    float(lat[0]),
                    float(lon[0]),
                )
            )
    con.executemany("insert into program_sites values (?, ?, ?, ?, ?, ?)", rows)


# --- programs -------------------------------------------------------------------------------


def _seasonal(profile: FocusProfile, calendar_month: int) -> float:
    return 1 + profile.seasonal_amplitude * np.cos(2 * np.pi * (calendar_month - profile.seasonal_peak_month) / 12)


def _simulate_activity(seed: int, program_index: int, program: ProgramSpec) -> pd.DataFrame:
    """Monthly activity of one program: enrolment carried over, with joiners and leavers."""
    profile = FOCUS_PROFILES[program.focus]
    rng = _rng(seed, _STREAM_ACTIVITY, program_index)
    first, last = _month_index(program.start), _program_last_month(program)
    # some programs run below target all along; that is what the RBA pages are for
    level = rng.uniform(0.65, 1.15)
    attendance_rate = np.clip(profile.attendance_rate + rng.normal(0, 0.05), 0.4, 0.97)
    completion_rate = np.clip(profile.completion_rate + rng.normal(0, 0.06), 0.2, 0.95)
    rows = []
    carried = 0
    for month in range(first, last + 1):
        ramp = min(1.0, (month - first + 1) / 6)
        season = _seasonal(profile, month % 12 + 1)
        wanted = program.target_participants * level * ramp * season
        new = int(rng.poisson(max(wanted - carried, 0) * 0.6 + wanted * profile.monthly_turnover * 0.5))
        participants = carried + new
        exits = int(rng.binomial(participants, profile.monthly_turnover))
        completions = int(rng.binomial(exits, completion_rate))
        carried = participants - exits
        sessions = int(rng.poisson(program.sessions_per_month * ramp * season))
        sessions_per_participant = min(sessions, 4)
        expected = participants * sessions_per_participant
        rows.append(
            {
                "month": _month_start(month),
                "sessions": sessions,
                "events": int(rng.poisson(1.2 * ramp)),
                "participants": participants,
                "new_participants": new,
                "attendance_expected": expected,
                "attendance_actual": int(rng.binomial(expected, attendance_rate)),
                "exits": exits,
                "completions": completions,
                "volunteer_hours": round(float(rng.gamma(2.0, 1.5) * sessions), 1),
                "referrals_received": int(rng.poisson(0.6 * new)),
                "referrals_made": int(rng.poisson(0.15 * participants)),
                "sessions_co_delivered": int(rng.binomial(sessions, profile.co_delivered_share)),
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(0, "program_id", program_index + 1)
    return frame


def _program_activity(seed: int) -> dict[int, pd.DataFrame]:
    """Activity frames by program index, for the programs that have started by DEMO_END."""
    return {
        index: _simulate_activity(seed, index, program)
        for index, program in enumerate(PROGRAMS)
        if _month_index(program.start) <= _program_last_month(program)
    }


class _KpiSpec(NamedTuple):
    name: str
    rba_category: str
    unit: str
    higher_is_better: bool
    baseline: float | None
    target: float
    derived_from: str  # the activity measure behind the value, or 'outcome' for a modelled trajectory


def _kpi_specs(index: int, program: ProgramSpec) -> list[_KpiSpec]:
    """3-5 measures per program, picked by position so that the KPI cast does not depend on the seed."""
    profile = FOCUS_PROFILES[program.focus]
    first_outcome, second_outcome = OUTCOME_KPIS[program.focus]
    target_participants = float(program.target_participants)
    specs = [_KpiSpec("Participants served", "how_much", "people", True, None, target_participants, "participants")]
    if index % 2 == 0:
        quarterly_sessions = float(program.sessions_per_month * 3)
        specs.append(_KpiSpec("Sessions delivered", "how_much", "sessions", True, None, quarterly_sessions, "sessions"))
    specs.append(_KpiSpec("Attendance rate", "how_well", "%", True, None, 80.0, "attendance"))
    if index % 3 == 0:
        target_completion = round(profile.completion_rate * 100) + 5.0
        specs.append(_KpiSpec("Completion rate", "how_well", "%", True, None, target_completion, "completion"))
    elif index % 3 == 1:
        specs.append(_KpiSpec("Days from referral to first contact", "how_well", "days", False, 7.0, 3.0, "outcome"))
    specs.append(_KpiSpec(first_outcome[0], "better_off", *first_outcome[1:], "outcome"))
    if index % 2 == 1:
        specs.append(_KpiSpec(second_outcome[0], "better_off", *second_outcome[1:], "outcome"))
    return specs


def _write_kpis(con: duckdb.DuckDBPyConnection, seed: int, activity: dict[int, pd.DataFrame]) -> None:
    kpi_rows, value_rows = [], []
    # outcome KPIs of the partnerships with a planted crime drop improve too, so the pages agree
    planted_partnerships = {effect.partnership_name for effect in PLANTED_CRIME_EFFECTS}
    for index, program in enumerate(PROGRAMS):
        rng = _rng(seed, _STREAM_KPIS, index)
        effectiveness = 1.1 if program.partnership in planted_partnerships else rng.uniform(0.2, 1.2)
        quarters = _quarterly(activity.get(index))
        for spec in _kpi_specs(index, program):
            kpi_id = len(kpi_rows) + 1
            kpi_rows.append(
                {
                    "kpi_id": kpi_id,
                    "program_id": index + 1,
                    "name": spec.name,
                    "rba_category": spec.rba_category,
                    "unit": spec.unit,
                    "higher_is_better": spec.higher_is_better,
                    "target": spec.target,
                    "baseline": spec.baseline,
                    "description": f"{spec.name} ({spec.unit}), reported quarterly.",
                }
            )
            for quarter_number, quarter in enumerate(quarters.itertuples()):
                value = _kpi_value(rng, spec, quarter, quarter_number, effectiveness)
                if value is not None:
                    value_rows.append(
                        {
                            "kpi_id": kpi_id,
                            "period_start": quarter.period_start,
                            "period_end": quarter.period_end,
                            "value": value,
                        }
                    )
    _insert(con, "kpis", pd.DataFrame(kpi_rows))
    _insert(
        con,
        "kpi_values",
        pd.DataFrame(value_rows),
        "* replace (period_start::date as period_start, period_end::date as period_end)",
    )


def _quarterly(activity: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["period_start", "period_end", "participants", "sessions", "expected", "actual", "exits", "completions"]
    if activity is None or activity.empty:
        return pd.DataFrame(columns=columns)
    months = pd.to_datetime(activity["month"])
    quarter_start = months.dt.to_period("Q").dt.start_time
    grouped = activity.assign(quarter_start=quarter_start).groupby("quarter_start", sort=True)
    quarters = pd.DataFrame(
        {
            "participants": grouped["participants"].max(),
            "sessions": grouped["sessions"].sum(),
            "expected": grouped["attendance_expected"].sum(),
            "actual": grouped["attendance_actual"].sum(),
            "exits": grouped["exits"].sum(),
            "completions": grouped["completions"].sum(),
        }
    ).reset_index()
    quarters["period_start"] = quarters["quarter_start"].dt.date
    quarters["period_end"] = (quarters["quarter_start"] + pd.offsets.QuarterEnd(0)).dt.date
    return quarters[columns]


def _kpi_value(rng, spec: _KpiSpec, quarter, quarter_number: int, effectiveness: float) -> float | None:
    """One quarter's value; None where the rate has no denominator that quarter."""
    if spec.derived_from == "participants":
        return float(quarter.participants)
    if spec.derived_from == "sessions":
        return float(quarter.sessions)
    if spec.derived_from == "attendance":
        return round(100 * quarter.actual / quarter.expected, 1) if quarter.expected else None
    if spec.derived_from == "completion":
        return round(100 * quarter.completions / quarter.exits, 1) if quarter.exits else None
    progress = min(1.0, (quarter_number + 1) / 6) * effectiveness
    expected = spec.baseline + (spec.target - spec.baseline) * progress
    value = max(0.0, expected + rng.normal(0, 0.06 * abs(spec.baseline) + 0.5))
    if spec.unit == "%":
        return round(min(value, 100.0), 1)
    return round(value, 1) if spec.unit == "days" else float(round(value))


def _fiscal_year(day: date) -> int:
    """The city's fiscal year runs July to June and is named by the calendar year it ends in."""
    return day.year + (day.month >= 7)


def _fiscal_year_months(fiscal_year: int) -> tuple[int, int]:
    """Month indexes (may fall outside the demo period) of July..June of a fiscal year named by its end."""
    first = _month_index(date(fiscal_year - 1, 7, 1))
    return first, first + 11


def _write_program_funding(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    rows = []
    nonprofit_of = {spec.name: spec.nonprofit for spec in PARTNERSHIPS}
    for index, program in enumerate(PROGRAMS):
        rng = _rng(seed, _STREAM_FUNDING, index)
        profile = FOCUS_PROFILES[program.focus]
        annual = max(15_000.0, program.target_participants * profile.cost_per_participant)
        first = _month_index(program.start)
        # budgets are appropriated for whole fiscal years, so open programs are funded through FY2027
        last = _month_index(program.end) if program.end else _month_index(date(2027, 6, 1))
        has_grant = index % 3 != 2
        has_private = index % 4 in (0, 1)
        last_day = _add_months(DEMO_START, last)
        for fiscal_year in range(_fiscal_year(program.start), _fiscal_year(last_day) + 1):
            fy_first, fy_last = _fiscal_year_months(fiscal_year)
            share = (min(last, fy_last) - max(first, fy_first) + 1) / 12
            if share <= 0:
                continue
            budget = annual * share * rng.uniform(0.9, 1.12)
            split = {
                "agency": rng.uniform(0.15, 0.35),
                "nonprofit": rng.uniform(0.10, 0.30),
                "grant": rng.uniform(0.30, 0.55) if has_grant else 0.0,
                "private": rng.uniform(0.05, 0.15) if has_private else 0.0,
                "in_kind": rng.uniform(0.05, 0.15),
            }
            total_share = sum(split.values())
            funders = {
                "agency": AGENCY_NAME,
                "nonprofit": nonprofit_of[program.partnership],
                "grant": profile.grant_funder,
                "private": PRIVATE_FUNDERS[index % len(PRIVATE_FUNDERS)],
                "in_kind": "RMPD meeting space, vehicles and officer time",
            }
            for source, part in split.items():
                if part > 0:
                    rows.append(
                        {
                            "program_id": index + 1,
                            "fiscal_year": fiscal_year,
                            "source": source,
                            "amount": round(budget * part / total_share / 50) * 50.0,
                            "funder_name": funders[source],
                        }
                    )
    _insert(con, "program_funding", pd.DataFrame(rows))


def _active_partnerships_on(day: date) -> list[int]:
    active = []
    for index, spec in enumerate(PARTNERSHIPS):
        stop = spec.end or spec.paused_from or DEMO_END
        if spec.status != "planned" and spec.start <= day <= stop:
            active.append(index)
    return active


def _write_trainings(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    rng = _rng(seed, _STREAM_TRAININGS)
    org_type = {org.name: org.org_type for org in NONPROFITS}
    span_days = (DEMO_END - DEMO_START).days
    offsets = np.sort(rng.integers(10, span_days - 5, TRAINING_COUNT))
    rows = []
    for training_id, offset in enumerate(offsets, 1):
        held_on = DEMO_START + timedelta(days=int(offset))
        topic, hours, partner_types = TRAINING_TOPICS[rng.integers(len(TRAINING_TOPICS))]
        partners = [
            index
            for index in _active_partnerships_on(held_on)
            if org_type[PARTNERSHIPS[index].nonprofit] in partner_types
        ]
        co_delivered = bool(partners) and rng.random() < 0.7
        partnership_id = int(partners[rng.integers(len(partners))]) + 1 if co_delivered else None
        officers = int(rng.integers(16, 31)) if hours >= 40 else int(rng.integers(12, 61))
        rows.append(
            {
                "training_id": training_id,
                "agency_id": AGENCY_ID,
                "partnership_id": partnership_id,
                "topic": topic,
                "held_on": held_on,
                "officers_trained": officers,
                "hours": hours,
                "is_co_delivered": co_delivered,
            }
        )
    trainings = pd.DataFrame(rows).astype({"partnership_id": "Int64"})
    _insert(con, "trainings", trainings, "* replace (held_on::date as held_on)")


def _write_partner_feedback(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    rows = []
    for index, spec in enumerate(PARTNERSHIPS):
        if spec.status == "planned":
            continue
        rng = _rng(seed, _STREAM_FEEDBACK, index)
        health = rng.normal(3.9, 0.35)
        period = date(spec.start.year, 1 if spec.start.month <= 6 else 7, 1)
        stop = spec.end or DEMO_END
        while period <= stop:
            # relationships sour before a pause; agencies rate resources higher than nonprofits do
            strain = 0.8 if spec.paused_from and period >= _add_months(spec.paused_from, -12) else 0.0
            for side, resource_gap in (("agency", 0.2), ("nonprofit", -0.4)):
                means = np.array([health + 0.1, health, health + 0.2, health + resource_gap]) - strain
                ratings = np.clip(np.rint(means + rng.normal(0, 0.6, 4)), 1, 5).astype(int)
                mood = "high" if ratings.mean() >= 4 else "mid" if ratings.mean() >= 3 else "low"
                pool = FEEDBACK_COMMENTS[(side, mood)]
                comment = pool[rng.integers(len(pool))] if rng.random() < 0.75 else None
                communication, trust, shared_goals, resources = ratings.tolist()
                rows.append(
                    {
                        "feedback_id": len(rows) + 1,
                        "partnership_id": index + 1,
                        "period_start": period,
                        "respondent_side": side,
                        "communication": communication,
                        "trust": trust,
                        "shared_goals": shared_goals,
                        "resources": resources,
                        "comment": comment,
                    }
                )
            period = _add_months(period, 6)
    _insert(con, "partner_feedback", pd.DataFrame(rows), "* replace (period_start::date as period_start)")


def _write_app_users(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        (f"chief@{AGENCY_EMAIL_DOMAIN}", "Chief Dana Whitfield", "chief", AGENCY_ID, None),
        (f"analyst@{AGENCY_EMAIL_DOMAIN}", "Priya Raman, crime analyst", "analyst", AGENCY_ID, None),
    ]
    rows += [
        (f"director@{org.slug}.example", org.director, "director", None, nonprofit_id)
        for nonprofit_id, org in enumerate(NONPROFITS, 1)
    ]
    users = pd.DataFrame(rows, columns=["email", "display_name", "role", "agency_id", "nonprofit_id"])
    users = users.astype({"agency_id": "Int64", "nonprofit_id": "Int64"})
    _insert(con, "app_users", users)


# --- surveys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wave:
    audience: str
    name: str
    fielded_from: date
    fielded_to: date
    scale_min: int
    scale_max: int
    mode: str
    vendor: str


def _survey_waves() -> list[_Wave]:
    waves = []
    for quarter in range(27):
        quarter_start = _month_start(quarter * 3)
        fielded_from = quarter_start + timedelta(days=24)
        waves.append(
            _Wave(
                "resident",
                f"Resident survey {quarter_start.year} Q{quarter % 4 + 1}",
                fielded_from,
                fielded_from + timedelta(days=41),
                1,
                5,
                "mixed",
                "Prairie Research Associates",
            )
        )
    for year in range(2020, 2026):
        waves.append(
            _Wave(
                "officer",
                f"Officer climate survey {year}",
                date(year, 10, 1),
                date(year, 11, 15),
                1,
                7,
                "web",
                "RMPD Planning and Research",
            )
        )
    return sorted(waves, key=lambda wave: (wave.fielded_from, wave.audience))


def _to_scale(rng: np.random.Generator, score_0_100: np.ndarray, scale_min: int, scale_max: int) -> np.ndarray:
    """Dithered rounding: E[(item - min) / (max - min) * 100] equals the clipped score exactly."""
    position = np.clip(score_0_100, 0, 100) / 100 * (scale_max - scale_min)
    floor = np.floor(position)
    return scale_min + floor + (rng.random(len(position)) < position - floor)


def _draw_codes(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category index per row of `probabilities` (rows sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(len(probabilities))[:, None] >= cumulative).sum(axis=1)


def _poststrat_weights(area_index: np.ndarray, age: np.ndarray, area_share: np.ndarray, age_share) -> np.ndarray:
    """Population share / sample share of the area times the same ratio for the age band, mean 1."""
    n = len(area_index)
    sample_area = np.bincount(area_index, minlength=len(area_share)) / n
    weight = area_share[area_index] / sample_area[area_index]
    known = age >= 0
    sample_age = np.bincount(age[known], minlength=len(AGE_BANDS)) / max(known.sum(), 1)
    age_factor = np.ones(n)
    age_factor[known] = np.asarray(age_share)[age[known]] / sample_age[age[known]]
    weight = weight * age_factor
    return weight / weight.mean()


def _area_trust_effects(seed: int) -> np.ndarray:
    return _rng(seed, _STREAM_AREA_EFFECTS).normal(0, TRUST_AREA_SD, len(AREAS))


def _area_safety_effects() -> np.ndarray:
    violent = np.array([area.violent_per_1k for area in AREAS])
    return -6.0 * np.log(violent / np.median(violent))


def _trust_shift(area_index: np.ndarray, responded_on: np.ndarray) -> np.ndarray:
    shift = np.zeros(len(area_index))
    for effect in PLANTED_TRUST_EFFECTS:
        spec = _partnership(effect.partnership_name)
        served = np.isin(area_index, [AREA_INDEX[code] for code in spec.area_codes])
        shift += np.where(served & (responded_on >= np.datetime64(spec.start)), effect.shift_0_100, 0.0)
    return shift


def _with_missing(rng: np.random.Generator, codes: np.ndarray, share: float) -> np.ndarray:
    return np.where(rng.random(len(codes)) < share, -1, codes)


def _resident_responses(seed: int, wave_index: int, wave: _Wave) -> pd.DataFrame:
    rng = _rng(seed, _STREAM_RESIDENTS, wave_index)
    urban = np.array([area.ruca <= 3 for area in AREAS])
    per_area = np.where(urban, rng.integers(40, 81, len(AREAS)), rng.integers(10, 26, len(AREAS)))
    area_index = np.repeat(np.arange(len(AREAS)), per_area)
    n = len(area_index)
    race_mix = np.array([COMMUNITY_RACE_MIX[area.community] for area in AREAS])
    race_mix = race_mix / race_mix.sum(axis=1, keepdims=True)
    age = _draw_codes(rng, np.tile(RESIDENT_SAMPLE_AGE_SHARES, (n, 1)))
    race = _draw_codes(rng, race_mix[area_index])
    gender = _draw_codes(rng, np.tile((0.54, 0.44, 0.012, 0.008), (n, 1)))
    days = (wave.fielded_to - wave.fielded_from).days + 1
    responded_on = np.datetime64(wave.fielded_from) + rng.integers(0, days, n).astype("timedelta64[D]")

    trust = (
        TRUST_BASE
        + np.where(urban[area_index], 0.0, TRUST_RURAL_BONUS)
        + _area_trust_effects(seed)[area_index]
        + np.asarray(TRUST_AGE_EFFECT)[age]
        + np.asarray(TRUST_RACE_EFFECT)[race]
        + np.where(gender == 1, -1.0, 0.0)
        + _trust_shift(area_index, responded_on)
        + rng.normal(0, TRUST_NOISE_SD, n)
    )
    safety = (
        60.0
        + np.where(urban[area_index], 0.0, 12.0)
        + _area_safety_effects()[area_index]
        + 0.3 * (trust - TRUST_BASE)
        + np.where(age == 5, -2.0, 0.0)
        + rng.normal(0, 14, n)
    )
    night_penalty = np.where(gender == 0, -16.0, -10.0)
    items = {name: trust + offset + rng.normal(0, 7, n) for name, offset in TRUST_ITEMS.items()}
    items["safety_day"] = safety + 12 + rng.normal(0, 7, n)
    items["safety_night"] = safety + night_penalty + rng.normal(0, 7, n)
    population = np.array([area.population for area in AREAS], dtype=float)
    reported_age = _with_missing(rng, age, 0.03)
    weights = _poststrat_weights(area_index, reported_age, population / population.sum(), POPULATION_AGE_SHARES)
    return _response_frame(rng, wave, area_index, responded_on, reported_age, gender, race, items, weights)


def _officer_responses(seed: int, wave_index: int, wave: _Wave) -> pd.DataFrame:
    rng = _rng(seed, _STREAM_OFFICERS, wave_index)
    n = int(rng.integers(250, 351))
    workload = np.array([area.population * (area.violent_per_1k + area.property_per_1k / 3) for area in AREAS])
    workload /= workload.sum()
    area_index = np.sort(_draw_codes(rng, np.tile(workload, (n, 1))))
    age = _draw_codes(rng, np.tile(OFFICER_SAMPLE_AGE_SHARES, (n, 1)))
    race = _draw_codes(rng, np.tile((0.12, 0.12, 0.70, 0.03, 0.01, 0.015, 0.005), (n, 1)))
    gender = _draw_codes(rng, np.tile((0.17, 0.82, 0.005, 0.005), (n, 1)))
    days = (wave.fielded_to - wave.fielded_from).days + 1
    responded_on = np.datetime64(wave.fielded_from) + rng.integers(0, days, n).astype("timedelta64[D]")
    rural = np.array([area.ruca > 3 for area in AREAS])[area_index]
    trust = OFFICER_TRUST_BASE + np.where(rural, 4.0, 0.0) + np.where(age <= 1, -3.0, 0.0) + rng.normal(0, 16, n)
    safety = 58.0 + np.where(rural, 6.0, 0.0) + _area_safety_effects()[area_index] + rng.normal(0, 14, n)
    items = {name: trust + offset + rng.normal(0, 7, n) for name, offset in TRUST_ITEMS.items()}
    items["safety_day"] = safety + 8 + rng.normal(0, 7, n)
    items["safety_night"] = safety - 8 + rng.normal(0, 7, n)
    sample_area_share = np.bincount(area_index, minlength=len(AREAS)) / n
    reported_age = _with_missing(rng, age, 0.03)
    # officers are weighted to the roster by age only; the area term is 1 by construction
    weights = _poststrat_weights(area_index, reported_age, sample_area_share, OFFICER_ROSTER_AGE_SHARES)
    return _response_frame(rng, wave, area_index, responded_on, reported_age, gender, race, items, weights)


def _response_frame(rng, wave, area_index, responded_on, reported_age, gender, race, items, weights) -> pd.DataFrame:
    """One wave's rows; `reported_age` already has its missing answers (-1), gender and race get theirs here."""
    n = len(area_index)
    frame = pd.DataFrame(
        {
            "scale_min": wave.scale_min,
            "scale_max": wave.scale_max,
            "area_id": area_index + 1,
            "responded_on": responded_on,
            "weight": np.round(weights, 6),
            "age_band": pd.Categorical.from_codes(reported_age, AGE_BANDS),
            "gender": pd.Categorical.from_codes(_with_missing(rng, gender, 0.03), GENDERS),
            "race_ethnicity": pd.Categorical.from_codes(_with_missing(rng, race, 0.03), RACE_GROUPS),
        }
    )
    skipped_all_trust = rng.random(n) < 0.006
    for name, score in items.items():
        values = _to_scale(rng, score, wave.scale_min, wave.scale_max)
        missing = rng.random(n) < 0.05
        if name in TRUST_ITEMS:
            missing |= skipped_all_trust
        frame[name] = np.where(missing, np.nan, values)
    return frame


def _write_surveys(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    waves = _survey_waves()
    wave_frame = pd.DataFrame(
        {
            "wave_id": np.arange(1, len(waves) + 1),
            "agency_id": AGENCY_ID,
            "audience": [wave.audience for wave in waves],
            "name": [wave.name for wave in waves],
            "fielded_from": [wave.fielded_from for wave in waves],
            "fielded_to": [wave.fielded_to for wave in waves],
            "scale_min": [wave.scale_min for wave in waves],
            "scale_max": [wave.scale_max for wave in waves],
            "mode": [wave.mode for wave in waves],
            "vendor": [wave.vendor for wave in waves],
        }
    )
    _insert(
        con,
        "survey_waves",
        wave_frame,
        "* replace (fielded_from::date as fielded_from, fielded_to::date as fielded_to)",
    )
    frames = []
    for wave_index, wave in enumerate(waves):
        make = _resident_responses if wave.audience == "resident" else _officer_responses
        frame = make(seed, wave_index, wave)
        frame.insert(0, "wave_id", wave_index + 1)
        frames.append(frame)
    responses = pd.concat(frames, ignore_index=True)
    responses.insert(0, "response_id", np.arange(1, len(responses) + 1))
    _insert(con, "survey_responses", responses, "* replace (responded_on::date as responded_on)")


def _expected_area_trust(seed: int) -> np.ndarray:
    """Population-average latent trust per area, before any planted shift."""
    race_mix = np.array([COMMUNITY_RACE_MIX[area.community] for area in AREAS])
    race_mix = race_mix / race_mix.sum(axis=1, keepdims=True)
    rural = np.array([area.ruca > 3 for area in AREAS])
    return (
        TRUST_BASE
        + np.where(rural, TRUST_RURAL_BONUS, 0.0)
        + _area_trust_effects(seed)
        + float(np.dot(POPULATION_AGE_SHARES, TRUST_AGE_EFFECT))
        + race_mix @ np.asarray(TRUST_RACE_EFFECT)
        - 0.44  # men (44% of residents) score 1 point lower
    )


def _vendor_rows(seed: int) -> list[tuple]:
    """(area_code or 'ALL', month, measure, score, n) of the vendor's monthly panel, urban areas only."""
    rng = _rng(seed, _STREAM_VENDOR)
    trust_mean = _expected_area_trust(seed)
    safety_mean = 60.0 + _area_safety_effects() + 0.3 * (trust_mean - TRUST_BASE) + 1.0
    populations = np.array([area.population for area in NEIGHBOURHOODS], dtype=float)
    rows = []
    for month in range(_month_index(VENDOR_FIRST_MONTH), len(MONTHS)):
        month_start = _month_start(month)
        shift = _trust_shift(np.arange(len(NEIGHBOURHOODS)), np.full(len(NEIGHBOURHOODS), np.datetime64(month_start)))
        sizes = rng.poisson(45, len(NEIGHBOURHOODS)) + 10
        for measure, mean in (("trust", trust_mean[: len(NEIGHBOURHOODS)] + shift), ("safety", safety_mean)):
            scores = np.clip(mean[: len(NEIGHBOURHOODS)] + VENDOR_BIAS + rng.normal(0, 20 / np.sqrt(sizes)), 0, 100)
            for area, score, size in zip(NEIGHBOURHOODS, scores, sizes, strict=True):
                rows.append((area.code, month_start, measure, round(float(score), 1), int(size)))
            citywide = float(np.dot(scores, populations) / populations.sum())
            rows.append(("ALL", month_start, measure, round(citywide, 1), int(sizes.sum())))
    return rows


# (line position among the good rows, bad csv line, reason) - a vendor file is never clean
_VENDOR_BAD_LINES = (
    (212, "N26,2021-09-01,trust,61.2,48", "unknown area code 'N26'"),
    (1031, "N07,2022-08-01,safety,104.7,52", "value_0_100 104.7 is outside 0-100"),
    (1568, "N15,2023-02-30,trust,66.0,39", "month '2023-02-30' is not a date"),
    (2290, "N11,2024-01-01,trust,,47", "value_0_100 is empty"),
    (2801, "N03,2024-11-01,trust,64.9,-1", "n -1 is negative"),
)


@dataclass(frozen=True)
class _VendorFile:
    text: str
    rows_read: int
    rejected: tuple[tuple[int, str, str], ...]  # (line_number, reason, raw)


def _write_vendor_scores(con: duckdb.DuckDBPyConnection, seed: int) -> _VendorFile:
    """Insert the vendor panel and describe the csv file it came in, bad lines included."""
    rows = _vendor_rows(seed)
    lines = [f"{code},{month.isoformat()},{measure},{score},{size}" for code, month, measure, score, size in rows]
    rejected = []
    for position, raw, reason in _VENDOR_BAD_LINES:
        lines.insert(position, raw)
        rejected.append((position + 2, reason, raw))  # +1 for the header, +1 for 1-based lines
    text = "area_code,month,measure,score,n\n" + "\n".join(lines) + "\n"
    scores = pd.DataFrame(rows, columns=["area_code", "period_start", "measure", "value_0_100", "n"])
    scores["area_id"] = scores["area_code"].map(lambda code: AREA_INDEX.get(code, -1) + 1).astype("Int64")
    scores.loc[scores["area_code"] == "ALL", "area_id"] = pd.NA
    scores["period_end"] = (pd.to_datetime(scores["period_start"]) + pd.offsets.MonthEnd(0)).dt.date
    scores.insert(0, "survey_score_id", np.arange(1, len(scores) + 1))
    scores["source"] = VENDOR_SOURCE
    scores["audience"] = "resident"
    _insert(
        con,
        "survey_scores",
        scores.drop(columns="area_code"),
        "* replace (period_start::date as period_start, period_end::date as period_end)",
    )
    return _VendorFile(text, len(lines), tuple(rejected))


# --- crime ---------------------------------------------------------------------------------


def _expected_counts() -> np.ndarray:
    """Relative expected incidents per (area, month, FBI class of CRIME_CLASSES), planted effects included."""
    rates = np.array([[area.violent_per_1k, area.property_per_1k, area.other_per_1k] for area in AREAS])
    population = np.array([area.population for area in AREAS], dtype=float)
    months = np.arange(len(MONTHS))
    calendar_month = months % 12 + 1
    by_class = np.empty((len(AREAS), len(MONTHS), len(CRIME_CLASSES)))
    for k, crime_class in enumerate(CRIME_CLASSES):
        season = 1 + SEASONAL_AMPLITUDE[crime_class] * np.cos(2 * np.pi * (calendar_month - 7) / 12)
        trend = ANNUAL_TREND[crime_class] ** (months / 12)
        by_class[:, :, k] = (population * rates[:, k] / 1000)[:, None] * (season * trend / 12)[None, :]
    for effect in PLANTED_CRIME_EFFECTS:
        spec = _partnership(effect.partnership_name)
        served = [AREA_INDEX[code] for code in spec.area_codes]
        onset = _month_index(spec.start) + effect.lag_months
        by_class[np.ix_(served, months[onset:], [CRIME_CLASSES.index(effect.crime_class)])] *= (
            1 + effect.change_pct / 100
        )
    return by_class


def _cumulative(weights: np.ndarray) -> np.ndarray:
    cumulative = np.cumsum(weights, axis=-1)
    cumulative /= cumulative[..., -1:]
    cumulative[..., -1] = 1.0
    return cumulative


def _points_in(rng: np.random.Generator, polygon: Polygon, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform in the polygon, rounded to 5 decimals (about 1 m) and still inside it."""
    min_x, min_y, max_x, max_y = polygon.bounds
    fill = polygon.area / ((max_x - min_x) * (max_y - min_y))
    xs, ys, found = [], [], 0
    while found < n:
        draws = int((n - found) / fill * 1.15) + 16
        x = np.round(rng.uniform(min_x, max_x, draws), 5)
        y = np.round(rng.uniform(min_y, max_y, draws), 5)
        inside = shapely.contains_xy(polygon, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        found += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _write_incidents(con: duckdb.DuckDBPyConnection, seed: int, total: int, polygons: list[Polygon]) -> None:
    """Draw exactly `total` incidents and insert them month by month, in flushes of ~500k rows.

    Counts come from one multinomial over every (area, month, FBI class) cell, so the planted
    effects (which act on classes) do not move when the offence mix within a class is edited;
    each cell's offences and everything else inside it come from that cell's own generators,
    so results do not depend on flushes.
    """
    codes = {
        code: (crime_class, crimes_against)
        for code, crime_class, crimes_against in con.execute(
            "select nibrs_code, crime_class, crimes_against from nibrs_offenses"
        ).fetchall()
    }
    known_categories = {row[0] for row in con.execute("select category from offense_categories").fetchall()}
    for crime_class, code, category, _ in DEMO_OFFENCES:
        if code not in codes or codes[code][0] != crime_class or category not in known_categories:
            raise RuntimeError(f"demo offence {code} ({category}) no longer matches data/nibrs_offenses.csv")
    if known_categories != {category for _, _, category, _ in DEMO_OFFENCES}:
        raise RuntimeError("offense_categories in schema.sql no longer match demo.OFFENCE_SHARES")
    class_of_offence = np.array([CRIME_CLASSES.index(crime_class) for crime_class, *_ in DEMO_OFFENCES])
    con.execute("create temp table demo_offences (offence integer, nibrs_code varchar, category varchar)")
    con.executemany(
        "insert into demo_offences values (?, ?, ?)",
        [(index, code, category) for index, (_, code, category, _) in enumerate(DEMO_OFFENCES)],
    )
    offence_dtype = pd.CategoricalDtype(list(range(len(DEMO_OFFENCES))))
    # DEMO_OFFENCES lists the classes in CRIME_CLASSES order, so each class's shares are one run of it
    offence_shares = [np.array([share for code, category, share in OFFENCE_SHARES[name]]) for name in CRIME_CLASSES]
    expected = _expected_counts()
    counts = _rng(seed, _STREAM_COUNTS).multinomial(total, (expected / expected.sum()).ravel()).reshape(expected.shape)

    hour_cdf = np.concatenate(
        [_cumulative(np.asarray(HOUR_PROFILE[name], float)) + k for k, name in enumerate(CRIME_CLASSES)]
    )
    for polygon in polygons:
        shapely.prepare(polygon)
    next_id, sequence_in_year, buffered = 1, 0, []
    for month in range(len(MONTHS)):
        month_start = MONTHS[month].astype("datetime64[D]")
        days_in_month = int(((MONTHS[month] + 1).astype("datetime64[D]") - month_start).astype(np.int64))
        weekday = (month_start.astype(np.int64) + 3 + np.arange(days_in_month)) % 7  # 1970-01-01 was a Thursday
        day_cdf = np.concatenate(
            [_cumulative(np.asarray(WEEKDAY_PROFILE[name])[weekday]) + k for k, name in enumerate(CRIME_CLASSES)]
        )
        if month % 12 == 0:
            sequence_in_year = 0
        parts = []
        for area in range(len(AREAS)):
            n = int(counts[area, month].sum())
            if n == 0:
                continue
            split = _rng(seed, _STREAM_OFFENCES, area, month)
            cell_counts = np.concatenate(
                [split.multinomial(counts[area, month, k], offence_shares[k]) for k in range(len(CRIME_CLASSES))]
            )
            rng = _rng(seed, _STREAM_INCIDENTS, area, month)
            offence = np.repeat(np.arange(len(DEMO_OFFENCES)), cell_counts)
            crime_class = class_of_offence[offence]
            day = np.searchsorted(day_cdf, rng.random(n) + crime_class, side="right") - crime_class * days_in_month
            hour = np.searchsorted(hour_cdf, rng.random(n) + crime_class, side="right") - crime_class * 24
            seconds = day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)
            lon, lat = _points_in(rng, polygons[area], n)
            missing = rng.random(n) < MISSING_GEOCODE_SHARE
            parts.append(
                (seconds, np.full(n, area), offence, np.where(missing, np.nan, lat), np.where(missing, np.nan, lon))
            )
        if not parts:
            continue
        seconds, area_index, offence, lat, lon = (np.concatenate(column) for column in zip(*parts, strict=True))
        # case numbers follow the clock, as in a records system
        order = np.lexsort((offence, area_index, seconds))
        n = len(order)
        buffered.append(
            pd.DataFrame(
                {
                    "incident_id": np.arange(next_id, next_id + n, dtype=np.int64),
                    "sequence_in_year": np.arange(sequence_in_year + 1, sequence_in_year + n + 1, dtype=np.int64),
                    "occurred_at": month_start.astype("datetime64[s]") + seconds[order].astype("timedelta64[s]"),
                    "area_id": (area_index[order] + 1).astype(np.int32),
                    "offence": pd.Categorical.from_codes(offence[order], dtype=offence_dtype),
                    "lat": lat[order],
                    "lon": lon[order],
                }
            )
        )
        next_id += n
        sequence_in_year += n
        if sum(len(frame) for frame in buffered) >= INCIDENT_FLUSH_ROWS:
            _flush_incidents(con, buffered)
            buffered = []
    if buffered:
        _flush_incidents(con, buffered)


def _flush_incidents(con: duckdb.DuckDBPyConnection, frames: list[pd.DataFrame]) -> None:
    chunk = pd.concat(frames, ignore_index=True)
    con.register("incident_chunk", chunk)
    try:
        con.execute(
            """
            insert into incidents
            select
                incident_chunk.incident_id,
                printf('RM-%d-%07d', year(incident_chunk.occurred_at), incident_chunk.sequence_in_year) as source_id,
                incident_chunk.occurred_at,
                incident_chunk.area_id,
                demo_offences.nibrs_code,
                demo_offences.category,
                nibrs_offenses.crime_class,
                nibrs_offenses.crimes_against,
                incident_chunk.lat,
                incident_chunk.lon,
            from incident_chunk
            join demo_offences on demo_offences.offence = incident_chunk.offence::integer
            join nibrs_offenses using (nibrs_code)
            order by incident_chunk.incident_id
            """
        )
    finally:
        con.unregister("incident_chunk")


# --- provenance -------------------------------------------------------------------------------


def _write_import_log(con: duckdb.DuckDBPyConnection, seed: int, incidents: int, vendor_file: _VendorFile) -> None:
    # counted with fetchall: a result left half-fetched blocks con.register in duckdb 2
    written = sum(
        con.execute(f'select count(*) from "{table}"').fetchall()[0][0]  # noqa: S608 - names from the catalog
        for table in db.schema_tables(con)
        if table not in ("import_log", "rejected_rows")
    )
    recipe = f"data.demo seed={seed} incidents={incidents} start={DEMO_START} end={DEMO_END}"
    log = pd.DataFrame(
        [
            # duration is recorded as 0: a measured time would make two builds differ
            (
                1,
                DEMO_BUILT_AT,
                "python -m data demo",
                "demo",
                f"demo-seed-{seed}",
                _sha256(recipe),
                None,
                written,
                written,
                0,
                0.0,
            ),
            (
                2,
                VENDOR_IMPORTED_AT,
                f"analyst@{AGENCY_EMAIL_DOMAIN}",
                "survey-scores",
                "riverton_sentiment_panel_2021-01_2026-09.csv",
                _sha256(vendor_file.text),
                "vendor-sentiment",
                vendor_file.rows_read,
                vendor_file.rows_read - len(vendor_file.rejected),
                len(vendor_file.rejected),
                1.8,
            ),
        ],
        columns=[
            "import_id",
            "imported_at",
            "imported_by",
            "kind",
            "file_name",
            "file_sha256",
            "preset",
            "rows_read",
            "rows_accepted",
            "rows_rejected",
            "duration_s",
        ],
    )
    _insert(con, "import_log", log)
    # a refused row keeps the values of its mapped fields (every column of this file is mapped)
    fields = ("area_code", "period_start", "measure", "value_0_100", "n")
    rejected = pd.DataFrame(
        [
            (2, line, reason, json.dumps(dict(zip(fields, raw.split(","), strict=True))))
            for line, reason, raw in vendor_file.rejected
        ],
        columns=["import_id", "line_number", "reason", "fields"],
    )
    _insert(con, "rejected_rows", rejected)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
