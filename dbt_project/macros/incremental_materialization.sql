{#-
    The materialization of a model that is incremental where the engine can replace rows by key:
    `incremental` (delete+insert) on DuckDB, a whole `table` rebuild on Spark, whose Parquet
    tables cannot delete rows (a Delta or Iceberg lake would allow merge; docs/scale.md).
-#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'siyu')()) }}
{%- endmacro %}

{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
