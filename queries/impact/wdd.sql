-- impact/wdd: did crime in a partnership's areas change more than in comparable areas? Weighted displacement difference.
-- grain: one row for the partnership
-- param $partnership_id integer: the partnership
-- param $window_months integer = 12: months in each of the equal windows before and after the start
-- param $crime_class varchar = all, one of all|violent|property|other: which offences count
-- column partnership_id integer: the partnership
-- column partnership_name varchar: its name
-- column started_on date: its start; the after window begins with this month
-- column urbanicity varchar: the side the partnership counts on; controls are drawn from it
-- column window_months integer: months in each window
-- column before_from date: first month of the before window
-- column after_to date: last month of the after window
-- column treated_areas integer: areas the partnership serves
-- column control_areas integer: comparison areas (same urbanicity, no same-focus partnership during the windows)
-- column treated_before integer: offences in treated areas, before window (T0)
-- column treated_after integer: offences in treated areas, after window (T1)
-- column control_before integer: offences in control areas, before window (C0)
-- column control_after integer: offences in control areas, after window (C1)
-- column wdd double: (T1 - T0) - (C1 - C0); negative = treated areas fell more (or rose less) than controls
-- column wdd_se double: sqrt(T0 + T1 + C0 + C1), the Poisson standard error of wdd
-- column z double: wdd / wdd_se; null when there were no offences at all
-- column verdict varchar: 'fewer crimes than expected' (z <= -2), 'more crimes than expected' (z >= 2), else 'no detectable change'
-- column expected_after double: T0 x C1 / C0, the treated count had it moved like the controls
-- column pct_vs_expected double: (T1 - expected_after) / expected_after x 100 (%)
-- column windows_complete boolean: both windows lie wholly inside the months the database holds
-- note: Wheeler, A. P. & Ratcliffe, J. H. (2018), "A simple weighted displacement difference test to
-- evaluate place based crime interventions", Crime Science 7:11. Counts are treated as Poisson, so
-- the variance of the difference is the sum of the four counts; |z| >= 2 is called a change. WDD
-- compares raw counts, so it is fairest when treated and control areas carry similar volumes;
-- pct_vs_expected scales the controls to the treated areas' level instead.
with

partnership as (
    select
        partnership_id,
        name as partnership_name,
        start_date as started_on,
        date_trunc('month', start_date)::date as after_from,
        (date_trunc('month', start_date) - to_months($window_months))::date as before_from,
        (date_trunc('month', start_date) + to_months($window_months))::date as after_until,
    from partnerships
    where partnership_id = $partnership_id
),

roles as (
    select comparison.area_id, comparison.role,
    from partnership,
    comparison_areas($partnership_id, partnership.before_from, partnership.after_until) as comparison
),

crime as (
    select crime_monthly.area_id, crime_monthly.month, sum(crime_monthly.incidents) as incidents,
    from crime_monthly
    where $crime_class = 'all' or crime_monthly.crime_class = $crime_class
    group by all
),

counts as (
    select
        count(distinct roles.area_id) filter (where roles.role = 'treated') as treated_areas,
        count(distinct roles.area_id) filter (where roles.role = 'control') as control_areas,
        coalesce(sum(crime.incidents) filter (
            where roles.role = 'treated' and crime.month >= partnership.before_from and crime.month < partnership.after_from
        ), 0) as t0,
        coalesce(sum(crime.incidents) filter (
            where roles.role = 'treated' and crime.month >= partnership.after_from and crime.month < partnership.after_until
        ), 0) as t1,
        coalesce(sum(crime.incidents) filter (
            where roles.role = 'control' and crime.month >= partnership.before_from and crime.month < partnership.after_from
        ), 0) as c0,
        coalesce(sum(crime.incidents) filter (
            where roles.role = 'control' and crime.month >= partnership.after_from and crime.month < partnership.after_until
        ), 0) as c1,
    from roles
    cross join partnership
    left join crime on crime.area_id = roles.area_id
),

coverage as (
    select min(month) as first_month, max(month) as last_month, from crime_monthly
),

tested as (
    select
        partnership.*,
        counts.*,
        (t1 - t0) - (c1 - c0) as wdd,
        sqrt(t0 + t1 + c0 + c1) as wdd_se,
        case when t0 + t1 + c0 + c1 > 0 then ((t1 - t0) - (c1 - c0)) / sqrt(t0 + t1 + c0 + c1) end as z,
        case when c0 > 0 then t0 * c1 / c0 end as expected_after,
        partnership.before_from >= coverage.first_month
            and (partnership.after_until - interval 1 month) <= coverage.last_month as windows_complete,
    from partnership
    cross join counts
    cross join coverage
),

final as (
    select
        tested.partnership_id,
        tested.partnership_name,
        tested.started_on,
        partnership_urbanicity.urbanicity,
        $window_months as window_months,
        tested.before_from,
        (tested.after_until - interval 1 month)::date as after_to,
        tested.treated_areas::integer as treated_areas,
        tested.control_areas::integer as control_areas,
        tested.t0::integer as treated_before,
        tested.t1::integer as treated_after,
        tested.c0::integer as control_before,
        tested.c1::integer as control_after,
        tested.wdd::double as wdd,
        tested.wdd_se,
        tested.z,
        case
            when tested.z <= -2 then 'fewer crimes than expected'
            when tested.z >= 2 then 'more crimes than expected'
            else 'no detectable change'
        end as verdict,
        tested.expected_after,
        case when tested.expected_after > 0
            then (tested.t1 - tested.expected_after) * 100 / tested.expected_after
        end as pct_vs_expected,
        tested.windows_complete,
    from tested
    left join partnership_urbanicity using (partnership_id)
)

select * from final
