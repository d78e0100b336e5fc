-- programs/scorecard: Results-Based Accountability scorecard per program for a period: how much, how well, is anyone better off.
-- grain: one row per program x performance measure (KPI); a program without KPIs has one row with the KPI columns empty
-- param $start_date date: first day of the period; activity uses whole calendar months from its month on
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: programs counted on that side; null = all
-- param $nonprofit_id integer null: one nonprofit's programs; null = every program the viewer may see
-- param $partnership_id integer null = null: only this partnership's programs; null = all
-- param $scope_nonprofit_id integer null: the viewer's organisation; null = the whole agency (bound by the runner)
-- column program_id integer: the program
-- column program_name varchar: its name
-- column focus varchar: what it works on (youth, mental_health, ...)
-- column partnership_id integer: the partnership it belongs to
-- column partnership_name varchar: that partnership's name
-- column nonprofit_id integer: the partner nonprofit
-- column nonprofit_name varchar: its name
-- column urbanicity varchar: the side holding most of the population the program serves
-- column participants integer: how much: people served in the period (first month's participants plus later new ones)
-- column participants_target integer: the program's target number of participants
-- column sessions integer: how much: sessions held
-- column events integer: how much: community events held
-- column volunteer_hours double: how much: volunteer hours (hours)
-- column attendance_pct double: how well: participant-sessions attended / expected (%)
-- column completion_pct double: how well: participants completing / all leaving (%)
-- column co_delivered_pct double: how well: sessions co-delivered with officers / all sessions (%)
-- column cost_usd double: funding for the period: each fiscal year's funding (all sources, in-kind included) times the share of that year inside the period
-- column cost_per_participant double: how well: cost_usd / participants (agency currency per person)
-- column partner_feedback_0_100 double: how well: both sides' ratings of the partnership in the period, 1-5 put on 0-100
-- column kpi_id integer: the performance measure
-- column kpi_name varchar: its name
-- column rba_category varchar: how_much, how_well or better_off
-- column unit varchar: the measure's unit
-- column higher_is_better boolean: polarity
-- column value double: the latest value reported for a period starting within the period
-- column value_period_end date: the last day of the period that value covers
-- column target double: the target
-- column baseline double: the value before the program (when known)
-- column on_track boolean: value at or beyond target in the good direction; null without a target or value
-- column change_from_baseline_pct double: (value - baseline) / |baseline| x 100 (%); null without a baseline
-- column trend_values double[]: the measure's values from two years before the period to its end, oldest first (for sparklines)
with

bounds as (
    select date_trunc('month', $start_date::date)::date as period_start, $end_date::date as period_end,
),

visible_programs as (
    select
        programs.program_id,
        programs.name as program_name,
        programs.focus,
        programs.partnership_id,
        partnerships.name as partnership_name,
        partnerships.nonprofit_id,
        nonprofits.name as nonprofit_name,
        program_urbanicity.urbanicity,
        programs.target_participants,
    from programs
    join partnerships using (partnership_id)
    join nonprofits using (nonprofit_id)
    left join program_urbanicity using (program_id)
    cross join bounds
    where ($scope_nonprofit_id is null or partnerships.nonprofit_id = $scope_nonprofit_id)
      and ($nonprofit_id is null or partnerships.nonprofit_id = $nonprofit_id)
      and ($partnership_id is null or programs.partnership_id = $partnership_id)
      and ($urbanicity is null or program_urbanicity.urbanicity = $urbanicity)
      and programs.start_date <= bounds.period_end
      and coalesce(programs.end_date, bounds.period_start) >= bounds.period_start
),

activity as (
    select
        program_activity.*,
        row_number() over (partition by program_activity.program_id order by program_activity.month) as nth_month,
    from program_activity
    join visible_programs using (program_id)
    cross join bounds
    where program_activity.month between bounds.period_start and bounds.period_end
),

how_much as (
    select
        program_id,
        sum(case when nth_month = 1 then participants else new_participants end) as participants,
        sum(sessions) as sessions,
        sum(events) as events,
        sum(volunteer_hours)::double as volunteer_hours,
        sum(attendance_actual) * 100.0 / nullif(sum(attendance_expected), 0) as attendance_pct,
        sum(completions) * 100.0 / nullif(sum(exits), 0) as completion_pct,
        sum(sessions_co_delivered) * 100.0 / nullif(sum(sessions), 0) as co_delivered_pct,
    from activity
    group by program_id
),

funding as (
    -- fiscal-year bounds once per funding row (the macros read schema_meta on every call)
    select
        program_funding.program_id,
        program_funding.amount::double as amount_usd,
        fiscal_year_first_day(program_funding.fiscal_year) as fiscal_year_from,
        fiscal_year_last_day(program_funding.fiscal_year) as fiscal_year_to,
    from program_funding
    where program_funding.program_id in (select program_id from visible_programs)
),

cost as (
    -- a fiscal year's funding is spread evenly over its days
    select
        funding.program_id,
        sum(
            funding.amount_usd
            * greatest(
                datediff('day',
                    greatest(funding.fiscal_year_from, bounds.period_start),
                    least(funding.fiscal_year_to, bounds.period_end)) + 1,
                0)
            / (datediff('day', funding.fiscal_year_from, funding.fiscal_year_to) + 1)
        ) as cost_usd,
    from funding
    cross join bounds
    group by funding.program_id
),

feedback as (
    select
        partner_feedback.partnership_id,
        avg((rating - 1) * 25.0) as partner_feedback_0_100,
    from partner_feedback
    cross join bounds
    cross join unnest([
        partner_feedback.communication, partner_feedback.trust,
        partner_feedback.shared_goals, partner_feedback.resources
    ]) as item(rating)
    where partner_feedback.period_start between bounds.period_start and bounds.period_end
      and partner_feedback.partnership_id in (select partnership_id from visible_programs)
    group by partner_feedback.partnership_id
),

kpi_latest as (
    select
        kpis.kpi_id,
        kpis.program_id,
        arg_max(kpi_values.value, kpi_values.period_start) filter (
            where kpi_values.period_start between bounds.period_start and bounds.period_end
        ) as value,
        max(kpi_values.period_end) filter (
            where kpi_values.period_start between bounds.period_start and bounds.period_end
        ) as value_period_end,
        list(kpi_values.value order by kpi_values.period_start) filter (
            where kpi_values.period_start between bounds.period_start - interval 2 year and bounds.period_end
        ) as trend_values,
    from kpis
    join visible_programs using (program_id)
    cross join bounds
    left join kpi_values using (kpi_id)
    group by kpis.kpi_id, kpis.program_id
),

measures as (
    select
        kpis.*,
        kpi_latest.value,
        kpi_latest.value_period_end,
        kpi_latest.trend_values,
    from kpis
    join kpi_latest using (kpi_id, program_id)
),

final as (
    select
        visible_programs.program_id,
        visible_programs.program_name,
        visible_programs.focus,
        visible_programs.partnership_id,
        visible_programs.partnership_name,
        visible_programs.nonprofit_id,
        visible_programs.nonprofit_name,
        visible_programs.urbanicity,
        coalesce(how_much.participants, 0)::integer as participants,
        visible_programs.target_participants as participants_target,
        coalesce(how_much.sessions, 0)::integer as sessions,
        coalesce(how_much.events, 0)::integer as events,
        coalesce(how_much.volunteer_hours, 0) as volunteer_hours,
        how_much.attendance_pct,
        how_much.completion_pct,
        how_much.co_delivered_pct,
        cost.cost_usd,
        cost.cost_usd / nullif(how_much.participants, 0) as cost_per_participant,
        feedback.partner_feedback_0_100,
        measures.kpi_id,
        measures.name as kpi_name,
        measures.rba_category,
        measures.unit,
        measures.higher_is_better,
        measures.value,
        measures.value_period_end,
        measures.target,
        measures.baseline,
        case
            when measures.value is null or measures.target is null then null
            when measures.higher_is_better then measures.value >= measures.target
            else measures.value <= measures.target
        end as on_track,
        (measures.value - measures.baseline) * 100 / nullif(abs(measures.baseline), 0) as change_from_baseline_pct,
        measures.trend_values,
    from visible_programs
    left join how_much using (program_id)
    left join cost using (program_id)
    left join feedback using (partnership_id)
    left join measures using (program_id)
    order by
        visible_programs.nonprofit_name,
        visible_programs.program_name,
        case measures.rba_category when 'how_much' then 1 when 'how_well' then 2 else 3 end,
        measures.kpi_id
)

select * from final
