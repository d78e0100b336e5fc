-- public/crime_change: offences per 1,000 residents in the latest published period against the same period a year earlier, urban, rural and the whole area.
-- grain: one row per side x crime class
-- param $crime_class varchar null = null, one of violent|property|other: only this class; null = every class
-- column side varchar: 'urban', 'rural' or 'all' (the whole jurisdiction)
-- column crime_class varchar: violent, property or other
-- column grain varchar: 'last_12_months' (the latest 12 published months against the 12 before), 'calendar_year' (the latest year whose total and the year before's are published) or 'none' (no such pair is published)
-- column period_start date: first day of the period
-- column period_end date: last day of the period
-- column prior_start date: first day of the same period a year earlier
-- column prior_end date: last day of the same period a year earlier
-- column incidents integer: offences in the period (count)
-- column incidents_prior integer: offences in the same period a year earlier (count)
-- column population integer: residents of the side's areas
-- column rate_per_1k double: incidents per 1,000 residents in the period; null when an area of the side has no known population
-- column rate_per_1k_prior double: the same rate a year earlier (the published population is today's, so the rates change as the counts do)
-- column change_pct double: (incidents - incidents_prior) / incidents_prior x 100 (%); null when the prior count is 0
-- note: The last 12 months are used when all 24 months are published for the side and class; otherwise
-- calendar years, each from its 12 published months, else its areas' or area groups' published yearly counts, as in
-- public/crime_series. Whether a change is more than chance is an exact test on the two counts (the site's
-- components.public_views.change_p_value), not part of this query.
with

side_areas as (
    select urbanicity as side, area_code, population, from areas
    union all
    select 'all' as side, area_code, population, from areas
),

side_population as (
    select side, sum(population)::integer as population, bool_and(coalesce(population, 0) > 0) as is_rated,
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

latest as (
    select max(month) as last_month from selected_months
),

rolling as (
    select
        side,
        crime_class,
        count(*) filter (where month > last_month - interval 24 month) as months_held,
        bool_and(incidents is not null) filter (where month > last_month - interval 24 month) as is_complete,
        sum(incidents) filter (where month > last_month - interval 12 month) as incidents,
        sum(incidents) filter (
            where month > last_month - interval 24 month and month <= last_month - interval 12 month
        ) as incidents_prior,
        any_value(last_month) as last_month,
    from selected_months, latest
    group by side, crime_class
),

year_from_months as (
    select side, year(month) as year, crime_class, count(*) as months_held,
        bool_and(incidents is not null) as is_complete, sum(incidents) as incidents,
    from selected_months
    group by all
),

year_from_areas as (
    select side_areas.side, crime_area_year.year, crime_area_year.crime_class,
        bool_and(crime_area_year.incidents is not null) as is_complete, sum(crime_area_year.incidents) as incidents,
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
        year_from_months.side, year_from_months.crime_class, year_from_months.year,
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

year_pairs as (
    select
        this_year.side, this_year.crime_class, this_year.year,
        this_year.incidents, prior_year.incidents as incidents_prior,
    from years as this_year
    join years as prior_year
        on prior_year.side = this_year.side
        and prior_year.crime_class = this_year.crime_class
        and prior_year.year = this_year.year - 1
    where this_year.incidents is not null and prior_year.incidents is not null
    qualify row_number() over (partition by this_year.side, this_year.crime_class order by this_year.year desc) = 1
),

chosen as (
    select
        rolling.side,
        rolling.crime_class,
        case
            when rolling.months_held = 24 and rolling.is_complete then 'last_12_months'
            when year_pairs.year is not null then 'calendar_year'
            else 'none'
        end as grain,
        case grain
            when 'last_12_months' then (rolling.last_month - interval 11 month)::date
            when 'calendar_year' then make_date(year_pairs.year, 1, 1)
        end as period_start,
        case grain
            when 'last_12_months' then last_day(rolling.last_month)
            when 'calendar_year' then make_date(year_pairs.year, 12, 31)
        end as period_end,
        case grain when 'last_12_months' then rolling.incidents when 'calendar_year' then year_pairs.incidents end
            as incidents,
        case grain
            when 'last_12_months' then rolling.incidents_prior
            when 'calendar_year' then year_pairs.incidents_prior
        end as incidents_prior,
    from rolling
    left join year_pairs using (side, crime_class)
),

final as (
    select
        chosen.side,
        chosen.crime_class,
        chosen.grain,
        chosen.period_start,
        chosen.period_end,
        (chosen.period_start - interval 1 year)::date as prior_start,
        last_day((chosen.period_end - interval 1 year)::date) as prior_end,
        chosen.incidents::integer as incidents,
        chosen.incidents_prior::integer as incidents_prior,
        side_population.population,
        case when side_population.is_rated then chosen.incidents * 1000.0 / side_population.population end
            as rate_per_1k,
        case when side_population.is_rated then chosen.incidents_prior * 1000.0 / side_population.population end
            as rate_per_1k_prior,
        case when chosen.incidents_prior > 0
            then (chosen.incidents - chosen.incidents_prior) * 100.0 / chosen.incidents_prior
        end as change_pct,
    from chosen
    join side_population using (side)
    order by
        case chosen.side when 'urban' then 1 when 'rural' then 2 else 3 end,
        case chosen.crime_class when 'violent' then 1 when 'property' then 2 else 3 end
)

select * from final
