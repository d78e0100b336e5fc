-- Bridgeboard data model: the only DDL in the project (see ../shared/DESIGN.md).
--
-- Conventions: plural table names, keys are <table>_id, DATE for days, TIMESTAMP for
-- instants, money DECIMAL(14,2) in the agency's currency. Months are stored as the
-- DATE of their first day. Constraints live here so that a bad row is refused by the
-- database itself, whatever wrote it (demo generator, importer, a hand-typed INSERT).
--
-- Two constraints span tables through composite foreign keys, because a CHECK cannot
-- read another table:
--   * survey_responses carry their wave's scale (scale_min, scale_max) and the foreign
--     key (wave_id, scale_min, scale_max) forces it to equal the wave's, so the item
--     CHECKs below are "Likert within the wave's own scale".
--   * incidents and crime counts carry (nibrs_code, crime_class, crimes_against) referencing
--     nibrs_offenses, so an offence's FBI class cannot disagree with its NIBRS code.

create table schema_meta (
    key   varchar primary key,
    value varchar not null,
);

create table agencies (
    agency_id      integer primary key,
    name           varchar not null unique,
    kind           varchar not null check (kind in ('police', 'sheriff', 'state_police', 'other')),
    sworn_officers integer check (sworn_officers >= 0),
    jurisdiction   varchar,
);

create table areas (
    area_id       integer primary key,
    agency_id     integer not null references agencies (agency_id),
    -- the source system's identifier, normalised ("009" and 9.0 both become "9")
    area_code     varchar not null unique,
    name          varchar not null,
    kind          varchar not null check (kind in ('beat', 'district', 'sector', 'tract', 'town', 'township', 'neighbourhood', 'county')),
    population    integer check (population >= 0),
    land_km2      double check (land_km2 > 0),
    urbanicity    varchar not null check (urbanicity in ('urban', 'rural')),
    class_code    integer,
    class_scheme  varchar check (class_scheme in ('RUCC2023', 'RUCA', 'density')),
    geometry      geometry,
    centroid_lat  double check (centroid_lat between -90 and 90),
    centroid_lon  double check (centroid_lon between -180 and 180),
    -- RUCC 2023 (1-9) and RUCA (1-10): codes 1-3 are urban, higher codes rural
    check (class_scheme is null or class_code is not null),
    check (class_scheme <> 'RUCC2023' or class_code between 1 and 9),
    check (class_scheme <> 'RUCA' or class_code between 1 and 10),
    check (class_scheme not in ('RUCC2023', 'RUCA')
           or urbanicity = case when class_code <= 3 then 'urban' else 'rural' end),
);

create table nonprofits (
    nonprofit_id integer primary key,
    name         varchar not null unique,
    org_type     varchar not null check (org_type in (
                     'youth', 'mental_health', 'neighborhood_association', 'advocacy', 'housing',
                     'substance_use', 'domestic_violence', 'faith', 'other')),
    description  varchar,
    founded_year integer check (founded_year between 1800 and 2100),
    website      varchar,
);

