{{ config(materialized='connected_components') }}

-- the graph resolution uses: observed edges the guardrails did not reject, plus forced merges

with

identifiers as (

    select * from {{ ref('int_identity__identifiers_numbered') }}

),

edges as (

    select * from {{ ref('int_identity__edges') }}

),

rejected_edges as (

    select * from {{ source('identity', 'rejected_edges') }}

),

forced_edges as (

    select * from {{ source('identity', 'forced_edges') }}

),

accepted_edges as (

    select
        edges.left_type,
        edges.left_value,
        edges.right_type,
        edges.right_value
    from edges
    anti join rejected_edges
        on
            edges.left_type = rejected_edges.left_type
            and edges.left_value = rejected_edges.left_value
            and edges.right_type = rejected_edges.right_type
            and edges.right_value = rejected_edges.right_value

    union all

    select
        left_type,
        left_value,
        right_type,
        right_value
    from forced_edges

),

final as (

    select
        left_nodes.node_id,
        right_nodes.node_id as neighbour_id
    from accepted_edges
    inner join identifiers as left_nodes
        on
            accepted_edges.left_type = left_nodes.identifier_type
            and accepted_edges.left_value = left_nodes.identifier_value
    inner join identifiers as right_nodes
        on
            accepted_edges.right_type = right_nodes.identifier_type
            and accepted_edges.right_value = right_nodes.identifier_value

)

select * from final
