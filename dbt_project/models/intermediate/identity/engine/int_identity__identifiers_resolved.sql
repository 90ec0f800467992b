with

identifiers as (

    select * from {{ ref('int_identity__identifiers_numbered') }}

),

components as (

    select * from {{ ref('int_identity__components_labelled') }}

),

carried_over as (

    select * from {{ ref('int_identity__components_carried_over') }}

),

minted as (

    select * from {{ ref('int_identity__components_minted') }}

),

-- an identifier without an accepted edge is a component of its own
clustered as (

    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        coalesce(components.component_id, identifiers.node_id) as component_id
    from identifiers
    left join components on identifiers.node_id = components.node_id

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