-- Whom the agency calls at a partner organisation. Agency-only: its own table, so that
-- nothing that reads nonprofits (publish, the public site, directors' pages) can carry it.
create table nonprofit_contacts (
    nonprofit_id integer primary key references nonprofits (nonprofit_id),
    contact_name varchar,
    email        varchar check (email is null or email like '%_@_%'),
    phone        varchar,
);

create table partnerships (
    partnership_id     integer primary key,
    agency_id          integer not null references agencies (agency_id),
    nonprofit_id       integer not null references nonprofits (nonprofit_id),
    name               varchar not null,
    description        varchar,
    start_date         date not null,
    end_date           date,
    status             varchar not null check (status in ('planned', 'active', 'paused', 'ended')),
    mou_signed_on      date,
    data_sharing_level varchar not null default 'none'
                       check (data_sharing_level in ('none', 'aggregate', 'case_level')),
    roles              varchar,
    check (end_date is null or end_date >= start_date),
);

create table partnership_areas (
    partnership_id integer not null references partnerships (partnership_id),
    area_id        integer not null references areas (area_id),
    primary key (partnership_id, area_id),
);

create table programs (
    program_id          integer primary key,
    partnership_id      integer not null references partnerships (partnership_id),
    name                varchar not null,
    focus               varchar not null check (focus in (
                            'youth', 'mental_health', 'homelessness', 'substance_use',
                            'domestic_violence', 'violence_prevention', 'neighbourhood_safety',
                            'reentry', 'victim_services', 'community_engagement')),
    description         varchar,
    start_date          date not null,
    end_date            date,
    target_participants integer check (target_participants >= 0),
    check (end_date is null or end_date >= start_date),
);

create table program_areas (
    program_id integer not null references programs (program_id),
    area_id    integer not null references areas (area_id),
    primary key (program_id, area_id),
);

-- Where a program meets people (a community centre, a clinic). Program-level data: a
-- director sees only their own, and sites never leave the database (a shelter's address
-- must not be published).
create table program_sites (
    site_id    integer primary key,
    program_id integer not null references programs (program_id),
    name       varchar not null,
    area_id    integer references areas (area_id),
    lat        double not null check (lat between -90 and 90),
    lon        double not null check (lon between -180 and 180),
);

create table program_funding (
    program_id  integer not null references programs (program_id),
    fiscal_year integer not null check (fiscal_year between 1990 and 2100),
    source      varchar not null check (source in ('agency', 'nonprofit', 'grant', 'private', 'in_kind')),
    amount      decimal(14, 2) not null check (amount >= 0),
    funder_name varchar,
    primary key (program_id, fiscal_year, source),
);

create table program_activity (
    program_id            integer not null references programs (program_id),
    month                 date not null check (day(month) = 1),
    sessions              integer not null default 0 check (sessions >= 0),
    events                integer not null default 0 check (events >= 0),
    participants          integer not null default 0 check (participants >= 0),
    new_participants      integer not null default 0 check (new_participants >= 0),
    -- participant-sessions expected (enrolled x scheduled) and attended: attendance rate
    attendance_expected   integer not null default 0 check (attendance_expected >= 0),
    attendance_actual     integer not null default 0 check (attendance_actual >= 0),
    -- participants leaving the program this month, and how many of them completed it
    exits                 integer not null default 0 check (exits >= 0),
    completions           integer not null default 0 check (completions >= 0),
    volunteer_hours       decimal(10, 1) not null default 0 check (volunteer_hours >= 0),
    referrals_received    integer not null default 0 check (referrals_received >= 0),
    referrals_made        integer not null default 0 check (referrals_made >= 0),
    sessions_co_delivered integer not null default 0 check (sessions_co_delivered >= 0),
    primary key (program_id, month),
    check (new_participants <= participants),
    check (attendance_actual <= attendance_expected),
    check (completions <= exits),
    check (sessions_co_delivered <= sessions),
);

create table kpis (
    kpi_id           integer primary key,
    program_id       integer not null references programs (program_id),
    name             varchar not null,
    rba_category     varchar not null check (rba_category in ('how_much', 'how_well', 'better_off')),
    unit             varchar not null,
    higher_is_better boolean not null,
    target           double,
    baseline         double,
    description      varchar,
    unique (program_id, name),
);

create table kpi_values (
    kpi_id       integer not null references kpis (kpi_id),
    period_start date not null,
    period_end   date not null,
    value        double not null check (isfinite(value)),
    primary key (kpi_id, period_start),
    check (period_end >= period_start),
);

create table trainings (
    training_id      integer primary key,
    agency_id        integer not null references agencies (agency_id),
    partnership_id   integer references partnerships (partnership_id),
    topic            varchar not null,
    held_on          date not null,
    officers_trained integer not null check (officers_trained >= 0),
    hours            decimal(6, 1) not null check (hours >= 0),
    is_co_delivered  boolean not null,
    -- a training co-delivered with a nonprofit names the partnership it belongs to
    check (not is_co_delivered or partnership_id is not null),
);

create table survey_waves (
    wave_id      integer primary key,
    agency_id    integer not null references agencies (agency_id),
    audience     varchar not null check (audience in ('resident', 'officer')),
    name         varchar not null unique,
    fielded_from date not null,
    fielded_to   date not null,
    scale_min    smallint not null,
    scale_max    smallint not null,
    mode         varchar check (mode in ('phone', 'web', 'mail', 'in_person', 'mixed')),
    vendor       varchar,
    check (fielded_to >= fielded_from),
    check (scale_max > scale_min),
    unique (wave_id, scale_min, scale_max),
);

create table survey_responses (
    response_id    bigint primary key,
    wave_id        integer not null,
    scale_min      smallint not null,
    scale_max      smallint not null,
    area_id        integer references areas (area_id),
    responded_on   date,
    weight         double not null check (isfinite(weight) and weight > 0),
    age_band       varchar check (age_band in ('18-24', '25-34', '35-44', '45-54', '55-64', '65+')),
    gender         varchar check (gender in ('woman', 'man', 'nonbinary', 'other')),
    race_ethnicity varchar check (race_ethnicity in (
                       'black', 'hispanic', 'white', 'asian', 'native', 'multiracial', 'other')),
    -- trust items: "treat people with respect", "listen to concerns", "make fair
    -- decisions", "can be relied on"; safety items: "safe in the day", "safe at night"
    trust_respect  smallint check (trust_respect between scale_min and scale_max),
    trust_listen   smallint check (trust_listen between scale_min and scale_max),
    trust_fair     smallint check (trust_fair between scale_min and scale_max),
    trust_rely     smallint check (trust_rely between scale_min and scale_max),
    safety_day     smallint check (safety_day between scale_min and scale_max),
    safety_night   smallint check (safety_night between scale_min and scale_max),
    foreign key (wave_id, scale_min, scale_max) references survey_waves (wave_id, scale_min, scale_max),
);

create table survey_scores (
    survey_score_id integer primary key,
    source          varchar not null,
    area_id         integer references areas (area_id), -- null: the whole jurisdiction
    period_start    date not null,
    period_end      date not null,
    audience        varchar not null check (audience in ('resident', 'officer')),
    measure         varchar not null,
    subgroup        varchar not null default 'all',
    value_0_100     double not null check (value_0_100 between 0 and 100),
    n               integer check (n >= 0),
    check (period_end >= period_start),
    unique (source, area_id, period_start, audience, measure, subgroup),
);

create table partner_feedback (
    feedback_id     integer primary key,
    partnership_id  integer not null references partnerships (partnership_id),
    period_start    date not null,
    respondent_side varchar not null check (respondent_side in ('agency', 'nonprofit')),
    -- ratings on 1-5
    communication   smallint check (communication between 1 and 5),
    trust           smallint check (trust between 1 and 5),
    shared_goals    smallint check (shared_goals between 1 and 5),
    resources       smallint check (resources between 1 and 5),
    comment         varchar,
    unique (partnership_id, period_start, respondent_side),
);

-- Bridgeboard's offence categories: the topical grouping shown on screen (homicide, theft, ...).
-- The FBI class and NIBRS crimes-against come from an offence's NIBRS code (nibrs_offenses
-- below), not from its category: homicide holds 09A (violent) and 09B (other), domestic_violence
-- holds aggravated (violent) and simple (other) assaults. crime_class and crimes_against here
-- are those of an offence known only by its category (a source without offence codes or
-- descriptions, a migrated version-1 file): its most common code's. is_sensitive categories
-- never leave the database below city-wide level.
create table offense_categories (
    category       varchar primary key,
    label          varchar not null,
    crime_class    varchar not null check (crime_class in ('violent', 'property', 'other')),
    crimes_against varchar not null check (crimes_against in ('person', 'property', 'society', 'unspecified')),
    is_violent     boolean not null,
    is_sensitive   boolean not null default false,
    check (is_violent = (crime_class = 'violent')),
    unique (category, is_sensitive),
);

