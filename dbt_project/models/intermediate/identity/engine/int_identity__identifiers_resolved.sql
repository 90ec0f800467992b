with

identifiers as (

    select * from {{ ref('int_identity__identifiers_numbered') }}

),

components as (

    select * from {{ ref('int_identity__components_labelled') }}

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

-- the anchor names the component whatever the node numbering: its smallest `type:value`
anchors as (

    select
        component_id,
        min(identifier_type || ':' || identifier_value) as anchor
    from clustered
    group by component_id

),

final as (

    select
        clustered.identifier_type,
        clustered.identifier_value,
        'C' || substr(md5(anchors.anchor), 1, 20) as oneid
    from clustered
    inner join anchors on clustered.component_id = anchors.component_id

)

select * from final
