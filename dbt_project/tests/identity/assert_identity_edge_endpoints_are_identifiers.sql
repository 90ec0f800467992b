-- Every endpoint of an identity edge is a node of the identity graph.

with

identity_edges as (

    select * from {{ ref('int_identity__edges') }}

),

identity_identifiers as (

    select * from {{ ref('int_identity__identifiers') }}

),

endpoints as (

    select
        left_type as identifier_type,
        left_value as identifier_value
    from identity_edges
    union distinct
    select
        right_type as identifier_type,
        right_value as identifier_value
    from identity_edges

),

final as (

    select endpoints.*
    from endpoints
    left join identity_identifiers
        on
            endpoints.identifier_type = identity_identifiers.identifier_type
            and endpoints.identifier_value = identity_identifiers.identifier_value
    where identity_identifiers.identifier_type is null

)

select * from final
