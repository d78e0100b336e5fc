-- impact/wdd: did crime in a partnership's areas change more than in comparable areas? Weighted displacement difference.
-- grain: one row for the partnership
-- param $partnership_id integer: the partnership
-- param $window_months integer = 12: months in each of the equal windows before and after the start
-- param $crime_class varchar = all, one of all|violent|property|other: which offences count
-- param $comparison_area_codes varchar[] null = null: area codes to compare with (an analyst's choice); null = every eligible area of the partnership's urbanicity
-- param $months_not_held varchar[] null = null: months (YYYY-MM) to treat as not held although crime data exist for them, e.g. those the data-quality flags mark incomplete; null = none
-- column partnership_id integer: the partnership
-- column partnership_name varchar: its name
-- column started_on date: its start; the after window begins with this month
-- column urbanicity varchar: the side the partnership counts on; default controls are drawn from it
-- column window_months integer: months in each window
-- column before_from date: first month of the before window
-- column after_to date: last month of the after window
-- column treated_areas integer: areas the partnership serves
-- column control_areas integer: comparison areas (no same-focus partnership during the windows)
-- column treated_before integer: offences in treated areas, before window (T0)
-- column treated_after integer: offences in treated areas, after window (T1)
-- column control_before integer: offences in control areas, before window (C0)
-- column control_after integer: offences in control areas, after window (C1)
-- column windows_complete boolean: both windows lie wholly inside the months the data hold
-- column months_missing integer: months of the two windows the data do not hold
-- column evaluable boolean: the data can support a verdict (see not_evaluable_reason)
-- column not_evaluable_reason varchar: why not, in plain words (every reason that applies); null when evaluable
-- column wdd double: (T1 - T0) - (C1 - C0); negative = treated areas fell more (or rose less) than controls; null when not evaluable
-- column wdd_se double: sqrt(T0 + T1 + C0 + C1), the Poisson standard error of wdd; null when not evaluable
-- column z double: wdd / wdd_se (Wheeler & Ratcliffe's statistic, kept for continuity); null when not evaluable
-- column expected_after double: T0 x C1 / C0, the treated count had it moved like the controls; null when not evaluable
-- column pct_vs_expected double: (T1 - expected_after) / expected_after x 100 (%); null when not evaluable
-- column p_value double: exact two-sided p of the conditional test on the four counts (Fisher); null when not evaluable
-- column significant boolean: p_value < 0.05; null when not evaluable
-- column verdict varchar: 'fewer crimes than expected' or 'more crimes than expected' (significant), 'no detectable change', or 'cannot judge yet'
-- column mde_fall_pct double: smallest fall against expected the test would detect with 80% power at 5% (%); null when not evaluable
-- column mde_rise_pct double: the same for a rise (%); null when not evaluable
-- note: Wheeler, A. P. & Ratcliffe, J. H. (2018), "A simple weighted displacement difference test to
-- evaluate place based crime interventions", Crime Science 7:11. WDD = (T1 - T0) - (C1 - C0) with the
-- Poisson variance T0 + T1 + C0 + C1; z is shown for continuity with that paper.
-- note: The verdict follows an exact test, valid for any counts: given the four counts' totals, T1 has a
-- hypergeometric distribution when the served areas changed in the same proportion as the comparison
-- areas (the conditional test for a ratio of two Poisson rate ratios, i.e. Fisher's exact test on the 2 x 2
-- table; Breslow & Day 1987, Statistical Methods in Cancer Research II, section 2.4). Two-sided, alpha 0.05.
-- It tests what the verdict says (the served areas against their expected count, T0 x C1 / C0), whatever
-- the two groups' sizes; WDD on raw counts is fairest only when treated and control carry similar volumes.
-- note: Cannot judge yet when there are no comparison areas; when a window holds a month before the first
-- or after the last month of crime data, or one of $months_not_held; when the after window runs past the partnership's end; when the
-- windows overlap the start or end of another partnership's program of the same focus in any of the same
-- areas; or when any of the four counts is below 10: a count of 10 has a 95% Poisson interval of 4.8 to
-- 18.4, so below it a cell's own noise spans a halving to a doubling, and with every cell at 10 only a fall
-- of about 80% would be detected.
-- note: Minimum detectable effect: the change in the served areas against expected that the exact test
-- finds with 80% power at alpha 0.05, from the normal approximation to the log ratio of ratios (variance
-- 1/T0 + 1/E + 1/C0 + 1/C1, E the expected after count, its alternative value for the after cell).
with

partnership as (
    select
        partnership_id,
        name as partnership_name,
        start_date as started_on,
        end_date as ended_on,
        date_trunc('month', start_date)::date as after_from,
        (date_trunc('month', start_date) - to_months($window_months))::date as before_from,
        (date_trunc('month', start_date) + to_months($window_months))::date as after_until,
    from partnerships
    where partnership_id = $partnership_id
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

counts as (
    select
        count(distinct roles.area_id) filter (where roles.role = 'treated') as treated_areas,
        count(distinct roles.area_id) filter (where roles.role = 'control') as control_areas,
        coalesce(sum(crime.incidents) filter (
            where roles.role = 'treated' and crime.month >= partnership.before_from and crime.month < partnership.after_from
        ), 0)::bigint as t0,
        coalesce(sum(crime.incidents) filter (
            where roles.role = 'treated' and crime.month >= partnership.after_from and crime.month < partnership.after_until
        ), 0)::bigint as t1,
        coalesce(sum(crime.incidents) filter (
            where roles.role = 'control' and crime.month >= partnership.before_from and crime.month < partnership.after_from
        ), 0)::bigint as c0,
        coalesce(sum(crime.incidents) filter (
            where roles.role = 'control' and crime.month >= partnership.after_from and crime.month < partnership.after_until
        ), 0)::bigint as c1,
    from roles
    cross join partnership
    left join crime on crime.area_id = roles.area_id
),

-- The coverage rule, in this one place: a month is held when it lies between the first and the last
-- month with any crime recorded and is not among $months_not_held (the caller's data-quality flags).
held_months as (
    select month,
    from (
        select unnest(generate_series(min(month), max(month), interval 1 month))::date as month,
        from crime_monthly
    )
    where not list_contains(coalesce($months_not_held, []::varchar[]), strftime(month, '%Y-%m'))
),

window_months as (
    select 'before' as side, unnest(generate_series(before_from, after_from - interval 1 month, interval 1 month))::date as month,
    from partnership
    union all
    select 'after' as side, unnest(generate_series(after_from, after_until - interval 1 month, interval 1 month))::date as month,
    from partnership
),

gaps as (
    select
        sum(months) as months_missing,
        string_agg(
            'the ' || side || ' window needs ' || months || ' month' || case when months = 1 then '' else 's' end
                || ' the crime data do not hold ('
                || case
                    when first_missing = last_missing then strftime(first_missing, '%b %Y')
                    when datediff('month', first_missing, last_missing) + 1 = months
                        then strftime(first_missing, '%b %Y') || '–' || strftime(last_missing, '%b %Y')
                    else listed
                end || ')',
            '; ' order by side desc
        ) as reason,
    from (
        select
            side,
            count(*) as months,
            min(month) as first_missing,
            max(month) as last_missing,
            string_agg(strftime(month, '%b %Y'), ', ' order by month) as listed,
        from window_months
        where month not in (select month from held_months)
        group by side
    )
),

-- other partnerships' programs of the same focus, in any of the same areas, starting or ending inside the
-- windows: each such partnership named once, with its programs' starts and ends in date order
overlap_events as (
    select distinct
        other.partnership_id,
        other.name,
        replace(programs.focus, '_', ' ') as focus,
        case when programs.start_date > partnership.before_from and programs.start_date < partnership.after_until
            then programs.start_date else programs.end_date end as event_date,
        case when programs.start_date > partnership.before_from and programs.start_date < partnership.after_until
            then 'started' else 'ended' end as event,
    from partnership
    join programs on programs.partnership_id <> partnership.partnership_id
    join partnerships as other on other.partnership_id = programs.partnership_id
    where programs.focus in (select focus from programs as own where own.partnership_id = partnership.partnership_id)
      and (
          (programs.start_date > partnership.before_from and programs.start_date < partnership.after_until)
          or (programs.end_date >= partnership.before_from and programs.end_date < partnership.after_until - interval 1 day)
      )
      and exists (
          select 1
          from partnership_areas as served
          where served.partnership_id = partnership.partnership_id
            and (
                served.area_id in (select area_id from program_areas where program_areas.program_id = programs.program_id)
                or served.area_id in (select area_id from partnership_areas as theirs where theirs.partnership_id = other.partnership_id)
            )
      )
),

overlap_partners as (
    select
        name || ' (its ' || focus
            || case when count(*) = 1 then ' program ' else ' programs: ' end
            || string_agg(event || ' ' || strftime(event_date, '%-d %b %Y'), ', ' order by event_date, event)
            || ')' as described,
    from overlap_events
    group by partnership_id, name, focus
),

same_focus_overlaps as (
    select string_agg(described, '; ' order by described) as partnerships, from overlap_partners
),

judged as (
    select
        partnership.*,
        counts.*,
        coalesce(gaps.months_missing, 0) as months_missing,
        nullif(concat_ws('; ',
            case
                when counts.control_areas > 0 then null
                when $comparison_area_codes is not null and len($comparison_area_codes) = 0
                    then 'no comparison areas are chosen'
                when $comparison_area_codes is not null
                    then 'none of the chosen areas can be compared with (each is served by this partnership or by one of the same focus in these windows)'
                else 'there are no comparison areas: every other ' || coalesce(partnership_urbanicity.urbanicity, '')
                    || ' area is served by a partnership of the same focus in these windows'
            end,
            gaps.reason,
            case when partnership.ended_on is not null and partnership.after_until - interval 1 day > partnership.ended_on
                then 'the after window (to ' || strftime(partnership.after_until - interval 1 month, '%b %Y')
                    || ') runs past the partnership''s end on ' || strftime(partnership.ended_on, '%-d %b %Y')
            end,
            case when same_focus_overlaps.partnerships is not null
                then 'the windows overlap another partnership of the same focus in the same areas: ' || same_focus_overlaps.partnerships
            end,
            case when counts.control_areas > 0 and least(counts.t0, counts.t1, counts.c0, counts.c1) < 10
                then 'too few offences to test: the four counts are ' || counts.t0 || ', ' || counts.t1 || ', '
                    || counts.c0 || ' and ' || counts.c1 || ', and each needs at least 10'
            end
        ), '') as not_evaluable_reason,
        partnership_urbanicity.urbanicity,
    from partnership
    cross join counts
    cross join gaps
    cross join same_focus_overlaps
    left join partnership_urbanicity on partnership_urbanicity.partnership_id = partnership.partnership_id
),

-- Fisher's exact test: T1 given the margins is hypergeometric; the two-sided p sums every outcome no
-- likelier than the one observed. Outcomes beyond 40 standard deviations of the mode add nothing a
-- double can hold, so the sum runs over at most that range.
margins as (
    select
        judged.*,
        not_evaluable_reason is null as evaluable,
        t0 + t1 as n_treated,
        c0 + c1 as n_control,
        t1 + c1 as n_after,
        t0 + t1 + c0 + c1 as n_all,
    from judged
),

support as (
    select
        margins.*,
        floor((n_after + 1) * (n_treated + 1) / (n_all + 2))::bigint as mode,
        case when n_all > 0
            then ceil(40 * sqrt(n_after * (n_treated / n_all) * (n_control / n_all) + 1))::bigint
        end as reach,
    from margins
),

exact as (
    select
        support.*,
        lgamma(n_treated + 1) + lgamma(n_control + 1) + lgamma(n_after + 1) + lgamma(n_all - n_after + 1)
            - lgamma(n_all + 1) as log_constant,
        list_transform(
            generate_series(
                greatest(0, n_after - n_control, mode - reach),
                case when evaluable then least(n_treated, n_after, mode + reach) else -1 end
            ),
            lambda i: - lgamma(i + 1) - lgamma(n_treated - i + 1) - lgamma(n_after - i + 1)
                - lgamma(n_control - n_after + i + 1)
        ) as log_terms,
        - lgamma(t1 + 1) - lgamma(n_treated - t1 + 1) - lgamma(n_after - t1 + 1)
            - lgamma(n_control - n_after + t1 + 1) as log_observed,
    from support
),

tested as (
    select
        exact.*,
        case when evaluable then
            least(1.0, coalesce(list_sum(list_transform(
                list_filter(log_terms, lambda term: term <= log_observed + 1e-7),
                lambda term: exp(term + log_constant)
            )), 0.0))
        end as p_value,
        case when evaluable then t0 * c1 / c0 end as expected_after,
    from exact
),

-- the log ratio of ratios has variance 1/T0 + 1/T1 + 1/C0 + 1/C1; at the smallest detectable change
-- theta the after cell is theta x E, so |log theta| = 1.96 se(E) + 0.84 se(theta E), solved by two steps
detectable as (
    select
        tested.*,
        1 / t0 + 1 / c0 + 1 / c1 as fixed_variance,
    from tested
),

mde as (
    select
        detectable.*,
        exp(-2.8016 * sqrt(fixed_variance + 1 / expected_after)) as fall_guess,
        exp(2.8016 * sqrt(fixed_variance + 1 / expected_after)) as rise_guess,
    from detectable
),

mde_refined as (
    select
        mde.*,
        exp(-(1.96 * sqrt(fixed_variance + 1 / expected_after)
            + 0.8416 * sqrt(fixed_variance + 1 / (expected_after * fall_guess)))) as fall_once,
        exp(1.96 * sqrt(fixed_variance + 1 / expected_after)
            + 0.8416 * sqrt(fixed_variance + 1 / (expected_after * rise_guess))) as rise_once,
    from mde
),

final as (
    select
        partnership_id,
        partnership_name,
        started_on,
        urbanicity,
        $window_months as window_months,
        before_from,
        (after_until - interval 1 month)::date as after_to,
        treated_areas::integer as treated_areas,
        control_areas::integer as control_areas,
        t0::integer as treated_before,
        t1::integer as treated_after,
        c0::integer as control_before,
        c1::integer as control_after,
        months_missing = 0 as windows_complete,
        months_missing::integer as months_missing,
        evaluable,
        not_evaluable_reason,
        case when evaluable then ((t1 - t0) - (c1 - c0))::double end as wdd,
        case when evaluable then sqrt(n_all) end as wdd_se,
        case when evaluable then ((t1 - t0) - (c1 - c0)) / sqrt(n_all) end as z,
        expected_after,
        case when evaluable then (t1 - expected_after) * 100 / expected_after end as pct_vs_expected,
        p_value,
        case when evaluable then p_value < 0.05 end as significant,
        case
            when not evaluable then 'cannot judge yet'
            when p_value < 0.05 and t1 < expected_after then 'fewer crimes than expected'
            when p_value < 0.05 and t1 > expected_after then 'more crimes than expected'
            else 'no detectable change'
        end as verdict,
        case when evaluable then 100 * (1 - exp(-(1.96 * sqrt(fixed_variance + 1 / expected_after)
            + 0.8416 * sqrt(fixed_variance + 1 / (expected_after * fall_once))))) end as mde_fall_pct,
        case when evaluable then 100 * (exp(1.96 * sqrt(fixed_variance + 1 / expected_after)
            + 0.8416 * sqrt(fixed_variance + 1 / (expected_after * rise_once))) - 1) end as mde_rise_pct,
    from mde_refined
)

select * from final
