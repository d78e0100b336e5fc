-- resources/funding: program funding by source and fiscal year, with the co-funding share and in-kind value.
-- grain: one row per fiscal year x funding source, for fiscal years overlapping the period
-- param $start_date date: first day of the period; every fiscal year overlapping the period is included whole
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: programs counted on that side; null = all
-- param $partnership_id integer null = null: only this partnership's programs; null = all
-- param $scope_nonprofit_id integer null: the viewer's organisation; null = the whole agency (bound by the runner)
-- column fiscal_year integer: named by the calendar year it ends in
-- column fiscal_year_from date: its first day
-- column fiscal_year_to date: its last day
-- column source varchar: agency, nonprofit, grant, private or in_kind
-- column amount_usd double: funding from this source in that year (agency currency)
-- column programs_funded integer: programs receiving money from this source that year
-- column share_pct double: this source's share of the year's total (%)
-- column year_total_usd double: all sources that year, in-kind included
-- column co_funding_share_pct double: share of the year's total not paid by the agency (%), in-kind included
-- column in_kind_usd double: the year's in-kind value (donated space, staff time, goods)
with

visible_programs as (
    select programs.program_id,
    from programs
    join partnerships using (partnership_id)
    left join program_urbanicity using (program_id)
    where ($scope_nonprofit_id is null or partnerships.nonprofit_id = $scope_nonprofit_id)
      and ($urbanicity is null or program_urbanicity.urbanicity = $urbanicity)
      and ($partnership_id is null or programs.partnership_id = $partnership_id)
),

funding as (
    select
        program_funding.*,
        fiscal_year_first_day(program_funding.fiscal_year) as fiscal_year_from,
        fiscal_year_last_day(program_funding.fiscal_year) as fiscal_year_to,
    from program_funding
    join visible_programs using (program_id)
),

in_period as (
    select * from funding
    where fiscal_year_from <= $end_date::date and fiscal_year_to >= $start_date::date
),

by_source as (
    select
        fiscal_year,
        any_value(fiscal_year_from) as fiscal_year_from,
        any_value(fiscal_year_to) as fiscal_year_to,
        source,
        sum(amount)::double as amount_usd,
        count(distinct program_id) as programs_funded,
    from in_period
    group by fiscal_year, source
),

final as (
    select
        fiscal_year,
        fiscal_year_from,
        fiscal_year_to,
        source,
        amount_usd,
        programs_funded::integer as programs_funded,
        amount_usd * 100 / nullif(sum(amount_usd) over fiscal, 0) as share_pct,
        sum(amount_usd) over fiscal as year_total_usd,
        coalesce(sum(amount_usd) filter (where source <> 'agency') over fiscal, 0) * 100
            / nullif(sum(amount_usd) over fiscal, 0) as co_funding_share_pct,
        coalesce(sum(amount_usd) filter (where source = 'in_kind') over fiscal, 0) as in_kind_usd,
    from by_source
    window fiscal as (partition by fiscal_year)
    order by fiscal_year, source
)

select * from final
