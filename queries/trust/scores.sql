-- trust/scores: weighted trust and safety indices (0-100) with uncertainty, per audience and group.
-- grain: one row per audience (resident, officer) x group
-- param $start_date date: first day of the period; answers count by calendar month, from this day's month on
-- param $end_date date: last day of the period; months starting after it are left out
-- param $urbanicity varchar null, one of urban|rural: respondents in urban or rural areas only; null = all respondents
-- param $group_by varchar, one of all|area|urbanicity|wave|quarter|audience|age_band|gender|race_ethnicity: how rows are grouped
-- column audience varchar: 'resident' or 'officer'
-- column group_key varchar: area code, urbanicity, wave name, '2024-Q2', band; 'all' for one row; 'not stated' for missing values
-- column group_label varchar: a readable name for the group
-- column n integer: respondents with at least one trust item answered (unweighted count)
-- column n_eff double: Kish effective sample size (sum w)^2 / sum w^2
-- column trust_0_100 double: weighted mean trust index, 0 = lowest possible answer, 100 = highest
-- column se double: standard error of trust_0_100 (linearised, with-replacement); null for n < 2
-- column ci_low double: trust_0_100 - 1.96 se, floored at 0; null when se is null
-- column ci_high double: trust_0_100 + 1.96 se, capped at 100
-- column favourable_pct double: weighted % of respondents whose index is above the scale midpoint (50)
-- column unfavourable_pct double: weighted % below the midpoint; answers at exactly 50 are neither
-- column reportable boolean: n >= 50 and n_eff >= 30; below that the estimate is too unstable to show
-- column safety_n integer: respondents with at least one safety item answered
-- column safety_n_eff double: Kish effective n for safety
-- column safety_0_100 double: weighted mean safety index (0-100)
-- column safety_se double: standard error of safety_0_100
-- column safety_ci_low double: 95% CI lower bound
-- column safety_ci_high double: 95% CI upper bound
-- column safety_favourable_pct double: weighted % above the midpoint
-- column safety_unfavourable_pct double: weighted % below the midpoint
-- column safety_reportable boolean: safety_n >= 50 and safety_n_eff >= 30
-- column gap_0_100 double: resident minus officer trust_0_100 in the same group (same value on both rows); null unless both audiences answered
-- column gap_se double: sqrt(se_resident^2 + se_officer^2), the two samples being independent
-- column gap_ci_low double: gap_0_100 - 1.96 gap_se
-- column gap_ci_high double: gap_0_100 + 1.96 gap_se
-- column gap_reportable boolean: both audiences' estimates are reportable
-- note: Each answer is put on 0-100 with (answer - scale_min) / (scale_max - scale_min) x 100 using
-- its wave's own scale; a respondent's index is the mean of the items they answered (trust:
-- respect, listen, fair, rely; safety: day, night). Groups use survey weights: mean = sum(w x) / sum(w),
-- se = sqrt(n / (n - 1) x sum(w^2 (x - mean)^2)) / sum(w), 95% CI = mean +/- 1.96 se.
-- note: Answers are dated by the response (or the wave's last field day) and counted by calendar
-- month, as crime is. Groups by area, side, wave or quarter add up the survey_monthly rollup's sums;
-- breakdowns by age, gender or race add up the same sums from single responses.
with

bounds as (
    select date_trunc('month', $start_date::date)::date as first_month, $end_date::date as last_day,
),

by_demographic as (
    select
        audience,
        wave_id,
        area_id,
        date_trunc('month', answered_on)::date as month,
        age_band,
        gender,
        race_ethnicity,
        measure,
        1 as n,
        weight as sw,
        weight * weight as sw2,
        weight * score as swx,
        weight * weight * score as sw2x,
        weight * weight * score * score as sw2x2,
        case when score > 50 then weight else 0 end as sw_favourable,
        case when score < 50 then weight else 0 end as sw_unfavourable,
    from response_indices
    unpivot (score for measure in (trust_0_100 as 'trust', safety_0_100 as 'safety'))
    where $group_by in ('age_band', 'gender', 'race_ethnicity')
),

by_month as (
    select
        audience, wave_id, area_id, month, null as age_band, null as gender, null as race_ethnicity, measure,
        n, sw, sw2, swx, sw2x, sw2x2, sw_favourable, sw_unfavourable,
    from survey_monthly
    where $group_by not in ('age_band', 'gender', 'race_ethnicity')
),

in_scope as (
    select sums.*, areas.area_code, areas.name as area_name, areas.urbanicity, survey_waves.name as wave_name,
    from (select * from by_month union all select * from by_demographic) as sums
    join survey_waves using (wave_id)
    left join areas on areas.area_id = sums.area_id
    cross join bounds
    where sums.month between bounds.first_month and bounds.last_day
      and ($urbanicity is null or areas.urbanicity = $urbanicity)
),

grouped as (
    select
        audience,
        measure,
        n, sw, sw2, swx, sw2x, sw2x2, sw_favourable, sw_unfavourable,
        case $group_by
            when 'all' then 'all'
            when 'area' then coalesce(area_code, 'not stated')
            when 'urbanicity' then coalesce(urbanicity, 'not stated')
            when 'wave' then wave_name
            when 'quarter' then strftime(month, '%Y') || '-Q' || quarter(month)
            when 'audience' then audience
            when 'age_band' then coalesce(age_band, 'not stated')
            when 'gender' then coalesce(gender, 'not stated')
            when 'race_ethnicity' then coalesce(race_ethnicity, 'not stated')
        end as group_key,
        case $group_by
            when 'all' then 'All respondents'
            when 'area' then coalesce(area_name, 'Area not stated')
            when 'wave' then wave_name
        end as fixed_label,
    from in_scope
),

estimates as (
    select
        audience,
        group_key,
        any_value(fixed_label) as fixed_label,
        measure,
        sum(n) as n,
        n_eff_from_sums(sum(sw), sum(sw2)) as n_eff,
        mean_from_sums(sum(sw), sum(swx)) as mean,
        se_from_sums(sum(n), sum(sw), sum(sw2), sum(swx), sum(sw2x), sum(sw2x2)) as se,
        sum(sw_favourable) * 100 / sum(sw) as favourable_pct,
        sum(sw_unfavourable) * 100 / sum(sw) as unfavourable_pct,
    from grouped
    group by audience, group_key, measure
),

wide as (
    select
        audience,
        group_key,
        coalesce(any_value(fixed_label), upper(group_key[1]) || replace(group_key[2:], '_', ' ')) as group_label,
        coalesce(max(n) filter (where measure = 'trust'), 0)::integer as n,
        max(n_eff) filter (where measure = 'trust') as n_eff,
        max(mean) filter (where measure = 'trust') as trust_0_100,
        max(se) filter (where measure = 'trust') as se,
        max(favourable_pct) filter (where measure = 'trust') as favourable_pct,
        max(unfavourable_pct) filter (where measure = 'trust') as unfavourable_pct,
        coalesce(max(n) filter (where measure = 'safety'), 0)::integer as safety_n,
        max(n_eff) filter (where measure = 'safety') as safety_n_eff,
        max(mean) filter (where measure = 'safety') as safety_0_100,
        max(se) filter (where measure = 'safety') as safety_se,
        max(favourable_pct) filter (where measure = 'safety') as safety_favourable_pct,
        max(unfavourable_pct) filter (where measure = 'safety') as safety_unfavourable_pct,
    from estimates
    group by audience, group_key
),

gaps as (
    select
        group_key,
        max(trust_0_100) filter (where audience = 'resident')
            - max(trust_0_100) filter (where audience = 'officer') as gap_0_100,
        sqrt(max(se) filter (where audience = 'resident') ** 2
            + max(se) filter (where audience = 'officer') ** 2) as gap_se,
        coalesce(bool_and(is_reportable(n, n_eff)) filter (where audience in ('resident', 'officer'))
            and count(distinct audience) = 2, false) as gap_reportable,
    from wide
    group by group_key
),

final as (
    select
        wide.audience,
        wide.group_key,
        wide.group_label,
        wide.n,
        wide.n_eff,
        wide.trust_0_100,
        wide.se,
        case when wide.se is not null then greatest(wide.trust_0_100 - 1.96 * wide.se, 0) end as ci_low,
        case when wide.se is not null then least(wide.trust_0_100 + 1.96 * wide.se, 100) end as ci_high,
        wide.favourable_pct,
        wide.unfavourable_pct,
        is_reportable(wide.n, wide.n_eff) as reportable,
        wide.safety_n,
        wide.safety_n_eff,
        wide.safety_0_100,
        wide.safety_se,
        case when wide.safety_se is not null then greatest(wide.safety_0_100 - 1.96 * wide.safety_se, 0) end
            as safety_ci_low,
        case when wide.safety_se is not null then least(wide.safety_0_100 + 1.96 * wide.safety_se, 100) end
            as safety_ci_high,
        wide.safety_favourable_pct,
        wide.safety_unfavourable_pct,
        is_reportable(wide.safety_n, wide.safety_n_eff) as safety_reportable,
        gaps.gap_0_100,
        gaps.gap_se,
        gaps.gap_0_100 - 1.96 * gaps.gap_se as gap_ci_low,
        gaps.gap_0_100 + 1.96 * gaps.gap_se as gap_ci_high,
        gaps.gap_reportable,
    from wide
    join gaps using (group_key)
    order by wide.audience desc, wide.group_key
)

select * from final
