{#-
    The previous OneID map or registry (source `identity_previous`) to select from, or an empty
    select with the same columns when there is none: var oneid_previous_schema is null (a first
    resolution) or the table is missing, as identity/stable_ids.py treats a warehouse without a map.
-#}
{% macro previous_identity_relation(table_name) -%}
    {%- if var('oneid_previous_schema') is not none -%}
        {%- set relation = source('identity_previous', table_name) -%}
        {%- if not execute or load_relation(relation) is not none -%}
            {{ return(relation) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(empty_previous_identity_sql(table_name)) }}
{%- endmacro %}

{% macro empty_previous_identity_sql(table_name) -%}
    {%- set columns = {
        'oneid_map': [
            ('identifier_type', dbt.type_string()),
            ('identifier_value', dbt.type_string()),
            ('oneid', dbt.type_string()),
            ('resolved_at', dbt.type_timestamp()),
        ],
        'oneids': [
            ('oneid', dbt.type_string()),
            ('created_at', dbt.type_timestamp()),
        ],
    }[table_name] -%}
    (
        select
        {%- for name, data_type in columns %}
            cast(null as {{ data_type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
        where 1 = 0
    ) as no_previous_{{ table_name }}
{%- endmacro %}
