-- trust/scores: weighted trust and safety indices (0-100) with uncertainty, per audience and group.
-- grain: one row per audience (resident, officer) x group
-- param $start_date date: first day included (response date, or the wave's last field day when unknown)
-- param $end_date date: last day included
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
-- note: Each answer is put on 0-100 with (answer - scale_min) / (scale_max - scale_min) x 100 using
-- its wave's own scale; a respondent's index is the mean of the items they answered (trust:
-- respect, listen, fair, rely; safety: day, night). Groups use survey weights: mean = sum(w x) / sum(w),
-- se = sqrt(n / (n - 1) x sum(w^2 (x - mean)^2)) / sum(w), 95% CI = mean +/- 1.96 se.
with

responses as (
    select
        survey_responses.*,
        survey_waves.audience,
        survey_waves.name as wave_name,
        survey_waves.fielded_to,
        coalesce(survey_responses.responded_on, survey_waves.fielded_to) as answered_on,
        (survey_responses.scale_max - survey_responses.scale_min)::double as scale_span,
    from survey_responses
    join survey_waves using (wave_id)
),

in_scope as (
    select responses.*, areas.area_code, areas.name as area_name, areas.urbanicity,
    from responses
    left join areas using (area_id)
    where responses.answered_on between $start_date and $end_date
      and ($urbanicity is null or areas.urbanicity = $urbanicity)
),

indexed as (
    select
        audience,
        weight,
        case $group_by
            when 'all' then 'all'
            when 'area' then coalesce(area_code, 'not stated')
            when 'urbanicity' then coalesce(urbanicity, 'not stated')
            when 'wave' then wave_name
            when 'quarter' then strftime(answered_on, '%Y') || '-Q' || quarter(answered_on)
            when 'audience' then audience
            when 'age_band' then coalesce(age_band, 'not stated')
            when 'gender' then coalesce(gender, 'not stated')
            when 'race_ethnicity' then coalesce(race_ethnicity, 'not stated')
        end as group_key,
        case $group_by
            when 'all' then 'All respondents'
            when 'area' then coalesce(area_name, 'Area not stated')
            when 'wave' then wave_name
            else null
        end as fixed_label,
        (list_avg(list_filter([trust_respect, trust_listen, trust_fair, trust_rely], lambda item: item is not null))
            - scale_min) / scale_span * 100 as trust_0_100,
        (list_avg(list_filter([safety_day, safety_night], lambda item: item is not null))
            - scale_min) / scale_span * 100 as safety_0_100,
    from in_scope
),

long as (
    select audience, group_key, fixed_label, weight, 'trust' as measure, trust_0_100 as score
    from indexed where trust_0_100 is not null
    union all
    select audience, group_key, fixed_label, weight, 'safety' as measure, safety_0_100 as score
    from indexed where safety_0_100 is not null
),

sums as (
    select
        audience,
        group_key,
        any_value(fixed_label) as fixed_label,
        measure,
        count(*) as n,
        sum(weight) as sw,
        sum(weight * weight) as sw2,
        sum(weight * score) / sum(weight) as mean,
        sum(weight * score) as swx,
        sum(weight * weight * score) as sw2x,
        sum(weight * weight * score * score) as sw2x2,
        sum(weight) filter (where score > 50) * 100 / sum(weight) as favourable_pct,
        sum(weight) filter (where score < 50) * 100 / sum(weight) as unfavourable_pct,
    from long
    group by audience, group_key, measure
),

estimates as (
    select
        audience,
        group_key,
        fixed_label,
        measure,
        n,
        sw * sw / sw2 as n_eff,
        mean,
        case when n >= 2 then
            sqrt(greatest(n / (n - 1) * (sw2x2 - 2 * mean * sw2x + mean * mean * sw2), 0)) / sw
        end as se,
        coalesce(favourable_pct, 0) as favourable_pct,
        coalesce(unfavourable_pct, 0) as unfavourable_pct,
    from sums
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

final as (
    select
        audience,
        group_key,
        group_label,
        n,
        n_eff,
        trust_0_100,
        se,
        case when se is not null then greatest(trust_0_100 - 1.96 * se, 0) end as ci_low,
        case when se is not null then least(trust_0_100 + 1.96 * se, 100) end as ci_high,
        favourable_pct,
        unfavourable_pct,
        coalesce(n >= 50 and n_eff >= 30, false) as reportable,
        safety_n,
        safety_n_eff,
        safety_0_100,
        safety_se,
        case when safety_se is not null then greatest(safety_0_100 - 1.96 * safety_se, 0) end as safety_ci_low,
        case when safety_se is not null then least(safety_0_100 + 1.96 * safety_se, 100) end as safety_ci_high,
        safety_favourable_pct,
        safety_unfavourable_pct,
        coalesce(safety_n >= 50 and safety_n_eff >= 30, false) as safety_reportable,
    from wide
    order by audience desc, group_key
)

select * from final
