with

carried_over as (

    select * from {{ ref('int_identity__components_carried_over') }}

),

minted as (

    select * from {{ ref('int_identity__components_minted') }}

),

clustered as (

    {{ component_of_each_identifier() }}

),

final as (

    select
        clustered.identifier_type,
        clustered.identifier_value,
        coalesce(carried_over.kept_oneid, minted.oneid) as oneid
    from clustered
    inner join carried_over on clustered.component_id = carried_over.component_id
    left join minted on clustered.component_id = minted.component_id

)

select * from final
