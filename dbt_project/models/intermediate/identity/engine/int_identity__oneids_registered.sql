-- as identity/stable_ids.py bootstraps it: an empty registry beside a previous map (a warehouse
-- resolved before the registry existed) counts every id of the map, created when first resolved

with

registry as (

    select * from {{ previous_identity_relation('oneids') }}

),

previous_map as (

    select * from {{ previous_identity_relation('oneid_map') }}

),

registry_size as (

    select count(*) as registered_ids from registry

),

bootstrapped as (

    select
        previous_map.oneid,
        coalesce(
            min(previous_map.resolved_at),
            cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
        ) as created_at
    from previous_map
    cross join registry_size
    where registry_size.registered_ids = 0
    group by previous_map.oneid

),

final as (

    select
        oneid,
        created_at
    from registry

    union all

    select
        oneid,
        created_at
    from bootstrapped

)

select * from final
