-- meta/categories: Bridgeboard's offence categories, with the FBI classes and crimes-against their offences take.
-- grain: one row per offence category
-- column category varchar: the category's key
-- column label varchar: its readable name
-- column crime_class varchar: FBI class of an offence known only by this category (no NIBRS code)
-- column crime_classes varchar[]: every FBI class an offence of this category can take (from its NIBRS codes), sorted
-- column crimes_against varchar[]: every NIBRS crimes-against its offences can take, sorted
-- column nibrs_codes varchar[]: the NIBRS codes filed under it (data/nibrs_offenses.csv), sorted
-- column is_violent boolean: crime_class = 'violent'
-- column is_sensitive boolean: sexual offences and domestic violence: never published below city-wide level
-- note: The FBI class comes from an offence's NIBRS code, not its category: homicide holds 09A
-- (violent) and 09B (other); domestic_violence holds assaults flagged domestic, aggravated ones violent.
with

coded as (
    select category, crime_class, crimes_against, nibrs_code, from nibrs_offenses
    union all
    select domestic_category, crime_class, crimes_against, null, from nibrs_offenses where domestic_category is not null
    union all
    select category, crime_class, crimes_against, null, from offense_categories
    union all
    select distinct category, crime_class, crimes_against, null, from crime_monthly
),

by_category as (
    select
        category,
        list_sort(list_distinct(list(crime_class))) as crime_classes,
        list_sort(list_distinct(list(crimes_against))) as crimes_against,
        list_sort(list_distinct(list(nibrs_code) filter (where nibrs_code is not null))) as nibrs_codes,
    from coded
    group by category
),

final as (
    select
        offense_categories.category,
        offense_categories.label,
        offense_categories.crime_class,
        by_category.crime_classes,
        by_category.crimes_against,
        coalesce(by_category.nibrs_codes, []) as nibrs_codes,
        offense_categories.is_violent,
        offense_categories.is_sensitive,
    from offense_categories
    join by_category using (category)
    order by case offense_categories.crime_class when 'violent' then 1 when 'property' then 2 else 3 end,
        offense_categories.label
)

select * from final
