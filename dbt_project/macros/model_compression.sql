{#-
    Every model's first pre-hook (dbt_project.yml): the DuckDB compression methods its writes
    skip. A folder's `meta.disabled_compression` wins over the profile's
    `disabled_compression_methods`; each model sets its own, so none inherits the last model's.
    The setting is global: models writing at once (SIYU_DBT_THREADS above 1) share it, and a
    table small enough to wait in the write-ahead log is compressed at the next checkpoint.
-#}
{% macro set_model_compression() -%}
    {{ return(adapter.dispatch('set_model_compression', 'siyu')()) }}
{%- endmacro %}

{#- other engines choose their own encodings: no statement -#}
{% macro default__set_model_compression() -%}
{%- endmacro %}

{% macro duckdb__set_model_compression() -%}
    {%- set profile_default = target.settings.get('disabled_compression_methods', '') -%}
    {%- set disabled = model.config.get('meta', {}).get('disabled_compression', profile_default) -%}
    set disabled_compression_methods = '{{ disabled }}'
{%- endmacro %}
