-- public/area_crime: offences per 1,000 residents by area in the latest published calendar year, for the map.
-- grain: one row per published area
-- param $crime_class varchar = violent, one of violent|property|other: which offences count
-- column area_code varchar: the area's code
-- column name varchar: the area's name
-- column urbanicity varchar: urban or rural
-- column population integer: residents
-- column year integer: the latest calendar year published by area (the same for every row)
-- column incidents integer: offences in the area that year (count); null where hidden by disclosure control
-- column incidents_shown varchar: incidents as published: the count, '<10' or 'suppressed'
-- column rate_per_1k double: incidents per 1,000 residents that year; null where hidden or without population
with

latest as (
    select max(year) as year from crime_area_year
),

final as (
    select
        areas.area_code,
        areas.name,
        areas.urbanicity,
        areas.population,
        latest.year,
        crime_area_year.incidents,
        crime_area_year.incidents_shown,
        crime_area_year.rate_per_1k,
    from areas
    cross join latest
    left join crime_area_year
        on crime_area_year.area_code = areas.area_code
        and crime_area_year.year = latest.year
        and crime_area_year.crime_class = $crime_class
    order by case areas.urbanicity when 'urban' then 1 else 2 end, areas.name
)

select * from final
