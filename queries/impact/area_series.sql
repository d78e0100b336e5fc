-- impact/area_series: monthly offences in each served and each comparison area around a partnership's start, for the synthetic control.
-- grain: one row per area x month from -$months to +$months around the start, where the database holds crime
-- param $partnership_id integer: the partnership
-- param $months integer = 24: months on each side of the start
-- param $window_months integer = 12: months in each of impact/wdd's windows; comparison areas are chosen over them
-- param $crime_class varchar = all, one of all|violent|property|other: which offences count
-- param $comparison_area_codes varchar[] null = null: area codes to compare with (as impact/wdd); null = the default comparison areas
-- column area_code varchar: the area
-- column area_name varchar: its name
-- column role varchar: 'treated' (served by the partnership) or 'control' (a comparison, or donor, area)
-- column population integer: residents; null when unknown
-- column months_since_start integer: 0 is the month the partnership started; negative before
-- column month date: first day of the calendar month
-- column incidents integer: offences in the area that month (count, 0 when none)
-- note: The same areas as impact/wdd and impact/event_study, one series per area, zero-filled: the
-- synthetic control (components/synthetic_control.py) weights the comparison areas' series.
with

partnership as (
    select
        date_trunc('month', start_date)::date as start_month,
        (date_trunc('month', start_date) - to_months($months))::date as span_from,
        (date_trunc('month', start_date) + to_months($months + 1))::date as span_until,
        (date_trunc('month', start_date) - to_months($window_months))::date as before_from,
        (date_trunc('month', start_date) + to_months($window_months))::date as after_until,
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
    select comparison.area_id, comparison.role,
    from partnership,
    comparison_areas(
        $partnership_id, partnership.before_from, partnership.after_until,
        chosen_area_codes := $comparison_area_codes
    ) as comparison
),

crime as (
    select crime_monthly.area_id, crime_monthly.month, sum(crime_monthly.incidents) as incidents,
    from crime_monthly
    where $crime_class = 'all' or crime_monthly.crime_class = $crime_class
    group by all
),

final as (
    select
        areas.area_code,
        areas.name as area_name,
        roles.role,
        areas.population,
        datediff('month', partnership.start_month, months.month)::integer as months_since_start,
        months.month,
        coalesce(crime.incidents, 0)::integer as incidents,
    from roles
    join areas on areas.area_id = roles.area_id
    cross join months
    cross join partnership
    left join crime on crime.area_id = roles.area_id and crime.month = months.month
    order by roles.role desc, areas.area_code, months.month
)

select * from final
