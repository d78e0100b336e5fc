-- partnerships/feedback: how each side rates the partnership (communication, trust, shared goals, resources), per period.
-- grain: one row per partnership x feedback period x side (agency, nonprofit)
-- param $start_date date: first day of the period (feedback periods starting within it)
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: partnerships counted on that side; null = both
-- param $partnership_id integer null = null: one partnership; null = all the viewer may see
-- param $scope_nonprofit_id integer null: the viewer's organisation; null = the whole agency (bound by the runner)
-- column partnership_id integer: the partnership
-- column partnership_name varchar: its name
-- column period_start date: the feedback period's first day
-- column respondent_side varchar: agency (the police) or nonprofit
-- column communication integer: rating 1-5
-- column trust integer: rating 1-5
-- column shared_goals integer: rating 1-5
-- column resources integer: rating 1-5
-- column overall_0_100 double: mean of the ratings given, (rating - 1) x 25 on 0-100
-- column comment varchar: the respondent's comment, as written
with

final as (
    select
        partner_feedback.partnership_id,
        partnerships.name as partnership_name,
        partner_feedback.period_start,
        partner_feedback.respondent_side,
        partner_feedback.communication::integer as communication,
        partner_feedback.trust::integer as trust,
        partner_feedback.shared_goals::integer as shared_goals,
        partner_feedback.resources::integer as resources,
        (list_avg(list_filter(
            [partner_feedback.communication, partner_feedback.trust,
             partner_feedback.shared_goals, partner_feedback.resources],
            lambda rating: rating is not null)) - 1) * 25 as overall_0_100,
        partner_feedback.comment,
    from partner_feedback
    join partnerships using (partnership_id)
    left join partnership_urbanicity using (partnership_id)
    where partner_feedback.period_start between $start_date and $end_date
      and ($scope_nonprofit_id is null or partnerships.nonprofit_id = $scope_nonprofit_id)
      and ($partnership_id is null or partner_feedback.partnership_id = $partnership_id)
      and ($urbanicity is null or partnership_urbanicity.urbanicity = $urbanicity)
    order by partnerships.name, partner_feedback.period_start, partner_feedback.respondent_side
)

select * from final
