-- meta/categories: the fixed offence list every source is normalised to.
-- grain: one row per offence category
-- column category varchar: the category's key
-- column label varchar: its readable name
-- column crime_class varchar: violent (crimes against persons), property, or other (against society)
-- column is_violent boolean: crime_class = 'violent'
-- column is_sensitive boolean: sexual offences and domestic violence: never published below city-wide level
with

final as (
    select category, label, crime_class, is_violent, is_sensitive,
    from offense_categories
    order by case crime_class when 'violent' then 1 when 'property' then 2 else 3 end, label
)

select * from final
