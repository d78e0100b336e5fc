-- trust/before_after: trust in a partnership's served areas in equal windows before and after it started.
-- grain: one row for the partnership
-- param $start_date date: no response before this day is used (the windows are clipped, equally on both sides)
-- param $end_date date: no response after this day is used
-- param $urbanicity varchar null, one of urban|rural: only served areas of this urbanicity; null = all served areas
-- param $partnership_id integer: the partnership
-- param $window_months integer = 12: length of each window, in months
-- param $audience varchar = resident, one of resident|officer: whose answers
-- column partnership_id integer: the partnership
-- column partnership_name varchar: its name
-- column started_on date: its start date, the boundary between the windows
-- column window_days integer: length of each window after clipping to the data asked for (days)
-- column before_from date: first day of the before window
-- column after_to date: last day of the after window
-- column n_before integer: respondents before (unweighted)
-- column n_eff_before double: Kish effective n before
-- column trust_before double: weighted mean trust index before (0-100)
-- column se_before double: its standard error
-- column ci_low_before double: 95% CI lower bound before
-- column ci_high_before double: 95% CI upper bound before
-- column n_after integer: respondents after (unweighted)
-- column n_eff_after double: Kish effective n after
-- column trust_after double: weighted mean trust index after (0-100)
-- column se_after double: its standard error
-- column ci_low_after double: 95% CI lower bound after
-- column ci_high_after double: 95% CI upper bound after
-- column difference double: trust_after - trust_before (points on 0-100)
-- column difference_se double: sqrt(se_before^2 + se_after^2), the windows being independent samples
-- column difference_ci_low double: difference - 1.96 difference_se
-- column difference_ci_high double: difference + 1.96 difference_se
-- column significant boolean: the 95% CI of the difference excludes 0
-- column reportable boolean: both windows have n >= 50 and n_eff >= 30
-- note: The same estimators as trust/scores (response_indices, weighted_mean, weighted_se). A change
-- here is not by itself an effect of the partnership: compare with trust/scores for areas not served.
with

partnership as (
    select partnership_id, name as partnership_name, start_date as started_on,
    from partnerships
    where partnership_id = $partnership_id
),

windows as (
    select
        partnership.*,
        least(
            started_on - (started_on - to_months($window_months)::interval)::date,
            (started_on + to_months($window_months)::interval)::date - started_on,
            greatest(started_on - $start_date::date, 0),
            greatest($end_date::date - started_on + 1, 0)
        )::integer as window_days,
    from partnership
),

served as (
    select partnership_areas.area_id,
    from partnership_areas
    join areas using (area_id)
    where partnership_areas.partnership_id = $partnership_id
      and ($urbanicity is null or areas.urbanicity = $urbanicity)
),

answers as (
    select
        case when response_indices.answered_on < windows.started_on then 'before' else 'after' end as side,
        response_indices.trust_0_100 as score,
        response_indices.weight,
    from response_indices
    join served using (area_id)
    cross join windows
    where response_indices.audience = $audience
      and response_indices.trust_0_100 is not null
      and response_indices.answered_on >= windows.started_on - windows.window_days
      and response_indices.answered_on < windows.started_on + windows.window_days
),

estimates as (
    select
        side,
        count(*) as n,
        kish_n_eff(weight) as n_eff,
        weighted_mean(score, weight) as mean,
        weighted_se(score, weight) as se,
    from answers
    group by side
),

sides as (
    select
        max(n) filter (where side = 'before') as n_before,
        max(n_eff) filter (where side = 'before') as n_eff_before,
        max(mean) filter (where side = 'before') as trust_before,
        max(se) filter (where side = 'before') as se_before,
        max(n) filter (where side = 'after') as n_after,
        max(n_eff) filter (where side = 'after') as n_eff_after,
        max(mean) filter (where side = 'after') as trust_after,
        max(se) filter (where side = 'after') as se_after,
    from estimates
),

final as (
    select
        windows.partnership_id,
        windows.partnership_name,
        windows.started_on,
        windows.window_days,
        (windows.started_on - windows.window_days)::date as before_from,
        (windows.started_on + windows.window_days - 1)::date as after_to,
        coalesce(sides.n_before, 0)::integer as n_before,
        sides.n_eff_before,
        sides.trust_before,
        sides.se_before,
        sides.trust_before - 1.96 * sides.se_before as ci_low_before,
        sides.trust_before + 1.96 * sides.se_before as ci_high_before,
        coalesce(sides.n_after, 0)::integer as n_after,
        sides.n_eff_after,
        sides.trust_after,
        sides.se_after,
        sides.trust_after - 1.96 * sides.se_after as ci_low_after,
        sides.trust_after + 1.96 * sides.se_after as ci_high_after,
        sides.trust_after - sides.trust_before as difference,
        sqrt(sides.se_before ** 2 + sides.se_after ** 2) as difference_se,
        sides.trust_after - sides.trust_before - 1.96 * sqrt(sides.se_before ** 2 + sides.se_after ** 2)
            as difference_ci_low,
        sides.trust_after - sides.trust_before + 1.96 * sqrt(sides.se_before ** 2 + sides.se_after ** 2)
            as difference_ci_high,
        abs(sides.trust_after - sides.trust_before) > 1.96 * sqrt(sides.se_before ** 2 + sides.se_after ** 2)
            as significant,
        is_reportable(sides.n_before, sides.n_eff_before) and is_reportable(sides.n_after, sides.n_eff_after)
            as reportable,
    from windows
    cross join sides
)

select * from final
