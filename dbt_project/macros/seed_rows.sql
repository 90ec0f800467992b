{#-
    Seed rows on Spark as literals. dbt-spark's loader passes them as bindings that the session
    method formats with Python's %, so an empty CSV field lands as the text 'None'; a literal
    null stays null. Found before dbt-spark's through the `dispatch` search order.
-#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- set first_statement = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    {%- set column_name = agate_table.column_names[loop.index0] -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    cast({{ seed_literal(value) }} as {{ column_types.get(column_name, inferred_type) }})
                    {{- ', ' if not loop.last }}
                {%- endfor -%}
                ){{ ',' if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if not first_statement -%}{%- do first_statement.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(first_statement[0]) }}
{%- endmacro %}

{#- A CSV value as a Spark SQL literal: null for an empty field, else a quoted string. -#}
{% macro seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
