{#-
    Rows 0, 1, … 999 in one column: month offsets for a month spine whose bounds come from the
    data (no calendar dates are hard-coded). 1,000 months is 83 years of history.
-#}
{% macro month_offsets(column_name='month_offset') -%}
    {{ integer_rows(1000, column_name) }}
{%- endmacro %}
