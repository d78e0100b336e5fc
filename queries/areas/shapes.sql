-- areas/shapes: the areas with their outline as GeoJSON, for maps.
-- grain: one row per area
-- param $urbanicity varchar null, one of urban|rural: only urban or only rural areas; null = both
-- column area_id integer: area key
-- column area_code varchar: the source system's code
-- column name varchar: the area's name
-- column kind varchar: neighbourhood, township, district, beat, tract, town or county
-- column urbanicity varchar: 'urban' or 'rural'
-- column class_code integer: RUCC / RUCA code when known
-- column class_scheme varchar: RUCC2023, RUCA or density
-- column population integer: residents; null when unknown
-- column centroid_lat double: centroid latitude (degrees, WGS84)
-- column centroid_lon double: centroid longitude (degrees, WGS84)
-- column geojson varchar: the outline as a GeoJSON geometry (WGS84); null when the area has none
with

final as (
    select
        area_id,
        area_code,
        name,
        kind,
        urbanicity,
        class_code,
        class_scheme,
        population,
        centroid_lat,
        centroid_lon,
        st_asgeojson(geometry)::varchar as geojson,
    from areas
    where $urbanicity is null or urbanicity = $urbanicity
    order by area_code
)

select * from final