insert into offense_categories values
    ('homicide',            'Homicide',                                  'violent',  'person',      true,  false),
    ('sexual_assault',      'Rape and other sexual offences',            'violent',  'person',      true,  true),
    ('robbery',             'Robbery',                                   'violent',  'property',    true,  false),
    ('aggravated_assault',  'Aggravated assault',                        'violent',  'person',      true,  false),
    ('simple_assault',      'Simple assault and intimidation',           'other',    'person',      false, false),
    ('domestic_violence',   'Domestic violence',                         'other',    'person',      false, true),
    ('burglary',            'Burglary',                                  'property', 'property',    false, false),
    ('theft',               'Theft (larceny)',                           'property', 'property',    false, false),
    ('motor_vehicle_theft', 'Motor vehicle theft',                       'property', 'property',    false, false),
    ('arson',               'Arson',                                     'property', 'property',    false, false),
    ('vandalism',           'Vandalism and criminal damage',             'other',    'property',    false, false),
    ('fraud',               'Fraud, extortion and deceptive practice',   'other',    'property',    false, false),
    ('drug_offense',        'Drug offence',                              'other',    'society',     false, false),
    ('weapons_offense',     'Weapons offence',                           'other',    'society',     false, false),
    ('public_order',        'Public order and disturbance',              'other',    'society',     false, false),
    ('trespass',            'Criminal trespass',                         'other',    'society',     false, false),
    ('other',               'Other offence',                             'other',    'unspecified', false, false);

