-- public/program_years: partnerships, programs and participants per calendar year, urban, rural and the whole area.
-- grain: one row per year x side
-- column year integer: calendar year
-- column side varchar: 'urban', 'rural' or 'all' (the whole jurisdiction)
-- column partnerships_active integer: partnerships that ran at some time in the year, not merely planned (count)
-- column programs_active integer: programs that ran at some time in the year (count)
-- column participants_served integer: people in programs during the year (count); null where hidden by disclosure control
-- column participants_served_shown varchar: participants_served as published: the count, '<10' or 'suppressed'
-- note: These are the Overview's definitions for a calendar year (programs/totals), so the numbers match it
-- for the same year; the registry's "active" is the status today.
with

years as (
    select year, urbanicity as side, partnerships_active, programs_active,
        participants_served, participants_served_shown,
    from program_counts
    union all
    select year, 'all' as side, partnerships_active, programs_active,
        participants_served, participants_served_shown,
    from program_counts_city
),

final as (
    select * from years order by year, case side when 'urban' then 1 when 'rural' then 2 else 3 end
)

select * from final
