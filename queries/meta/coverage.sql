-- meta/coverage: the span of dates the database holds, to default and bound the date filters.
-- grain: one row
-- column agency_name varchar: the agency (the first one when several)
-- column first_crime_month date: first month with a recorded incident
-- column last_crime_month date: last month with a recorded incident
-- column first_survey_day date: first day a survey response was given
-- column last_survey_day date: last day a survey response was given
with

crime as (
    select min(month) as first_crime_month, max(month) as last_crime_month, from crime_monthly
),

surveys as (
    select
        min(coalesce(survey_responses.responded_on, survey_waves.fielded_to)) as first_survey_day,
        max(coalesce(survey_responses.responded_on, survey_waves.fielded_to)) as last_survey_day,
    from survey_responses
    join survey_waves using (wave_id)
),

agency as (
    select name as agency_name, from agencies order by agency_id limit 1
),

final as (
    select agency.agency_name, crime.*, surveys.*,
    from crime, surveys
    left join agency on true
)

select * from final
