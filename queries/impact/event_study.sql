-- impact/event_study: monthly crime rate in a partnership's areas and in comparison areas, by months since it started.
-- grain: one row per month from -$months to +$months around the start, where the database holds crime
-- param $partnership_id integer: the partnership
-- param $months integer = 24: months shown on each side of the start
-- param $window_months integer = 12: months in each of impact/wdd's windows; comparison areas are chosen over them
-- param $crime_class varchar = all, one of all|violent|property|other: which offences count
-- param $comparison_area_codes varchar[] null = null: area codes to compare with (as impact/wdd); null = the default comparison areas
-- column months_since_start integer: 0 is the month the partnership started; negative before
-- column month date: first day of the calendar month
-- column treated_incidents integer: offences in the partnership's areas (count)
-- column control_incidents integer: offences in the comparison areas (count)
-- column treated_rate_per_1k double: treated offences per 1,000 residents that month
-- column control_rate_per_1k double: control offences per 1,000 residents that month
-- column treated_index double: treated rate as % of its mean over months -12 to -1 (100 = as before)
-- column control_index double: control rate as % of its mean over months -12 to -1
-- column treated_rate_low_per_1k double: lower end of the 95% interval of the treated rate (Poisson on the month's count)
-- column treated_rate_high_per_1k double: upper end of that interval
-- column control_rate_low_per_1k double: lower end of the 95% interval of the control rate
-- column control_rate_high_per_1k double: upper end of that interval
-- column treated_index_low double: treated_index's 95% interval, lower end (the pre-start mean taken as known)
-- column treated_index_high double: treated_index's 95% interval, upper end
-- column control_index_low double: control_index's 95% interval, lower end
-- column control_index_high double: control_index's 95% interval, upper end
-- note: Treated and control areas are exactly those of impact/wdd for the same windows (comparison_areas
-- over the before and after windows), whatever span is shown. Indexing both lines to their own pre-start year puts them on one scale, so a gap opening
-- after month 0 is the change the WDD test measures.
-- note: The 95% band treats each month's count k as Poisson, with Byar's approximation to the exact
-- interval: k (1 - 1/(9k) - 1.96/(3 sqrt k))^3 to (k+1) (1 - 1/(9(k+1)) + 1.96/(3 sqrt(k+1)))^3, within
-- about 1% of the exact (Garwood) limits (Breslow & Day 1987, p. 69). A month outside the band of the
-- other series differs by more than its own noise.
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
    select comparison.area_id, comparison.role, areas.population,
    from partnership,
    comparison_areas(
        $partnership_id, partnership.before_from, partnership.after_until,
        chosen_area_codes := $comparison_area_codes
    ) as comparison
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
            as treated_rated,
        coalesce(sum(crime.incidents) filter (where roles.role = 'control' and roles.population > 0), 0)
            as control_rated,
        1000.0 / (select sum(population) from roles where role = 'treated' and population > 0) as treated_per_1k,
        1000.0 / (select sum(population) from roles where role = 'control' and population > 0) as control_per_1k,
    from months
    cross join roles
    left join crime on crime.area_id = roles.area_id and crime.month = months.month
    group by months.month
),

banded as (
    select
        monthly.*,
        treated_rated * treated_per_1k as treated_rate_per_1k,
        control_rated * control_per_1k as control_rate_per_1k,
        case when treated_rated > 0
            then treated_rated * (1 - 1 / (9 * treated_rated) - 1.96 / (3 * sqrt(treated_rated))) ** 3 else 0 end
            * treated_per_1k as treated_rate_low_per_1k,
        (treated_rated + 1) * (1 - 1 / (9 * (treated_rated + 1)) + 1.96 / (3 * sqrt(treated_rated + 1))) ** 3
            * treated_per_1k as treated_rate_high_per_1k,
        case when control_rated > 0
            then control_rated * (1 - 1 / (9 * control_rated) - 1.96 / (3 * sqrt(control_rated))) ** 3 else 0 end
            * control_per_1k as control_rate_low_per_1k,
        (control_rated + 1) * (1 - 1 / (9 * (control_rated + 1)) + 1.96 / (3 * sqrt(control_rated + 1))) ** 3
            * control_per_1k as control_rate_high_per_1k,
    from monthly
),

indexed as (
    select
        (datediff('month', partnership.start_month, banded.month))::integer as months_since_start,
        banded.*,
    from banded
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
        indexed.treated_rate_low_per_1k,
        indexed.treated_rate_high_per_1k,
        indexed.control_rate_low_per_1k,
        indexed.control_rate_high_per_1k,
        case when baseline.treated_base > 0 then indexed.treated_rate_low_per_1k * 100 / baseline.treated_base end
            as treated_index_low,
        case when baseline.treated_base > 0 then indexed.treated_rate_high_per_1k * 100 / baseline.treated_base end
            as treated_index_high,
        case when baseline.control_base > 0 then indexed.control_rate_low_per_1k * 100 / baseline.control_base end
            as control_index_low,
        case when baseline.control_base > 0 then indexed.control_rate_high_per_1k * 100 / baseline.control_base end
            as control_index_high,
    from indexed
    cross join baseline
    order by indexed.months_since_start
)

select * from final
