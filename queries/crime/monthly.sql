-- crime/monthly: recorded offences and rates per month, by area (or urbanicity), category and FBI class, zero-filled.
-- grain: one row per group x month x category x FBI class x crimes-against; months with no offence have a row with 0
-- param $start_date date: first day of the period; its whole month is included
-- param $end_date date: last day of the period; months starting after it are left out
-- param $urbanicity varchar null, one of urban|rural: only urban or only rural areas; null = both
-- param $categories varchar[] null, one of homicide|sexual_assault|robbery|aggravated_assault|simple_assault|domestic_violence|burglary|theft|motor_vehicle_theft|arson|vandalism|fraud|drug_offense|weapons_offense|public_order|trespass|other: offence categories to include; null = all
-- param $group_by varchar = area, one of area|urbanicity|all: rows per area, per urbanicity or for all areas together
-- param $crime_class varchar = all, one of all|violent|property|other: FBI class (violent = murder, rape, robbery, aggravated assault)
-- param $crimes_against varchar null = null, one of person|property|society: NIBRS crimes against; null = any
-- column group_key varchar: area code, 'urban' / 'rural', or 'all'
-- column group_label varchar: area name, 'Urban' / 'Rural', or 'All areas'
-- column urbanicity varchar: 'urban' or 'rural'; null for a group mixing both
-- column month date: first day of the month
-- column category varchar: offence category (offense_categories)
-- column crime_class varchar: FBI UCR class: violent, property or other
-- column crimes_against varchar: NIBRS crimes against: person, property, society or unspecified
-- column is_violent boolean: crime_class = 'violent' (FBI violent crime)
-- column incidents integer: offences recorded that month (count)
-- column population integer: residents of the group's areas with a known population
-- column rate_per_1k double: incidents in areas with a known population per 1,000 of their residents, for the month; null without population
-- note: Reads the crime_monthly rollup, never incidents, so its cost depends on areas x months,
-- not on the number of incidents. An offence's FBI class and crimes-against come from its NIBRS
-- code, so a category can appear under more than one class (homicide: 09A violent, 09B other);
-- rows are zero-filled for each category's class of an uncoded offence and every combination held. Months are those between the first of $start_date's month and
-- $end_date, limited to the months the database holds crime for.
with

coverage as (
    select min(month) as first_month, max(month) as last_month, from crime_monthly
),

months as (
    select unnest(generate_series(
        greatest(date_trunc('month', $start_date::date), coverage.first_month),
        least($end_date::date, coverage.last_month),
        interval 1 month
    ))::date as month,
    from coverage
),

selected_areas as (
    select area_id, area_code, name, urbanicity, population,
    from areas
    where $urbanicity is null or urbanicity = $urbanicity
),

offence_classes as (
    select category, crime_class, crimes_against, from offense_categories
    union
    select category, crime_class, crimes_against, from crime_monthly
),

selected_categories as (
    select category, crime_class, crimes_against, crime_class = 'violent' as is_violent,
    from offence_classes
    where ($categories is null or list_contains($categories, category))
      and ($crime_class = 'all' or crime_class = $crime_class)
      and ($crimes_against is null or crimes_against = $crimes_against)
),

grid as (
    select selected_areas.*, months.month, selected_categories.*,
    from selected_areas
    cross join months
    cross join selected_categories
),

counted as (
    select grid.*, coalesce(crime_monthly.incidents, 0) as incidents,
    from grid
    left join crime_monthly
        on crime_monthly.area_id = grid.area_id
        and crime_monthly.month = grid.month
        and crime_monthly.category = grid.category
        and crime_monthly.crime_class = grid.crime_class
        and crime_monthly.crimes_against = grid.crimes_against
),

grouped as (
    select
        case $group_by when 'area' then area_code when 'urbanicity' then urbanicity else 'all' end as group_key,
        case $group_by
            when 'area' then any_value(name)
            when 'urbanicity' then case any_value(urbanicity) when 'urban' then 'Urban' else 'Rural' end
            else 'All areas'
        end as group_label,
        case when count(distinct urbanicity) = 1 then any_value(urbanicity) end as urbanicity,
        month,
        category,
        crime_class,
        crimes_against,
        any_value(is_violent) as is_violent,
        sum(incidents)::integer as incidents,
        sum(population)::integer as population,
        sum(incidents) filter (where population > 0) * 1000.0
            / sum(population) filter (where population > 0) as rate_per_1k,
    from counted
    group by 1, month, category, crime_class, crimes_against
),

final as (
    select * from grouped order by group_key, month, category, crime_class, crimes_against
)

select * from final
