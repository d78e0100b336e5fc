-- meta/data_quality: what the crime figures of a period lack: incomplete months, unclassified offences, rows the last crime import left out.
-- grain: one row
-- param $start_date date: first day of the period; its whole month is included
-- param $end_date date: last day of the period
-- param $urbanicity varchar null, one of urban|rural: only urban or only rural areas for the offence shares; null = both
-- column months_held integer: months of the period inside the span of crime data held
-- column incomplete_months varchar[]: flagged months of the period (YYYY-MM), oldest first (schema macro incomplete_crime_months)
-- column incomplete_reasons varchar[]: why each is flagged, in the same order
-- column offences integer: offences recorded in the period (count)
-- column unclassified integer: of them, offences NIBRS does not classify: 90Z All Other Offenses or an uncoded 'other' (count)
-- column unclassified_pct double: unclassified / offences x 100 (%); null without offences
-- column last_import_id integer: import_log id of the latest incidents or crime-counts import; null when none is logged
-- column last_import_file varchar: file of the latest incidents or crime-counts import; null when none is logged
-- column last_import_kind varchar: incidents or crime-counts
-- column last_imported_at timestamp: when it ran
-- column last_import_rows_read integer: rows it read (count)
-- column last_import_rows_rejected integer: rows it left out (count)
-- column last_import_area_unknown integer: rows left out because their area is unknown: a code or name not among the areas, none given, or a point outside every area (count)
-- column last_import_offence_unmapped integer: rows left out because no table maps their offence (count)
-- column area_unknown_pct double: last_import_area_unknown / last_import_rows_read x 100 (%)
-- column rejected_pct double: last_import_rows_rejected / last_import_rows_read x 100 (%)
-- note: Months are flagged once, by the schema macro incomplete_crime_months(), for the whole
-- jurisdiction: the latest (or first) month when the incidents stop (or start) inside it, and any
-- month with fewer than half the median offences of the 12 months before it, as a records-system
-- change or a missing load looks. The impact rules read the same macro and treat those months as not held.
-- note: An unknown area leaves no incident to count, so its share is that of the last crime import's rows.
with

bounds as (
    select date_trunc('month', $start_date::date)::date as first_month, $end_date::date as last_day,
),

span as (
    select min(month) as first_month, max(month) as last_month, from crime_monthly
),

held_months as (
    select count(*)::integer as months_held,
    from (
        select unnest(generate_series(
            greatest(bounds.first_month, span.first_month), least(bounds.last_day, span.last_month), interval 1 month
        )) as month
        from bounds, span
    )
),

flagged as (
    select
        list(strftime(incomplete.month, '%Y-%m') order by incomplete.month) as incomplete_months,
        list(incomplete.reason order by incomplete.month) as incomplete_reasons,
    from incomplete_crime_months() as incomplete, bounds
    where incomplete.month between bounds.first_month and bounds.last_day
),

offences as (
    select
        coalesce(sum(crime_monthly.incidents), 0)::integer as offences,
        coalesce(sum(crime_monthly.incidents) filter (where crime_monthly.crimes_against = 'unspecified'), 0)::integer
            as unclassified,
    from crime_monthly
    join areas using (area_id)
    cross join bounds
    where crime_monthly.month between bounds.first_month and bounds.last_day
      and ($urbanicity is null or areas.urbanicity = $urbanicity)
),

last_import as (
    select import_id, file_name, kind, imported_at, rows_read, rows_rejected,
    from import_log
    where kind in ('incidents', 'crime-counts')
    order by imported_at desc, import_id desc
    limit 1
),

left_out as (
    select
        count(*) filter (
            where rejected_rows.reason like 'area is not among the imported areas%'
               or rejected_rows.reason like 'no area:%'
               or rejected_rows.reason like 'the coordinates are outside every area%'
        )::integer as area_unknown,
        count(*) filter (
            where rejected_rows.reason like 'offence not mapped to a NIBRS code%'
               or rejected_rows.reason like 'offence code not known%'
        )::integer as offence_unmapped,
    from rejected_rows
    where rejected_rows.import_id = (select import_id from last_import)
),

final as (
    select
        held_months.months_held,
        coalesce(flagged.incomplete_months, []) as incomplete_months,
        coalesce(flagged.incomplete_reasons, []) as incomplete_reasons,
        offences.offences,
        offences.unclassified,
        case when offences.offences > 0 then offences.unclassified * 100.0 / offences.offences end as unclassified_pct,
        last_import.import_id as last_import_id,
        last_import.file_name as last_import_file,
        last_import.kind as last_import_kind,
        last_import.imported_at as last_imported_at,
        last_import.rows_read as last_import_rows_read,
        last_import.rows_rejected as last_import_rows_rejected,
        case when last_import.import_id is not null then left_out.area_unknown end as last_import_area_unknown,
        case when last_import.import_id is not null then left_out.offence_unmapped end as last_import_offence_unmapped,
        case when last_import.rows_read > 0 then left_out.area_unknown * 100.0 / last_import.rows_read end
            as area_unknown_pct,
        case when last_import.rows_read > 0 then last_import.rows_rejected * 100.0 / last_import.rows_read end
            as rejected_pct,
    from held_months
    cross join flagged
    cross join offences
    cross join left_out
    left join last_import on true
)

select * from final