-- NIBRS offence codes, loaded from data/nibrs_offenses.csv by data.db.create_schema (that file
-- documents every column and the UCR definitions). A code's category must carry the code's
-- sensitivity, so a sexual offence cannot be filed under a category that is published.
create table nibrs_offenses (
    nibrs_code        varchar primary key,
    offense           varchar not null,
    nibrs_group       varchar not null check (nibrs_group in ('A', 'B')),
    crimes_against    varchar not null check (crimes_against in ('person', 'property', 'society', 'unspecified')),
    crime_class       varchar not null check (crime_class in ('violent', 'property', 'other')),
    category          varchar not null,
    domestic_category varchar references offense_categories (category),
    is_sensitive      boolean not null,
    note              varchar,
    foreign key (category, is_sensitive) references offense_categories (category, is_sensitive),
    unique (nibrs_code, crime_class, crimes_against),
);

-- The agency's own answers to "which offence is this?" for descriptions or codes the shipped
-- tables do not know, chosen on the Import page or loaded with `python -m data import
-- offense-map`. Imports consult these before data/offense_map.csv and data/offense_codes.csv.
-- offense and detail are normalised (upper case, single spaces); detail '' matches any.
create table offense_choices (
    scheme     varchar not null, -- 'any', a description scheme (chicago, lapd) or a code scheme (nibrs, chicago_fbi, lapd)
    kind       varchar not null check (kind in ('description', 'code')),
    offense    varchar not null check (offense <> ''),
    detail     varchar not null default '',
    nibrs_code varchar references nibrs_offenses (nibrs_code), -- null: only a category was chosen
    category   varchar not null references offense_categories (category),
    chosen_by  varchar,
    chosen_at  timestamp not null,
    primary key (scheme, kind, offense, detail),
    check (kind = 'description' or detail = ''),
);

-- One row per reported crime. nibrs_code is null only when the source named a Bridgeboard
-- category and no offence (or the row came from a version-1 file); crime_class and
-- crimes_against are then the category's. With a code, the composite key makes the database
-- refuse a class that is not the code's.
create table incidents (
    incident_id    bigint primary key,
    source_id      varchar, -- the records system's case number, kept for re-import idempotence
    occurred_at    timestamp not null,
    area_id        integer not null references areas (area_id),
    nibrs_code     varchar,
    category       varchar not null references offense_categories (category),
    crime_class    varchar not null check (crime_class in ('violent', 'property', 'other')),
    crimes_against varchar not null check (crimes_against in ('person', 'property', 'society', 'unspecified')),
    lat            double check (lat between -90 and 90),
    lon            double check (lon between -180 and 180),
    foreign key (nibrs_code, crime_class, crimes_against)
        references nibrs_offenses (nibrs_code, crime_class, crimes_against),
);

