{#
    Use a model's custom schema literally: `+schema: staging` builds into `staging`, not
    `<target schema>_staging`. Nodes without a custom schema go to the target schema (`main`).
    The DuckDB file itself is the environment boundary (one file per target), so there is no
    need to prefix schemas per developer.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
