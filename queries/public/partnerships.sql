-- public/partnerships: the published registry of partnerships between the police and nonprofits, without free text.
-- grain: one row per partnership
-- column partnership_name varchar: the partnership's name
-- column nonprofit_name varchar: the partner organisation
-- column org_type varchar: the organisation's type (youth, mental_health, housing, ...)
-- column status varchar: active, paused, ended or planned, as the registry holds it today
-- column start_date date: when it began
-- column end_date date: when it ended; null while it runs
-- column urbanicity varchar: the side holding most of the population it serves
-- column area_names varchar: the areas it serves, comma-separated
-- column programs integer: its programs (count, all years)
-- column has_mou boolean: a memorandum of understanding is signed
-- column data_sharing_level varchar: none, aggregate or case_level
with

final as (
    select
        partnership_name, nonprofit_name, org_type, status, start_date, end_date,
        urbanicity, area_names, programs, has_mou, data_sharing_level,
    from partnerships
    order by case urbanicity when 'urban' then 1 else 2 end, partnership_name
)

select * from final
