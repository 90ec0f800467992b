with

identifiers_observed as (

    select * from {{ ref('int_identifiers_observed') }}

),

ranked as (

    select
        identifier_type,
        identifier_value,
        observed_at,
        source_system,
        row_number() over (
            partition by identifier_type, identifier_value
            order by observed_at, source_system, source_table, source_file, source_row
        ) as observation_rank,
        max(observed_at) over (
            partition by identifier_type, identifier_value
        ) as last_seen_at,
        count(*) over (
            partition by identifier_type, identifier_value
        ) as observation_count
    from identifiers_observed

),

final as (

    select
        identifier_type,
        identifier_value,
        observed_at as first_seen_at,
        source_system as first_seen_source,
        last_seen_at,
        observation_count
    from ranked
    where observation_rank = 1

)

select * from final