-- Offence counts for agencies that publish counts, not incidents (`import crime-counts`):
-- area x month x the file's own offence label, which is the row's key for re-imports. They
-- have no incidents behind them, so they live here and data.db.rebuild_crime_monthly adds them
-- to the rollup; an import refuses counts for an area-month that holds incidents, and
-- incidents for one that holds counts, so nothing is counted twice.
create table crime_counts (
    area_id        integer not null references areas (area_id),
    month          date not null check (day(month) = 1),
    source_offense varchar not null, -- the file's offence code, description or category, as written
    nibrs_code     varchar,
    category       varchar not null references offense_categories (category),
    crime_class    varchar not null check (crime_class in ('violent', 'property', 'other')),
    crimes_against varchar not null check (crimes_against in ('person', 'property', 'society', 'unspecified')),
    incidents      integer not null check (incidents >= 0),
    primary key (area_id, month, source_offense),
    foreign key (nibrs_code, crime_class, crimes_against)
        references nibrs_offenses (nibrs_code, crime_class, crimes_against),
);

-- Rebuilt from incidents and crime_counts by every import (data.db.rebuild_rollups);
-- dashboards read this, not incidents. Only cells with at least one offence have a row.
-- crime_class is the FBI class (violent | property | other), crimes_against NIBRS's.
create table crime_monthly (
    area_id        integer not null references areas (area_id),
    month          date not null check (day(month) = 1),
    category       varchar not null references offense_categories (category),
    crime_class    varchar not null check (crime_class in ('violent', 'property', 'other')),
    crimes_against varchar not null check (crimes_against in ('person', 'property', 'society', 'unspecified')),
    incidents      integer not null check (incidents > 0),
    primary key (area_id, month, category, crime_class, crimes_against),
);

-- Rebuilt from survey_responses by every import (data.db.rebuild_rollups), like
-- crime_monthly: the sums every weighted estimate needs (see the macros below), per
-- audience x wave x area x month x measure, so trust by area, side, wave or quarter costs
-- areas x months, not responses. Breakdowns by age, gender or race read the responses.
create table survey_monthly (
    audience        varchar not null check (audience in ('resident', 'officer')),
    wave_id         integer not null references survey_waves (wave_id),
    area_id         integer references areas (area_id), -- null: respondents without an area
    month           date not null check (day(month) = 1),
    measure         varchar not null check (measure in ('trust', 'safety')),
    n               integer not null check (n > 0),   -- respondents
    sw              double not null check (sw > 0),  -- sum of weights
    sw2             double not null,                  -- sum of squared weights
    swx             double not null,                  -- sum of weight x score
    sw2x            double not null,                  -- sum of squared weight x score
    sw2x2           double not null,                  -- sum of squared weight x squared score
    sw_favourable   double not null,                  -- weight of scores above 50
    sw_unfavourable double not null,                  -- weight of scores below 50
);

create table app_users (
    email        varchar primary key check (email = lower(trim(email)) and email like '%_@_%'),
    display_name varchar,
    role         varchar not null check (role in ('chief', 'director', 'analyst')),
    agency_id    integer references agencies (agency_id),
    nonprofit_id integer references nonprofits (nonprofit_id),
    -- a director's scope is their organisation; chiefs and analysts belong to the agency
    check ((role = 'director') = (nonprofit_id is not null)),
    check (role = 'director' or agency_id is not null),
);

create table import_log (
    import_id     integer primary key,
    imported_at   timestamp not null,
    imported_by   varchar,
    kind          varchar not null,
    file_name     varchar not null,
    file_sha256   varchar not null check (length(file_sha256) = 64),
    preset        varchar,
    rows_read     integer not null check (rows_read >= 0),
    rows_accepted integer not null check (rows_accepted >= 0),
    rows_rejected integer not null check (rows_rejected >= 0),
    duration_s    double not null check (duration_s >= 0),
    check (rows_accepted + rows_rejected <= rows_read),
);

-- A refused row keeps its line, its reason and the values of the fields the import mapped,
-- never the whole source line: unmapped columns (victim details, addresses, MO codes) are
-- not read into the database at all. `row_key` identifies the row among the kind's rows
-- (an incident's source_id, an area's code; every mapped field when the kind has no key),
-- so that a later import that accepts the row clears its rejection.
create table rejected_rows (
    import_id   integer not null references import_log (import_id),
    line_number integer not null check (line_number >= 1),
    reason      varchar not null,
    fields      json,
    row_key     varchar,
    primary key (import_id, line_number),
);

