with

---------- pairs of identifiers seen in the same identifier set, stored left < right (type, then
---------- value); a set is named by its first record (table, file, row)

paired as (

    select
        left_side.identifier_type as left_type,
        left_side.identifier_value as left_value,
        right_side.identifier_type as right_type,
        right_side.identifier_value as right_value,
        left_side.observed_at,
        left_side.last_observed_at,
        left_side.record_count,
        left_side.source_table,
        left_side.source_file,
        left_side.source_row
    from {{ ref('int_identifiers_observed') }} as left_side
    inner join {{ ref('int_identifiers_observed') }} as right_side
        on
            left_side.source_table = right_side.source_table
            and left_side.source_file = right_side.source_file
            and left_side.source_row = right_side.source_row
            and (
                left_side.identifier_type < right_side.identifier_type
                or (
                    left_side.identifier_type = right_side.identifier_type
                    and left_side.identifier_value < right_side.identifier_value
                )
            )

),

---------- every pair in a record is a link: a record only lists one person's identifiers
---------- (see the identity_graph docs block); guardrails run in the resolution step

linked as (

    select * from paired

),

aggregated as (

    select
        left_type,
        left_value,
        right_type,
        right_value,
        min({{ ordered_struct([
            ('first_at', 'observed_at'),
            ('first_table', 'source_table'),
            ('first_file', 'source_file'),
            ('first_row', 'source_row'),
        ]) }}) as first_observation,
        max(last_observed_at) as last_observed_at,
        sum(record_count) as observation_count
    from linked
    group by left_type, left_value, right_type, right_value

),

final as (

    select
        aggregated.left_type,
        aggregated.left_value,
        aggregated.right_type,
        aggregated.right_value,
        aggregated.first_observation.first_at as first_observed_at,
        aggregated.last_observed_at,
        aggregated.first_observation.first_table as first_source_table,
        aggregated.first_observation.first_file as first_source_file,
        aggregated.first_observation.first_row as first_source_row,
        cast(aggregated.observation_count as bigint) as observation_count
    from aggregated

)

select * from final
