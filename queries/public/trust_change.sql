-- public/trust_change: the latest published trust and safety estimates against the same quarter a year earlier, urban, rural and the whole area.
-- grain: one row per side x audience with at least one published trust estimate
-- column side varchar: 'urban', 'rural' or 'all' (the whole jurisdiction)
-- column audience varchar: resident or officer
-- column quarter varchar: the latest quarter with a published trust estimate
-- column quarter_start date: its first day
-- column n integer: respondents that quarter (unweighted); null where it is hidden
-- column trust_0_100 double: weighted mean trust index, 0-100
-- column ci_low double: lower end of its 95% confidence interval
-- column ci_high double: upper end of its 95% confidence interval
-- column rse_flag boolean: its relative standard error is 30% or more
-- column safety_0_100 double: weighted mean feeling of safety that quarter, 0-100; null when not published
-- column safety_ci_low double: lower end of its 95% confidence interval
-- column safety_ci_high double: upper end of its 95% confidence interval
-- column prior_quarter varchar: the same quarter a year earlier; null when its trust estimate is not published
-- column trust_prior_0_100 double: weighted mean trust index a year earlier
-- column change_points double: trust_0_100 - trust_prior_0_100 (points on the 0-100 scale)
-- column change_se double: standard error of that difference, sqrt(se^2 + se_prior^2), from the published standard errors
-- column significant boolean: |change_points| >= 1.96 x change_se: a change larger than the two surveys' sampling error
-- note: The two quarters' samples are independent, so the variance of the difference is the sum of the
-- two published variances.
with

quarters as (
    select urbanicity as side, * exclude (urbanicity), from trust_urbanicity_quarter
    union all by name
    select 'all' as side, *, from trust_city_quarter
),

published as (
    select * from quarters
    where published
),

latest as (
    select * from published
    qualify row_number() over (partition by side, audience order by quarter_start desc) = 1
),

final as (
    select
        latest.side,
        latest.audience,
        latest.quarter,
        latest.quarter_start,
        latest.n,
        latest.trust_0_100,
        latest.ci_low,
        latest.ci_high,
        latest.rse_flag,
        case when latest.safety_published then latest.safety_0_100 end as safety_0_100,
        case when latest.safety_published then latest.safety_ci_low end as safety_ci_low,
        case when latest.safety_published then latest.safety_ci_high end as safety_ci_high,
        prior.quarter as prior_quarter,
        prior.trust_0_100 as trust_prior_0_100,
        latest.trust_0_100 - prior.trust_0_100 as change_points,
        sqrt(latest.se ^ 2 + prior.se ^ 2) as change_se,
        abs(latest.trust_0_100 - prior.trust_0_100) >= 1.96 * sqrt(latest.se ^ 2 + prior.se ^ 2)
            as significant,
    from latest
    left join published as prior
        on prior.side = latest.side
        and prior.audience = latest.audience
        and prior.quarter_start = (latest.quarter_start - interval 1 year)::date
    order by case latest.side when 'urban' then 1 when 'rural' then 2 else 3 end, latest.audience desc
)

select * from final
