-- impact/comparison_candidates: the areas a partnership's impact may be compared with, and which of them are compared by default.
-- grain: one row per area that may serve as a comparison area
-- param $partnership_id integer: the partnership
-- param $window_months integer = 12: months in each of impact/wdd's windows
-- column area_code varchar: the area
-- column area_name varchar: its name
-- column urbanicity varchar: 'urban' or 'rural'
-- column population integer: residents; null when unknown
-- column is_default boolean: compared by default (same urbanicity as the partnership)
-- note: An area may be compared with when neither this partnership nor any partnership with a program
-- of the same focus serves it during the windows (comparison_areas in data/schema.sql). By default
-- the comparison areas are those of the partnership's urbanicity; an analyst may choose others.
with

partnership as (
    select
        (date_trunc('month', start_date) - to_months($window_months))::date as before_from,
        (date_trunc('month', start_date) + to_months($window_months))::date as after_until,
    from partnerships
    where partnership_id = $partnership_id
),

eligible as (
    select comparison.area_id,
    from partnership,
    comparison_areas(
        $partnership_id, partnership.before_from, partnership.after_until,
        chosen_area_codes := (select list(area_code) from areas)
    ) as comparison
    where comparison.role = 'control'
),

final as (
    select
        areas.area_code,
        areas.name as area_name,
        areas.urbanicity,
        areas.population,
        coalesce(areas.urbanicity = partnership_urbanicity.urbanicity, false) as is_default,
    from eligible
    join areas using (area_id)
    left join partnership_urbanicity on partnership_urbanicity.partnership_id = $partnership_id
    order by is_default desc, areas.area_code
)

select * from final
