{#-
    (identifier_type, identifier_value, component_id) for every identifier: the component the
    `connected_components` model gave its node, or its own node id when no accepted edge touches
    it (an identifier alone is a component of its own).
-#}
{% macro component_of_each_identifier() -%}
    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        coalesce(components.component_id, identifiers.node_id) as component_id
    from {{ ref('int_identity__identifiers_numbered') }} as identifiers
    left join {{ ref('int_identity__components_labelled') }} as components
        on identifiers.node_id = components.node_id
{%- endmacro %}