-- Which side of the urban/rural split a partnership or program counts on: the side
-- holding most of the population it serves (by number of areas when populations are
-- unknown; urban on a tie), so urban + rural always adds up to the whole.
create view program_urbanicity as
with served as (
    select
        program_areas.program_id,
        areas.urbanicity,
        sum(coalesce(areas.population, 0)) as population,
        count(*) as area_count,
    from program_areas
    join areas using (area_id)
    group by all
)
select program_id, urbanicity
from served
qualify row_number() over (
    partition by program_id order by population desc, area_count desc, urbanicity desc
) = 1;

create view partnership_urbanicity as
with served as (
    select
        partnership_areas.partnership_id,
        areas.urbanicity,
        sum(coalesce(areas.population, 0)) as population,
        count(*) as area_count,
    from partnership_areas
    join areas using (area_id)
    group by all
)
select partnership_id, urbanicity
from served
qualify row_number() over (
    partition by partnership_id order by population desc, area_count desc, urbanicity desc
) = 1;

-- Survey metrics are defined once, here, and used by every trust query and the public
-- export. Each answer goes on 0-100 with its wave's own scale; a respondent's index is
-- the mean of the items they answered; answered_on falls back to the wave's last day.
create view response_indices as
select
    survey_responses.response_id,
    survey_responses.wave_id,
    survey_waves.name as wave_name,
    survey_waves.audience,
    survey_responses.area_id,
    coalesce(survey_responses.responded_on, survey_waves.fielded_to) as answered_on,
    survey_responses.weight,
    survey_responses.age_band,
    survey_responses.gender,
    survey_responses.race_ethnicity,
    (list_avg(list_filter(
        [survey_responses.trust_respect, survey_responses.trust_listen,
         survey_responses.trust_fair, survey_responses.trust_rely],
        lambda item: item is not null)) - survey_responses.scale_min)
        / (survey_responses.scale_max - survey_responses.scale_min) * 100 as trust_0_100,
    (list_avg(list_filter(
        [survey_responses.safety_day, survey_responses.safety_night],
        lambda item: item is not null)) - survey_responses.scale_min)
        / (survey_responses.scale_max - survey_responses.scale_min) * 100 as safety_0_100,
from survey_responses
join survey_waves using (wave_id);

-- Weighted estimates, defined once from the sums they need, so they can be computed from
-- single responses or from the survey_monthly rollup alike: with n respondents, weights w
-- and scores x, mean = sum(w x) / sum(w); Kish effective n = (sum w)^2 / sum(w^2); the
-- linearised with-replacement standard error sqrt(n / (n - 1) * sum(w^2 (x - mean)^2)) / sum(w),
-- expanded into sums so it needs one pass; null for fewer than two respondents.
create macro mean_from_sums(sw, swx) as swx / sw;
create macro n_eff_from_sums(sw, sw2) as sw * sw / sw2;
create macro se_from_sums(n, sw, sw2, swx, sw2x, sw2x2) as
    case when n >= 2 then
        sqrt(greatest(
            n / (n - 1) * (sw2x2 - 2 * (swx / sw) * sw2x + (swx / sw) ** 2 * sw2),
            0)) / sw
    end;
-- the same over the rows of a group where x is not null (aggregate macros)
create macro weighted_mean(x, w) as mean_from_sums(sum(w), sum(w * x));
create macro kish_n_eff(w) as n_eff_from_sums(sum(w), sum(w * w));
create macro weighted_se(x, w) as
    se_from_sums(count(x), sum(w), sum(w * w), sum(w * x), sum(w * w * x), sum(w * w * x * x));
-- A survey estimate is shown only with at least 50 respondents and an effective n of 30.
create macro is_reportable(n, n_eff) as coalesce(n >= 50 and n_eff >= 30, false);

