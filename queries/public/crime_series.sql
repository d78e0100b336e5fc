-- public/crime_series: recorded offences per 1,000 residents over time, urban, rural and the whole area, from the published tables.
-- grain: one row per side x crime class x period: every month of a side and class when all its months are published, otherwise its calendar years
-- param $crime_class varchar null = null, one of violent|property|other: only this class; null = every class
-- column side varchar: 'urban', 'rural' or 'all' (the whole jurisdiction)
-- column crime_class varchar: violent, property or other
-- column grain varchar: 'month' or 'year': the finest grain at which this side and class are published without gaps
-- column period_start date: first day of the month or year
-- column period_end date: last day of the month or year
-- column incidents integer: offences recorded in the period (count); null where the published tables do not give it
-- column is_published boolean: incidents is known
-- column population integer: residents of the side's areas
-- column rate_per_1k double: incidents per 1,000 residents in the period (a month or a year, not annualised); null when an area of the side has no known population
-- note: A side's monthly counts are shown when none of its months is hidden by disclosure control;
-- otherwise its calendar years are, each from its 12 published months or else from its areas' published
-- yearly counts (crime_area_year), so a chart never breaks into pieces. This is the one place that picks
-- the coarser grain. A year none of those give whole may still be the sum of its groups of similar areas
-- (crime_group_year, the rural roll-ups) and of its ungrouped areas.
-- note: Only calendar years whose 12 months all lie within the published months are shown at year grain.
with

side_areas as (
    select urbanicity as side, area_code, population, from areas
    union all
    select 'all' as side, area_code, population, from areas
),

side_population as (
    select
        side,
        sum(population)::integer as population,
        bool_and(coalesce(population, 0) > 0) as is_rated,
    from side_areas
    group by side
),

side_units as (
    select distinct
        side_areas.side,
        coalesce(areas.area_group, areas.area_code) as unit,
        areas.area_group is not null as is_group,
    from side_areas
    join areas using (area_code)
),

unit_counts as (
    select side, count(*) as units, from side_units group by side
),

unit_years as (
    select area_group as unit, true as is_group, year, crime_class, incidents, from crime_group_year
    union all
    select area_code as unit, false as is_group, year, crime_class, incidents, from crime_area_year
),

months as (
    select urbanicity as side, month, crime_class, incidents, from crime_urbanicity_month
    union all
    select 'all' as side, month, crime_class, incidents, from crime_city_month
),

selected_months as (
    select * from months where $crime_class is null or crime_class = $crime_class
),

series as (
    select side, crime_class, bool_and(incidents is not null) as months_complete,
    from selected_months
    group by all
),

year_from_months as (
    select
        side,
        year(month) as year,
        crime_class,
        count(*) as months_held,
        bool_and(incidents is not null) as is_complete,
        sum(incidents) as incidents,
    from selected_months
    group by all
),

year_from_areas as (
    select
        side_areas.side,
        crime_area_year.year,
        crime_area_year.crime_class,
        bool_and(crime_area_year.incidents is not null) as is_complete,
        sum(crime_area_year.incidents) as incidents,
    from crime_area_year
    join side_areas using (area_code)
    where $crime_class is null or crime_area_year.crime_class = $crime_class
    group by all
),

year_from_groups as (
    -- each area counted once: through its group of similar areas (crime_group_year) when it has one, else on
    -- its own (crime_area_year); complete only when every such unit of the side is published that year
    select
        side_units.side,
        unit_years.year,
        unit_years.crime_class,
        count(*) = any_value(unit_counts.units) and bool_and(unit_years.incidents is not null) as is_complete,
        sum(unit_years.incidents) as incidents,
    from side_units
    join unit_counts using (side)
    join unit_years using (unit, is_group)
    where $crime_class is null or unit_years.crime_class = $crime_class
    group by all
),

years as (
    select
        year_from_months.side,
        year_from_months.crime_class,
        year_from_months.year,
        case
            when year_from_months.is_complete then year_from_months.incidents
            when year_from_areas.is_complete then year_from_areas.incidents
            when year_from_groups.is_complete then year_from_groups.incidents
        end as incidents,
    from year_from_months
    left join year_from_areas using (side, crime_class, year)
    left join year_from_groups using (side, crime_class, year)
    where year_from_months.months_held = 12
),

periods as (
    select
        selected_months.side, selected_months.crime_class, 'month' as grain,
        selected_months.month as period_start, last_day(selected_months.month) as period_end,
        selected_months.incidents,
    from selected_months
    join series using (side, crime_class)
    where series.months_complete
    union all
    select
        years.side, years.crime_class, 'year' as grain,
        make_date(years.year, 1, 1) as period_start, make_date(years.year, 12, 31) as period_end,
        years.incidents,
    from years
    join series using (side, crime_class)
    where not series.months_complete
),

final as (
    select
        periods.side,
        periods.crime_class,
        periods.grain,
        periods.period_start,
        periods.period_end,
        periods.incidents::integer as incidents,
        periods.incidents is not null as is_published,
        side_population.population,
        case when side_population.is_rated then periods.incidents * 1000.0 / side_population.population end
            as rate_per_1k,
    from periods
    join side_population using (side)
    order by
        case periods.side when 'urban' then 1 when 'rural' then 2 else 3 end,
        case periods.crime_class when 'violent' then 1 when 'property' then 2 else 3 end,
        periods.period_start
)

select * from final
