{#-
    Rows 0, 1, … 36,599 in one column: day offsets for a day spine whose bounds come from the
    data or from vars (no calendar dates are hard-coded). 36,600 days is a century.
-#}
{% macro day_offsets(column_name='day_offset') -%}
    {{ integer_rows(36600, column_name) }}
{%- endmacro %}
