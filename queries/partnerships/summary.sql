-- partnerships/summary: active partnerships by nonprofit type and urbanicity, with agreements and co-delivered training.
-- grain: one row per org type x urbanicity with at least one partnership active in the period
-- param $start_date date: first day of the period
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: partnerships counted on that side; null = both
-- column org_type varchar: the nonprofit's type (youth, mental_health, housing, ...)
-- column urbanicity varchar: the side holding most of the population the partnership serves
-- column partnerships_active integer: partnerships whose dates overlap the period, excluding ones only planned
-- column mean_duration_months double: mean months from start to the end of the period (or the partnership's end if earlier)
-- column with_mou integer: partnerships with a memorandum of understanding signed by the end of the period
-- column mou_pct double: with_mou as % of partnerships_active
-- column sharing_none integer: partnerships sharing no data
-- column sharing_aggregate integer: partnerships sharing aggregate data only
-- column sharing_case_level integer: partnerships sharing case-level data
-- column trainings_co_delivered integer: officer trainings in the period co-delivered with these partnerships
-- column officers_trained integer: officers attending those trainings (attendances)
-- column training_hours double: hours of those trainings (sum of session lengths)
with

active as (
    select
        partnerships.*,
        nonprofits.org_type,
        partnership_urbanicity.urbanicity,
        datediff('day', partnerships.start_date, least(coalesce(partnerships.end_date, $end_date::date), $end_date::date))
            / 30.4375 as duration_months,
    from partnerships
    join nonprofits using (nonprofit_id)
    left join partnership_urbanicity using (partnership_id)
    where partnerships.status <> 'planned'
      and partnerships.start_date <= $end_date::date
      and coalesce(partnerships.end_date, $start_date::date) >= $start_date::date
      and ($urbanicity is null or partnership_urbanicity.urbanicity = $urbanicity)
),

training as (
    select
        trainings.partnership_id,
        count(*) as trainings_co_delivered,
        sum(trainings.officers_trained) as officers_trained,
        sum(trainings.hours) as training_hours,
    from trainings
    where trainings.is_co_delivered
      and trainings.held_on between $start_date and $end_date
    group by trainings.partnership_id
),

final as (
    select
        active.org_type,
        active.urbanicity,
        count(*)::integer as partnerships_active,
        avg(active.duration_months) as mean_duration_months,
        count(*) filter (where active.mou_signed_on <= $end_date::date)::integer as with_mou,
        count(*) filter (where active.mou_signed_on <= $end_date::date) * 100.0 / count(*) as mou_pct,
        count(*) filter (where active.data_sharing_level = 'none')::integer as sharing_none,
        count(*) filter (where active.data_sharing_level = 'aggregate')::integer as sharing_aggregate,
        count(*) filter (where active.data_sharing_level = 'case_level')::integer as sharing_case_level,
        coalesce(sum(training.trainings_co_delivered), 0)::integer as trainings_co_delivered,
        coalesce(sum(training.officers_trained), 0)::integer as officers_trained,
        coalesce(sum(training.training_hours), 0)::double as training_hours,
    from active
    left join training using (partnership_id)
    group by active.org_type, active.urbanicity
    order by active.org_type, active.urbanicity desc
)

select * from final
