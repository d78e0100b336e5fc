-- partnerships/trainings: officer trainings held in the period, co-delivered with a partnership or not.
-- grain: one row per training
-- param $start_date date: first day of the period
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: trainings of partnerships on that side (trainings without a partnership only when null)
-- param $partnership_id integer null = null: one partnership's trainings; null = all
-- column training_id integer: the training
-- column held_on date: the day it was held
-- column topic varchar: what it covered
-- column partnership_id integer: the partnership that co-delivered it; null when the agency ran it alone
-- column partnership_name varchar: that partnership's name
-- column officers_trained integer: officers attending
-- column hours double: length of the training (hours)
-- column officer_hours double: officers_trained x hours (person-hours)
-- column is_co_delivered boolean: delivered together with the nonprofit
with

final as (
    select
        trainings.training_id,
        trainings.held_on,
        trainings.topic,
        trainings.partnership_id,
        partnerships.name as partnership_name,
        trainings.officers_trained,
        trainings.hours::double as hours,
        trainings.officers_trained * trainings.hours::double as officer_hours,
        trainings.is_co_delivered,
    from trainings
    left join partnerships using (partnership_id)
    left join partnership_urbanicity using (partnership_id)
    where trainings.held_on between $start_date and $end_date
      and ($partnership_id is null or trainings.partnership_id = $partnership_id)
      and ($urbanicity is null or partnership_urbanicity.urbanicity = $urbanicity)
    order by trainings.held_on, trainings.training_id
)

select * from final
