-- trust/vendor: pre-aggregated scores from a vendor or a city portal, as they were reported, beside our own survey.
-- grain: one row per source x area (or the whole jurisdiction) x period x audience x measure, for the whole population (subgroup 'all')
-- param $start_date date: first day of the period (score periods starting within it)
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: areas of that urbanicity; null = every area and the jurisdiction-wide rows
-- column source varchar: who produced the scores
-- column area_code varchar: the area's code; null for the whole jurisdiction
-- column area_name varchar: the area's name, or 'Whole jurisdiction'
-- column urbanicity varchar: the area's urbanicity; null for the whole jurisdiction
-- column period_start date: first day the score covers
-- column period_end date: last day the score covers
-- column audience varchar: resident or officer
-- column measure varchar: what was measured (trust, safety, listen, respect, ...)
-- column value_0_100 double: the score on 0-100, as reported
-- column n integer: respondents behind it when reported; null when the source does not say
-- note: No uncertainty can be computed for these scores: the source gives neither the responses nor
-- (usually) the sample size. They are shown as reported and never mixed into our own estimates.
with

final as (
    select
        survey_scores.source,
        areas.area_code,
        coalesce(areas.name, 'Whole jurisdiction') as area_name,
        areas.urbanicity,
        survey_scores.period_start,
        survey_scores.period_end,
        survey_scores.audience,
        survey_scores.measure,
        survey_scores.value_0_100,
        survey_scores.n,
    from survey_scores
    left join areas using (area_id)
    where survey_scores.subgroup = 'all'
      and survey_scores.period_start between $start_date and $end_date
      and ($urbanicity is null or areas.urbanicity = $urbanicity)
    order by survey_scores.source, areas.area_code nulls first, survey_scores.period_start, survey_scores.measure
)

select * from final
