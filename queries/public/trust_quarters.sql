-- public/trust_quarters: trust in the police and feeling of safety by quarter, with 95% CIs and respondents, urban, rural and the whole area.
-- grain: one row per side x quarter x audience (resident or officer) that the published tables hold
-- param $audience varchar null = null, one of resident|officer: only this audience; null = both
-- column side varchar: 'urban', 'rural' or 'all' (the whole jurisdiction)
-- column quarter varchar: e.g. 2024-Q4
-- column quarter_start date: first day of the quarter
-- column audience varchar: resident or officer
-- column n integer: respondents (unweighted); null where it is hidden or the estimate is not published
-- column n_suppressed varchar: why n is hidden: primary (too few to publish) or complementary (hidden to protect another group's n); null when shown
-- column trust_0_100 double: weighted mean trust index, 0-100; null when not published
-- column ci_low double: lower end of its 95% confidence interval, 0-100
-- column ci_high double: upper end of its 95% confidence interval, 0-100
-- column rse_flag boolean: its relative standard error is 30% or more: read with care
-- column published boolean: the trust estimate passed the survey rule (n and effective n large enough)
-- column reason varchar: why the trust estimate is not published; null when it is
-- column safety_0_100 double: weighted mean feeling of safety, 0-100; null when not published
-- column safety_ci_low double: lower end of its 95% confidence interval, 0-100
-- column safety_ci_high double: upper end of its 95% confidence interval, 0-100
-- column safety_rse_flag boolean: its relative standard error is 30% or more
-- column safety_published boolean: the safety estimate passed the survey rule
-- column safety_reason varchar: why the safety estimate is not published; null when it is
with

quarters as (
    select urbanicity as side, * exclude (urbanicity), from trust_urbanicity_quarter
    union all by name
    select 'all' as side, *, from trust_city_quarter
),

final as (
    select
        side, quarter, quarter_start, audience, n, n_suppressed,
        trust_0_100, ci_low, ci_high, rse_flag, published, reason,
        safety_0_100, safety_ci_low, safety_ci_high, safety_rse_flag, safety_published, safety_reason,
    from quarters
    where $audience is null or audience = $audience
    order by case side when 'urban' then 1 when 'rural' then 2 else 3 end, audience desc, quarter_start
)

select * from final
