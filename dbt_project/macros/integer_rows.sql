{#- A select of the integers 0 … row_count − 1 in one column: the body of a spine. -#}
{% macro integer_rows(row_count, column_name) -%}
    {{ return(adapter.dispatch('integer_rows', 'siyu')(row_count, column_name)) }}
{%- endmacro %}

{#- DuckDB and Postgres: the generate_series table function (bounds inclusive). -#}
{% macro default__integer_rows(row_count, column_name) -%}
    select cast(generate_series as integer) as {{ column_name }}
    from generate_series(0, {{ row_count - 1 }})
{%- endmacro %}

{#- Spark: the range table function (end exclusive), its column is `id`. -#}
{% macro spark__integer_rows(row_count, column_name) -%}
    select cast(id as integer) as {{ column_name }}
    from range(0, {{ row_count }})
{%- endmacro %}
