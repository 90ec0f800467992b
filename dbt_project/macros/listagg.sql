{#-
    dbt-spark's listagg drops the order by (collect_list keeps no order); Spark 4's own listagg
    keeps it, and channels_used or conflict_reason read the same on every engine. Found before
    dbt-spark's through the `dispatch` search order in dbt_project.yml.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error('listagg with limit_num is not implemented on Spark') }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}
