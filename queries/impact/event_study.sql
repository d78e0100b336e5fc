-- impact/event_study: monthly crime rate in a partnership's areas and in comparison areas, by months since it started.
-- grain: one row per month from -$months to +$months around the start, where the database holds crime
-- param $partnership_id integer: the partnership
-- param $months integer = 24: months shown on each side of the start
-- param $crime_class varchar = all, one of all|violent|property|other: which offences count
-- column months_since_start integer: 0 is the month the partnership started; negative before
-- column month date: first day of the calendar month
-- column treated_incidents integer: offences in the partnership's areas (count)
-- column control_incidents integer: offences in the comparison areas (count)
-- column treated_rate_per_1k double: treated offences per 1,000 residents that month
-- column control_rate_per_1k double: control offences per 1,000 residents that month
-- column treated_index double: treated rate as % of its mean over months -12 to -1 (100 = as before)
-- column control_index double: control rate as % of its mean over months -12 to -1
-- note: Treated and control areas are those of impact/wdd (comparison_areas) over the whole span
-- shown. Indexing both lines to their own pre-start year puts them on one scale, so a gap opening
-- after month 0 is the change the WDD test measures.
with

partnership as (
    select
        date_trunc('month', start_date)::date as start_month,
        (date_trunc('month', start_date) - to_months($months))::date as span_from,
        (date_trunc('month', start_date) + to_months($months + 1))::date as span_until,
    from partnerships
    where partnership_id = $partnership_id
),

coverage as (
    select min(month) as first_month, max(month) as last_month, from crime_monthly
),

months as (
    select
        unnest(generate_series(
            greatest(partnership.span_from, coverage.first_month),
            least((partnership.span_until - interval 1 month)::date, coverage.last_month),
            interval 1 month
        ))::date as month,
    from partnership, coverage
),

roles as (
    select comparison.area_id, comparison.role, areas.population,
    from partnership,
    comparison_areas($partnership_id, partnership.span_from, partnership.span_until) as comparison
    join areas on areas.area_id = comparison.area_id
),

crime as (
    select crime_monthly.area_id, crime_monthly.month, sum(crime_monthly.incidents) as incidents,
    from crime_monthly
    where $crime_class = 'all' or crime_monthly.crime_class = $crime_class
    group by all
),

monthly as (
    select
        months.month,
        coalesce(sum(crime.incidents) filter (where roles.role = 'treated'), 0) as treated_incidents,
        coalesce(sum(crime.incidents) filter (where roles.role = 'control'), 0) as control_incidents,
        coalesce(sum(crime.incidents) filter (where roles.role = 'treated' and roles.population > 0), 0)
            * 1000.0 / (select sum(population) from roles where role = 'treated' and population > 0)
            as treated_rate_per_1k,
        coalesce(sum(crime.incidents) filter (where roles.role = 'control' and roles.population > 0), 0)
            * 1000.0 / (select sum(population) from roles where role = 'control' and population > 0)
            as control_rate_per_1k,
    from months
    cross join roles
    left join crime on crime.area_id = roles.area_id and crime.month = months.month
    group by months.month
),

indexed as (
    select
        (datediff('month', partnership.start_month, monthly.month))::integer as months_since_start,
        monthly.*,
    from monthly
    cross join partnership
),

baseline as (
    select avg(treated_rate_per_1k) as treated_base, avg(control_rate_per_1k) as control_base,
    from indexed
    where months_since_start between -12 and -1
),

final as (
    select
        indexed.months_since_start,
        indexed.month,
        indexed.treated_incidents::integer as treated_incidents,
        indexed.control_incidents::integer as control_incidents,
        indexed.treated_rate_per_1k,
        indexed.control_rate_per_1k,
        case when baseline.treated_base > 0 then indexed.treated_rate_per_1k * 100 / baseline.treated_base end
            as treated_index,
        case when baseline.control_base > 0 then indexed.control_rate_per_1k * 100 / baseline.control_base end
            as control_index,
    from indexed
    cross join baseline
    order by indexed.months_since_start
)

select * from final
