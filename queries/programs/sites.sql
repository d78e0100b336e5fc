-- programs/sites: where the programs running in the period meet people, for maps.
-- grain: one row per program site, for programs whose dates overlap the period
-- param $start_date date: first day of the period
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: sites in urban or rural areas only; null = all
-- param $scope_nonprofit_id integer null: the viewer's organisation; null = the whole agency (bound by the runner)
-- column site_id integer: the site
-- column site_name varchar: its name
-- column program_id integer: the program meeting there
-- column program_name varchar: that program's name
-- column focus varchar: the program's focus
-- column nonprofit_name varchar: the partner running it
-- column area_name varchar: the area the site is in
-- column urbanicity varchar: that area's urbanicity
-- column lat double: latitude (degrees, WGS84)
-- column lon double: longitude (degrees, WGS84)
with

final as (
    select
        program_sites.site_id,
        program_sites.name as site_name,
        programs.program_id,
        programs.name as program_name,
        programs.focus,
        nonprofits.name as nonprofit_name,
        areas.name as area_name,
        areas.urbanicity,
        program_sites.lat,
        program_sites.lon,
    from program_sites
    join programs using (program_id)
    join partnerships using (partnership_id)
    join nonprofits using (nonprofit_id)
    left join areas on areas.area_id = program_sites.area_id
    where ($scope_nonprofit_id is null or partnerships.nonprofit_id = $scope_nonprofit_id)
      and ($urbanicity is null or areas.urbanicity = $urbanicity)
      and programs.start_date <= $end_date::date
      and coalesce(programs.end_date, $start_date::date) >= $start_date::date
    order by program_sites.site_id
)

select * from final
