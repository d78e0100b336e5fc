-- public/partnerships_by_area: how many partnerships serve each area, active today and in all.
-- grain: one row per published area
-- column area_code varchar: the area's code
-- column name varchar: the area's name
-- column urbanicity varchar: urban or rural
-- column partnerships_active integer: partnerships active today that serve the area (count)
-- column partnerships_listed integer: partnerships of any status that serve or served it (count)
-- note: A partnership serving several areas counts once in each.
with

served as (
    select status, unnest(string_split(area_names, ', ')) as area_name,
    from partnerships
    where area_names is not null
),

final as (
    select
        areas.area_code,
        areas.name,
        areas.urbanicity,
        count(served.area_name) filter (where served.status = 'active')::integer as partnerships_active,
        count(served.area_name)::integer as partnerships_listed,
    from areas
    left join served on served.area_name = areas.name
    group by areas.area_code, areas.name, areas.urbanicity
    order by case areas.urbanicity when 'urban' then 1 else 2 end, areas.name
)

select * from final
