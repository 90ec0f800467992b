with

identifiers_observed as (

    select * from {{ ref('int_identifiers_observed') }}

),

aggregated as (

    select
        identifier_type,
        identifier_value,
        min({{ ordered_struct([
            ('first_at', 'observed_at'),
            ('first_system', 'source_system'),
            ('first_table', 'source_table'),
            ('first_file', 'source_file'),
            ('first_row', 'source_row'),
        ]) }}) as first_sighting,
        max(last_observed_at) as last_seen_at,
        sum(record_count) as observation_count
    from identifiers_observed
    group by identifier_type, identifier_value

),

final as (

    select
        aggregated.identifier_type,
        aggregated.identifier_value,
        aggregated.first_sighting.first_at as first_seen_at,
        aggregated.first_sighting.first_system as first_seen_source,
        aggregated.last_seen_at,
        cast(aggregated.observation_count as bigint) as observation_count
    from aggregated

)

select * from final
