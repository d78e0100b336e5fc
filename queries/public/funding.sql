-- public/funding: program funding by source and fiscal year, for the whole jurisdiction.
-- grain: one row per fiscal year x funding source
-- column fiscal_year integer: the fiscal year, named by the calendar year it ends in
-- column source varchar: agency, nonprofit, grant, private or in_kind
-- column amount_usd double: funding from this source that year (US dollars)
-- column share_pct double: this source's share of the year's funding (%)
-- column year_total_usd double: all funding that year (US dollars)
-- column co_funding_share_pct double: share of the year's funding not from the police agency (%)
-- note: Funding is published for the whole jurisdiction only, not split urban and rural.
with

final as (
    select fiscal_year, source, amount_usd, share_pct, year_total_usd, co_funding_share_pct,
    from funding_year_source
    order by fiscal_year, case source
        when 'agency' then 1 when 'grant' then 2 when 'nonprofit' then 3 when 'private' then 4 else 5 end
)

select * from final
