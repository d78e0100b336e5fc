-- public/partnerships_by_type: partnerships active today and their programs by the partner's type, urban and rural.
-- grain: one row per organisation type x side ('urban', 'rural') with at least one partnership in the registry
-- column org_type varchar: the partner organisation's type
-- column side varchar: 'urban' or 'rural': the side holding most of the population the partnerships serve
-- column partnerships_active integer: partnerships whose status is active today (count)
-- column programs_active_partnerships integer: programs of those partnerships, all years (count)
-- column partnerships_listed integer: partnerships of any status in the registry (count)
-- note: "Active" here is the registry's status today. The yearly counts (public/program_years) count every
-- partnership that ran at some time in the year, including ones that have since ended, as the Overview does.
with

final as (
    select
        org_type,
        urbanicity as side,
        count(*) filter (where status = 'active')::integer as partnerships_active,
        coalesce(sum(programs) filter (where status = 'active'), 0)::integer as programs_active_partnerships,
        count(*)::integer as partnerships_listed,
    from partnerships
    group by org_type, urbanicity
    order by partnerships_active desc, org_type, case urbanicity when 'urban' then 1 else 2 end
)

select * from final
