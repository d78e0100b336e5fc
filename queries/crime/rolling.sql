-- crime/rolling: monthly offences with their 12-month rolling mean, by area, urbanicity or all areas.
-- grain: one row per group x month of the period, zero-filled
-- param $start_date date: first day of the period; its whole month is included
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: only urban or only rural areas; null = both
-- param $group_by varchar = area, one of area|urbanicity|all: rows per area, per urbanicity or for all areas together
-- param $crime_class varchar = all, one of all|violent|property|other: which offences count: an FBI class (violent = murder and non-negligent manslaughter, rape, robbery, aggravated assault; property = burglary, larceny-theft, motor vehicle theft, arson) or all
-- param $crimes_against varchar null = null, one of person|property|society: only offences NIBRS counts against persons, property or society; null = any
-- param $categories varchar[] null = null, one of homicide|sexual_assault|robbery|aggravated_assault|simple_assault|domestic_violence|burglary|theft|motor_vehicle_theft|arson|vandalism|fraud|drug_offense|weapons_offense|public_order|trespass|other: only these offence categories (within $crime_class); null = all
-- column group_key varchar: area code, 'urban' / 'rural', or 'all'
-- column group_label varchar: area name, 'Urban' / 'Rural', or 'All areas'
-- column urbanicity varchar: 'urban' or 'rural'; null for a group mixing both
-- column month date: first day of the month
-- column incidents integer: offences recorded that month (count)
-- column rolling_12m_incidents double: mean monthly offences over the 12 months ending with this one; null until 12 months of data exist
-- column population integer: residents of the group's areas with a known population
-- column rate_per_1k double: the month's offences per 1,000 residents (areas with a known population)
-- column rolling_12m_rate_per_1k double: mean monthly rate per 1,000 over the 12 months ending with this one
-- note: The 12 months before the period are read too, so the rolling mean is defined from the
-- first month of the period whenever the database holds that much history.
with

coverage as (
    select min(month) as first_month, max(month) as last_month, from crime_monthly
),

months as (
    -- eleven months of history before the period feed the first rolling values
    select unnest(generate_series(
        greatest(date_trunc('month', $start_date::date) - interval 11 month, coverage.first_month),
        least($end_date::date, coverage.last_month),
        interval 1 month
    ))::date as month,
    from coverage
),

selected_areas as (
    select area_id, area_code, name, urbanicity, population,
    from areas
    where $urbanicity is null or urbanicity = $urbanicity
),

crime as (
    select area_id, month, sum(incidents) as incidents,
    from crime_monthly
    where ($crime_class = 'all' or crime_class = $crime_class)
      and ($crimes_against is null or crimes_against = $crimes_against)
      and ($categories is null or list_contains($categories, category))
    group by all
),

counted as (
    select selected_areas.*, months.month, coalesce(crime.incidents, 0) as incidents,
    from selected_areas
    cross join months
    left join crime on crime.area_id = selected_areas.area_id and crime.month = months.month
),

grouped as (
    select
        case $group_by when 'area' then area_code when 'urbanicity' then urbanicity else 'all' end as group_key,
        case $group_by
            when 'area' then any_value(name)
            when 'urbanicity' then case any_value(urbanicity) when 'urban' then 'Urban' else 'Rural' end
            else 'All areas'
        end as group_label,
        case when count(distinct urbanicity) = 1 then any_value(urbanicity) end as urbanicity,
        month,
        sum(incidents) as incidents,
        sum(population) as population,
        sum(incidents) filter (where population > 0) * 1000.0
            / sum(population) filter (where population > 0) as rate_per_1k,
    from counted
    group by 1, month
),

rolled as (
    select
        *,
        count(*) over last_twelve as months_in_window,
        avg(incidents) over last_twelve as mean_incidents,
        avg(rate_per_1k) over last_twelve as mean_rate,
    from grouped
    window last_twelve as (partition by group_key order by month rows between 11 preceding and current row)
),

final as (
    select
        group_key,
        group_label,
        urbanicity,
        month,
        incidents::integer as incidents,
        case when months_in_window = 12 then mean_incidents end as rolling_12m_incidents,
        population::integer as population,
        rate_per_1k,
        case when months_in_window = 12 then mean_rate end as rolling_12m_rate_per_1k,
    from rolled
    where month >= date_trunc('month', $start_date::date)
    order by group_key, month
)

select * from final
