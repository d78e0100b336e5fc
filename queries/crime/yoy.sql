-- crime/yoy: recorded crime in a period against the same months one year earlier, with an exact test.
-- grain: one row per group: an area ($group_by = area), an urbanicity, or one row for all areas
-- param $start_date date: first day of the period; counts use whole calendar months from its month on
-- param $end_date date: last day of the period; months starting after it are left out
-- param $urbanicity varchar null, one of urban|rural: only urban or only rural areas; null = both
-- param $group_by varchar = area, one of area|urbanicity|all: how rows are grouped
-- param $crime_class varchar = all, one of all|violent|property|other: which offences count: an FBI class (violent = murder and non-negligent manslaughter, rape, robbery, aggravated assault; property = burglary, larceny-theft, motor vehicle theft, arson) or all
-- param $crimes_against varchar null = null, one of person|property|society: only offences NIBRS counts against persons, property or society; null = any
-- param $categories varchar[] null = null, one of homicide|sexual_assault|robbery|aggravated_assault|simple_assault|domestic_violence|burglary|theft|motor_vehicle_theft|arson|vandalism|fraud|drug_offense|weapons_offense|public_order|trespass|other: only these offence categories (within $crime_class); null = all
-- column group_key varchar: area code, 'urban' / 'rural', or 'all'
-- column group_label varchar: area name, 'Urban' / 'Rural', or 'All areas'
-- column urbanicity varchar: 'urban' or 'rural'; null for a group mixing both
-- column areas integer: number of areas in the group
-- column population integer: residents of the group's areas that have a known population
-- column incidents integer: offences recorded in the period (count)
-- column incidents_prior integer: offences in the same months one year earlier (count)
-- column rate_per_1k double: incidents per 1,000 residents over the period, areas with a known population only; null without population
-- column rate_per_1k_prior double: the same rate one year earlier
-- column change_pct double: (incidents - incidents_prior) / incidents_prior x 100 (%); null when the prior count is 0
-- column poisson_z double: 2(sqrt(incidents) - sqrt(incidents_prior)), kept for continuity; not the test (see the notes)
-- column p_value double: exact two-sided p that the two counts differ by chance alone (conditional binomial test)
-- column significant boolean: p_value < 0.05, a change unlikely to be chance alone
-- note: Rates are not annualised: a 12-month period gives the annual rate per 1,000 residents.
-- note: Significance uses the exact conditional test for two Poisson counts with equal exposure
-- (Przyborowski, J. & Wilenski, H. (1940), "Homogeneity of results in testing samples from Poisson
-- series", Biometrika 31:313-323): if nothing changed, the count after, given the n offences of both
-- periods, is binomial(n, 1/2). The two-sided p doubles the smaller tail; it is valid for any counts,
-- however small. poisson_z = 2(sqrt(after) - sqrt(before)) is calibrated only for a count against a
-- long-run mean known almost exactly; for two single counts its variance is 2, not 1, so |z| >= 2
-- would call p = 0.16 significant.
with

bounds as (
    select
        date_trunc('month', $start_date::date)::date as period_start,
        $end_date::date as period_end,
),

selected_areas as (
    select area_id, area_code, name, urbanicity, population
    from areas
    where $urbanicity is null or urbanicity = $urbanicity
),

crime as (
    select area_id, month, incidents
    from crime_monthly
    where ($crime_class = 'all' or crime_class = $crime_class)
      and ($crimes_against is null or crimes_against = $crimes_against)
      and ($categories is null or list_contains($categories, category))
),

per_area as (
    select
        selected_areas.area_id,
        any_value(selected_areas.area_code) as area_code,
        any_value(selected_areas.name) as name,
        any_value(selected_areas.urbanicity) as urbanicity,
        any_value(selected_areas.population) as population,
        coalesce(sum(crime.incidents) filter (
            where crime.month between bounds.period_start and bounds.period_end
        ), 0) as incidents,
        coalesce(sum(crime.incidents) filter (
            where crime.month between bounds.period_start - interval 1 year
                and bounds.period_end - interval 1 year
        ), 0) as incidents_prior,
    from selected_areas
    cross join bounds
    left join crime on crime.area_id = selected_areas.area_id
    group by selected_areas.area_id
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
        count(*)::integer as areas,
        sum(population)::integer as population,
        sum(incidents)::integer as incidents,
        sum(incidents_prior)::integer as incidents_prior,
        sum(incidents) filter (where population > 0) as rated_incidents,
        sum(incidents_prior) filter (where population > 0) as rated_incidents_prior,
        sum(population) filter (where population > 0) as rated_population,
    from per_area
    group by 1
),

-- Binomial(n, 1/2) is symmetric, so the two-sided p is twice P(X <= the smaller count), or 1 when the
-- counts are equal. Terms more than 20 sqrt(n) below the smaller count are below exp(-800) of the
-- largest (the log pmf falls at least quadratically, by 2/n per step squared), so the sum starts there.
tested as (
    select
        grouped.*,
        case
            when incidents = incidents_prior then 1.0
            else least(1.0, 2 * list_sum(list_transform(
                generate_series(
                    greatest(0, least(incidents, incidents_prior) - ceil(20 * sqrt(incidents + incidents_prior))::bigint),
                    least(incidents, incidents_prior)::bigint
                ),
                lambda k: exp(
                    lgamma(incidents + incidents_prior + 1) - lgamma(k + 1) - lgamma(incidents + incidents_prior - k + 1)
                    - (incidents + incidents_prior) * ln(2)
                )
            )))
        end as p_value,
    from grouped
),

final as (
    select
        group_key,
        group_label,
        urbanicity,
        areas,
        population,
        incidents,
        incidents_prior,
        rated_incidents * 1000.0 / rated_population as rate_per_1k,
        rated_incidents_prior * 1000.0 / rated_population as rate_per_1k_prior,
        case when incidents_prior > 0 then (incidents - incidents_prior) * 100.0 / incidents_prior end as change_pct,
        2 * (sqrt(incidents) - sqrt(incidents_prior)) as poisson_z,
        p_value,
        p_value < 0.05 as significant,
    from tested
    order by group_key
)

select * from final
