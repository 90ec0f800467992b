{#-
    A numeric part of a date: `year`, `quarter`, `month`, `isoyear` (ISO 8601 week-numbering
    year), `week` (ISO week, 1–53) or `isodow` (1 = Monday … 7 = Sunday), as an integer.
-#}
{% macro date_part_number(part, date_expression) -%}
    {{ return(adapter.dispatch('date_part_number', 'siyu')(part, date_expression)) }}
{%- endmacro %}

{# DuckDB and Postgres; another adapter adds its own implementation. #}
{% macro default__date_part_number(part, date_expression) -%}
    cast(extract({{ part }} from {{ date_expression }}) as integer)
{%- endmacro %}


{#- Spark names the ISO parts dayofweek_iso and yearofweek; its `week` is already ISO. -#}
{% macro spark__date_part_number(part, date_expression) -%}
    {%- set spark_part = {'isodow': 'dayofweek_iso', 'isoyear': 'yearofweek'}.get(part, part) -%}
    cast(extract({{ spark_part }} from {{ date_expression }}) as integer)
{%- endmacro %}
