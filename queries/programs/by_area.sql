-- programs/by_area: programs running and people served per area in a period, for the viewer's scope.
-- grain: one row per area (every area of the selected urbanicity, zero when no program serves it)
-- param $start_date date: first day of the period; activity uses whole calendar months from its month on
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: only urban or only rural areas; null = both
-- param $scope_nonprofit_id integer null: the viewer's organisation; null = the whole agency (bound by the runner)
-- column area_id integer: area key
-- column area_code varchar: the area's code
-- column programs_active integer: programs serving the area whose dates overlap the period
-- column participants_served double: the area's share of people served (see note)
-- column participants_per_1k double: participants_served per 1,000 residents; null without population
-- note: A program reports participants for all the areas it serves together; each area is given
-- a share proportional to its population (equal shares when any population is unknown), so the
-- shares add up to the program's participants_served as defined in programs/totals.
with

bounds as (
    select date_trunc('month', $start_date::date)::date as period_start, $end_date::date as period_end,
),

visible_programs as (
    select programs.program_id, programs.start_date, programs.end_date,
    from programs
    join partnerships using (partnership_id)
    where $scope_nonprofit_id is null or partnerships.nonprofit_id = $scope_nonprofit_id
),

served_areas as (
    select
        program_areas.program_id,
        program_areas.area_id,
        case
            when count(*) filter (where areas.population is null) over (partition by program_areas.program_id) > 0
              or sum(areas.population) over (partition by program_areas.program_id) = 0
            then 1.0 / count(*) over (partition by program_areas.program_id)
            else areas.population / sum(areas.population) over (partition by program_areas.program_id)
        end as share,
    from program_areas
    join areas using (area_id)
    join visible_programs using (program_id)
),

activity as (
    select
        program_activity.program_id,
        program_activity.participants,
        program_activity.new_participants,
        row_number() over (partition by program_activity.program_id order by program_activity.month) as nth_month,
    from program_activity
    join visible_programs using (program_id)
    cross join bounds
    where program_activity.month between bounds.period_start and bounds.period_end
),

served_per_program as (
    select program_id, sum(case when nth_month = 1 then participants else new_participants end) as served,
    from activity
    group by program_id
),

per_area as (
    select
        served_areas.area_id,
        count(*) filter (
            where visible_programs.start_date <= bounds.period_end
              and coalesce(visible_programs.end_date, bounds.period_start) >= bounds.period_start
        ) as programs_active,
        sum(served_areas.share * coalesce(served_per_program.served, 0)) as participants_served,
    from served_areas
    join visible_programs using (program_id)
    cross join bounds
    left join served_per_program using (program_id)
    group by served_areas.area_id
),

final as (
    select
        areas.area_id,
        areas.area_code,
        coalesce(per_area.programs_active, 0)::integer as programs_active,
        coalesce(per_area.participants_served, 0)::double as participants_served,
        case when areas.population > 0
            then coalesce(per_area.participants_served, 0) * 1000.0 / areas.population
        end as participants_per_1k,
    from areas
    left join per_area using (area_id)
    where $urbanicity is null or areas.urbanicity = $urbanicity
    order by areas.area_code
)

select * from final
