with

source as (

    select * from {{ source('identity', 'oneid_map') }}

),

final as (

    select
        identifier_type,
        identifier_value,
        oneid,
        resolved_at
    from source

)

select * from final
