{#
    One output row per element of a list (array) column, used in a select list:
    `select id, {{ unnest_list('phones') }} as phone from t`. A null or empty list gives no rows.
#}
{% macro unnest_list(list_column) -%}
    {{ return(adapter.dispatch('unnest_list', 'siyu')(list_column)) }}
{%- endmacro %}

{# DuckDB and Postgres. #}
{% macro default__unnest_list(list_column) -%}
    unnest({{ list_column }})
{%- endmacro %}

{% macro spark__unnest_list(list_column) -%}
    explode({{ list_column }})
{%- endmacro %}