-- Treated and comparison areas for a partnership over a span of months, defined once for
-- impact/wdd, impact/event_study, impact/area_series and impact/comparison_candidates.
-- Treated: the areas the partnership serves. Eligible as control: any other area that no
-- partnership serves with a program of the same focus running at any time in
-- [window_from, window_until). Control: the eligible areas of the partnership's urbanicity
-- (the default), or the eligible areas among chosen_area_codes when a caller names them
-- (an analyst's own choice; a chosen area that is not eligible is left out, never treated).
create macro comparison_areas(target_partnership_id, window_from, window_until, chosen_area_codes := null) as table
with
target as (
    select partnership_urbanicity.urbanicity
    from partnership_urbanicity
    where partnership_urbanicity.partnership_id = target_partnership_id
),
target_focus as (
    select distinct programs.focus from programs where programs.partnership_id = target_partnership_id
),
same_focus_programs as (
    select programs.program_id, programs.partnership_id
    from programs
    where programs.focus in (select focus from target_focus)
      and programs.start_date < window_until
      and coalesce(programs.end_date, window_until) >= window_from
),
excluded as (
    select program_areas.area_id from program_areas join same_focus_programs using (program_id)
    union
    select partnership_areas.area_id from partnership_areas join same_focus_programs using (partnership_id)
    union
    select partnership_areas.area_id from partnership_areas
    where partnership_areas.partnership_id = target_partnership_id
)
select partnership_areas.area_id, 'treated' as role
from partnership_areas
where partnership_areas.partnership_id = target_partnership_id
union all
select areas.area_id, 'control' as role
from areas
where areas.area_id not in (select area_id from excluded)
  and case
      when chosen_area_codes is null then areas.urbanicity = (select urbanicity from target)
      else list_contains(chosen_area_codes, areas.area_code)
  end;

-- Fiscal years are named by the calendar year they end in and start in the month stored
-- as schema_meta 'fiscal_year_start_month' (1 = calendar years when absent).
create macro fiscal_year_start_month() as
    (select coalesce(max(value)::integer, 1) from schema_meta where key = 'fiscal_year_start_month');
create macro fiscal_year_first_day(fiscal_year) as
    make_date(fiscal_year - case when fiscal_year_start_month() > 1 then 1 else 0 end, fiscal_year_start_month(), 1);
create macro fiscal_year_last_day(fiscal_year) as
    (fiscal_year_first_day(fiscal_year) + interval 1 year - interval 1 day)::date;

-- Months whose crime data are incomplete, defined once for `python -m data check`, the
-- data-quality line on every crime page (queries/meta/data_quality.sql) and the impact rules,
-- which treat these months as not held. One row per flagged month, the first reason that
-- applies: 'latest month partial' (the last incident falls before the month's last day),
-- 'first month partial' (the first incident falls after its first day), 'below half the
-- trailing median' (all areas together recorded fewer than half the median of the 12 months
-- before it, with at least 6 of them held: what a records-system change or a missing load
-- looks like). Months without any offence inside the span count as 0. Counts imported with
-- `import crime-counts` cover whole months, so only incidents mark a month partial.
create macro incomplete_crime_months() as table
with
totals as (
    select month, sum(incidents) as offences from crime_monthly group by month
),
span as (
    select min(month) as first_month, max(month) as last_month from totals
),
months as (
    select unnest(generate_series(first_month, last_month, interval 1 month))::date as month from span
),
filled as (
    select months.month, coalesce(totals.offences, 0)::integer as offences
    from months left join totals using (month)
),
month_history as (
    select
        month,
        offences,
        median(offences) over before_it as trailing_median,
        count(*) over before_it as trailing_months,
    from filled
    window before_it as (order by month rows between 12 preceding and 1 preceding)
),
incident_days as (
    select min(occurred_at) as first_at, max(occurred_at) as last_at from incidents
),
flagged as (
    select
        month_history.month,
        case
            when month_history.month = date_trunc('month', incident_days.last_at)
                 and incident_days.last_at::date < last_day(month_history.month) then 'latest month partial'
            when month_history.month = date_trunc('month', incident_days.first_at)
                 and incident_days.first_at::date > month_history.month then 'first month partial'
            when month_history.trailing_months >= 6 and month_history.offences < month_history.trailing_median / 2
                then 'below half the trailing median'
        end as reason,
        month_history.offences,
        month_history.trailing_median,
    from month_history
    cross join incident_days
)
select month, reason, offences, trailing_median from flagged where reason is not null order by month;
