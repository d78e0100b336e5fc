-- meta/coverage: the span of dates the database holds, to default and bound the date filters.
-- grain: one row
-- param $scope_nonprofit_id integer null: the viewer's organisation; null = the whole agency (bound by the runner)
-- column agency_name varchar: the agency (the first one when several)
-- column first_crime_month date: first month with a recorded incident
-- column last_crime_month date: last month with a recorded incident
-- column first_survey_day date: first day a survey response was given
-- column last_survey_day date: last day a survey response was given
-- column first_data_month date: first month with an incident, a survey response, a vendor score or program activity
-- column last_data_month date: last month with an incident, a survey response, a vendor score or program activity
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

activity as (
    -- a director's span counts their own programs' months only
    select min(month) as first_activity_month, max(month) as last_activity_month,
    from program_activity
    join programs using (program_id)
    join partnerships using (partnership_id)
    where $scope_nonprofit_id is null or partnerships.nonprofit_id = $scope_nonprofit_id
),

scores as (
    select min(period_start) as first_score_day, max(period_start) as last_score_day, from survey_scores
),

agency as (
    select name as agency_name, from agencies order by agency_id limit 1
),

final as (
    select
        agency.agency_name,
        crime.*,
        surveys.*,
        least(
            crime.first_crime_month,
            date_trunc('month', surveys.first_survey_day),
            date_trunc('month', scores.first_score_day),
            activity.first_activity_month
        )::date as first_data_month,
        greatest(
            crime.last_crime_month,
            date_trunc('month', surveys.last_survey_day),
            date_trunc('month', scores.last_score_day),
            activity.last_activity_month
        )::date as last_data_month,
    from crime, surveys, scores, activity
    left join agency on true
)

select * from final
