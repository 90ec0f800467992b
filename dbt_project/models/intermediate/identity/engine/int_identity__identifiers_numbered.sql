with

identifiers as (

    select * from {{ ref('int_identity__identifiers') }}

),

final as (

    select
        identifier_type,
        identifier_value,
        {{ unordered_row_id() }} as node_id
    from identifiers

)

select * from final
