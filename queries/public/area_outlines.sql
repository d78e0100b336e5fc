-- public/area_outlines: the published areas with their outlines, for the map.
-- grain: one row per published area
-- column area_code varchar: the area's code
-- column name varchar: the area's name
-- column urbanicity varchar: urban or rural
-- column population integer: residents
-- column geojson varchar: the area's outline as GeoJSON (longitude, latitude); null when none is held
with

final as (
    select area_code, name, urbanicity, population, geojson, from areas order by area_code
)

select * from final
