-- partnerships/registry: every partnership active in the period (or planned), with its agreement, areas and funding.
-- grain: one row per partnership whose dates overlap the period, plus planned ones
-- param $start_date date: first day of the period
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: partnerships counted on that side; null = both
-- param $scope_nonprofit_id integer null: the viewer's organisation; null = the whole agency (bound by the runner)
-- column partnership_id integer: the partnership
-- column partnership_name varchar: its name
-- column description varchar: what it does
-- column nonprofit_id integer: the partner organisation
-- column nonprofit_name varchar: its name
-- column org_type varchar: the organisation's type
-- column status varchar: planned, active, paused or ended
-- column start_date date: when it started (or will)
-- column end_date date: when it ended; null while running
-- column years_running double: years from the start to the end of the period (or its end if earlier); null when planned
-- column urbanicity varchar: the side holding most of the population it serves
-- column area_count integer: areas it serves
-- column area_names varchar: those areas' names, comma-separated
-- column programs integer: programs run under it
-- column focus varchar: the programs' focus areas, comma-separated
-- column mou_signed_on date: memorandum of understanding signed; null if none
-- column has_mou boolean: an MOU was signed by the end of the period
-- column data_sharing_level varchar: none, aggregate or case_level
-- column roles varchar: who does what, as agreed
-- column funding_usd double: funding of its programs in fiscal years overlapping the period, all sources; null where the viewer may not see it
-- column co_funding_share_pct double: share of the funding in the period (prorated, below) not paid by the agency (%); null where the viewer may not see it
-- column funding_in_period_usd double: that funding prorated to the period: each fiscal year's amount times the share of its days inside the period (as programs/scorecard's cost_usd); null where the viewer may not see it
-- column funding_fiscal_years varchar: the fiscal years counted in funding_usd, e.g. 'FY2026–FY2027' (named by the year they end in); null without funding or where the viewer may not see it
-- column viewer_may_see_programs boolean: the viewer may see this partnership's program-level data
with

partnership_areas_named as (
    select
        partnership_areas.partnership_id,
        count(*) as area_count,
        string_agg(areas.name, ', ' order by areas.name) as area_names,
    from partnership_areas
    join areas using (area_id)
    group by partnership_areas.partnership_id
),

program_counts as (
    select
        partnership_id,
        count(*) as programs,
        string_agg(distinct focus, ', ' order by focus) as focus,
    from programs
    group by partnership_id
),

funding_years as (
    -- fiscal-year bounds once per funding row (the macros read schema_meta on every call)
    select
        programs.partnership_id,
        program_funding.fiscal_year,
        program_funding.source,
        program_funding.amount::double as amount_usd,
        fiscal_year_first_day(program_funding.fiscal_year) as fiscal_year_from,
        fiscal_year_last_day(program_funding.fiscal_year) as fiscal_year_to,
    from program_funding
    join programs using (program_id)
),

funding_shares as (
    select
        *,
        (datediff('day', greatest(fiscal_year_from, $start_date::date), least(fiscal_year_to, $end_date::date)) + 1)
            / (datediff('day', fiscal_year_from, fiscal_year_to) + 1) as share_in_period,
    from funding_years
),

funding as (
    select
        partnership_id,
        sum(amount_usd) as funding_usd,
        -- a fiscal year's funding is spread evenly over its days
        sum(amount_usd * share_in_period) as funding_in_period_usd,
        sum(amount_usd * share_in_period) filter (where source <> 'agency') as co_funding_in_period_usd,
        'FY' || min(fiscal_year)::varchar
            || case when max(fiscal_year) > min(fiscal_year) then '–FY' || max(fiscal_year)::varchar else '' end
            as funding_fiscal_years,
    from funding_shares
    where fiscal_year_from <= $end_date::date
      and fiscal_year_to >= $start_date::date
    group by partnership_id
),

listed as (
    select
        partnerships.*,
        nonprofits.name as nonprofit_name,
        nonprofits.org_type,
        partnership_urbanicity.urbanicity,
        $scope_nonprofit_id is null or partnerships.nonprofit_id = $scope_nonprofit_id as viewer_may_see_programs,
    from partnerships
    join nonprofits using (nonprofit_id)
    left join partnership_urbanicity using (partnership_id)
    where (partnerships.status = 'planned'
           or (partnerships.start_date <= $end_date::date
               and coalesce(partnerships.end_date, $start_date::date) >= $start_date::date))
      and ($urbanicity is null or partnership_urbanicity.urbanicity = $urbanicity)
),

final as (
    select
        listed.partnership_id,
        listed.name as partnership_name,
        listed.description,
        listed.nonprofit_id,
        listed.nonprofit_name,
        listed.org_type,
        listed.status,
        listed.start_date,
        listed.end_date,
        case when listed.status <> 'planned' then greatest(datediff('day', listed.start_date,
            least(coalesce(listed.end_date, $end_date::date), $end_date::date)), 0) / 365.25 end as years_running,
        listed.urbanicity,
        coalesce(partnership_areas_named.area_count, 0)::integer as area_count,
        partnership_areas_named.area_names,
        coalesce(program_counts.programs, 0)::integer as programs,
        program_counts.focus,
        listed.mou_signed_on,
        coalesce(listed.mou_signed_on <= $end_date::date, false) as has_mou,
        listed.data_sharing_level,
        listed.roles,
        case when listed.viewer_may_see_programs then funding.funding_usd end as funding_usd,
        case when listed.viewer_may_see_programs
            then coalesce(funding.co_funding_in_period_usd, 0) * 100 / nullif(funding.funding_in_period_usd, 0)
        end as co_funding_share_pct,
        case when listed.viewer_may_see_programs then funding.funding_in_period_usd end as funding_in_period_usd,
        case when listed.viewer_may_see_programs then funding.funding_fiscal_years end as funding_fiscal_years,
        listed.viewer_may_see_programs,
    from listed
    left join partnership_areas_named using (partnership_id)
    left join program_counts using (partnership_id)
    left join funding using (partnership_id)
    order by listed.nonprofit_name, listed.name
)

select * from final
