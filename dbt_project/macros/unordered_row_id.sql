{#-
    A bigint unique to each row of a select, in no particular order and with gaps allowed: numbers
    rows without a global sort, which on a cluster would send every row to one task.
-#}
{% macro unordered_row_id() -%}
    {{ return(adapter.dispatch('unordered_row_id', 'siyu')()) }}
{%- endmacro %}

{#- DuckDB: a window without order numbers rows in scan order, in parallel. -#}
{% macro default__unordered_row_id() -%}
    row_number() over ()
{%- endmacro %}

{#- Spark: partition id in the high bits, row within the partition in the low bits. -#}
{% macro spark__unordered_row_id() -%}
    monotonically_increasing_id()
{%- endmacro %}
