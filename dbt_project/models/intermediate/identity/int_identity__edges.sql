with

identifiers_observed as (

    select * from {{ ref('int_identifiers_observed') }}

),

---------- pairs of identifiers seen in the same record, stored left < right (type, then value)

paired as (

    select
        left_side.identifier_type as left_type,
        left_side.identifier_value as left_value,
        right_side.identifier_type as right_type,
        right_side.identifier_value as right_value,
        left_side.observed_at,
        left_side.source_table,
        left_side.source_file,
        left_side.source_row
    from identifiers_observed as left_side
    inner join identifiers_observed as right_side
        on
            left_side.source_table = right_side.source_table
            and left_side.record_key = right_side.record_key
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

ranked as (

    select
        *,
        row_number() over (
            partition by left_type, left_value, right_type, right_value
            order by observed_at, source_table, source_file, source_row
        ) as observation_rank,
        max(observed_at) over (
            partition by left_type, left_value, right_type, right_value
        ) as last_observed_at,
        count(*) over (
            partition by left_type, left_value, right_type, right_value
        ) as observation_count
    from linked

),

final as (

    select
        left_type,
        left_value,
        right_type,
        right_value,
        observed_at as first_observed_at,
        last_observed_at,
        source_table as first_source_table,
        source_file as first_source_file,
        source_row as first_source_row,
        observation_count
    from ranked
    where observation_rank = 1

)

select * from final
