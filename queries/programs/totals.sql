-- programs/totals: partnerships, programs and people served in a period, for the viewer's scope.
-- grain: one row per urbanicity ('urban', 'rural'); a partnership or program counts on the side holding most of the population it serves
-- param $start_date date: first day of the period; activity uses whole calendar months from its month on
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: only that side; null = both rows
-- param $scope_nonprofit_id integer null: the viewer's organisation; null = the whole agency (bound by the runner)
-- column urbanicity varchar: 'urban' or 'rural'
-- column partnerships_active integer: partnerships whose dates overlap the period and that are not merely planned
-- column programs_active integer: programs whose dates overlap the period
-- column participants_served integer: people in programs during the period: each program's participants in its first reported month of the period plus its new participants in later months
-- column sessions integer: program sessions held in the period
-- column volunteer_hours double: volunteer hours in the period (hours)
with

bounds as (
    select date_trunc('month', $start_date::date)::date as period_start, $end_date::date as period_end,
),

visible_partnerships as (
    select partnerships.*, partnership_urbanicity.urbanicity,
    from partnerships
    join partnership_urbanicity using (partnership_id)
    where $scope_nonprofit_id is null or partnerships.nonprofit_id = $scope_nonprofit_id
),

visible_programs as (
    select programs.*, program_urbanicity.urbanicity,
    from programs
    join program_urbanicity using (program_id)
    join partnerships using (partnership_id)
    where $scope_nonprofit_id is null or partnerships.nonprofit_id = $scope_nonprofit_id
),

active_partnerships as (
    select visible_partnerships.urbanicity, count(*) as partnerships_active,
    from visible_partnerships, bounds
    where visible_partnerships.status <> 'planned'
      and visible_partnerships.start_date <= bounds.period_end
      and coalesce(visible_partnerships.end_date, bounds.period_start) >= bounds.period_start
    group by all
),

active_programs as (
    select visible_programs.urbanicity, count(*) as programs_active,
    from visible_programs, bounds
    where visible_programs.start_date <= bounds.period_end
      and coalesce(visible_programs.end_date, bounds.period_start) >= bounds.period_start
    group by all
),

activity as (
    select
        visible_programs.urbanicity,
        program_activity.*,
        row_number() over (partition by program_activity.program_id order by program_activity.month) as nth_month,
    from program_activity
    join visible_programs using (program_id)
    cross join bounds
    where program_activity.month between bounds.period_start and bounds.period_end
),

activity_totals as (
    select
        urbanicity,
        sum(case when nth_month = 1 then participants else new_participants end) as participants_served,
        sum(sessions) as sessions,
        sum(volunteer_hours) as volunteer_hours,
    from activity
    group by all
),

sides as (
    select unnest(['urban', 'rural']) as urbanicity
),

final as (
    select
        sides.urbanicity,
        coalesce(active_partnerships.partnerships_active, 0)::integer as partnerships_active,
        coalesce(active_programs.programs_active, 0)::integer as programs_active,
        coalesce(activity_totals.participants_served, 0)::integer as participants_served,
        coalesce(activity_totals.sessions, 0)::integer as sessions,
        coalesce(activity_totals.volunteer_hours, 0)::double as volunteer_hours,
    from sides
    left join active_partnerships using (urbanicity)
    left join active_programs using (urbanicity)
    left join activity_totals using (urbanicity)
    where $urbanicity is null or sides.urbanicity = $urbanicity
    order by sides.urbanicity desc
)

select * from final
