-- meta/offence_codes: the NIBRS offence codes an offence can be mapped to, with what follows from each.
-- grain: one row per NIBRS offence code (data/nibrs_offenses.csv)
-- column nibrs_code varchar: the code (09A, 13A, 23F, 90Z ...)
-- column offense varchar: its name in the FBI NIBRS User Manual
-- column nibrs_group varchar: A or B
-- column crime_class varchar: FBI class: violent, property or other
-- column crimes_against varchar: NIBRS crimes against: person, property, society or unspecified
-- column category varchar: the Bridgeboard category it is shown under
-- column category_label varchar: that category's readable name
-- column is_sensitive boolean: never published below city-wide level
with

final as (
    select
        nibrs_offenses.nibrs_code,
        nibrs_offenses.offense,
        nibrs_offenses.nibrs_group,
        nibrs_offenses.crime_class,
        nibrs_offenses.crimes_against,
        nibrs_offenses.category,
        offense_categories.label as category_label,
        nibrs_offenses.is_sensitive,
    from nibrs_offenses
    join offense_categories using (category)
    order by nibrs_offenses.nibrs_group, nibrs_offenses.nibrs_code
)

select * from final
