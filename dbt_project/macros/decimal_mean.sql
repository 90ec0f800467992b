{#-
    The mean of a decimal expression. DuckDB averages decimals into a double; Spark's avg keeps
    only 4 more decimal places (decimal(p + 4, s + 4)), so its double differs in the last digits.
    Spark's own sum ÷ count keeps about 22 places, which round to DuckDB's double.
-#}
{% macro decimal_mean(decimal_expression) -%}
    {{ return(adapter.dispatch('decimal_mean', 'siyu')(decimal_expression)) }}
{%- endmacro %}

{% macro default__decimal_mean(decimal_expression) -%}
    avg({{ decimal_expression }})
{%- endmacro %}

{% macro spark__decimal_mean(decimal_expression) -%}
    (sum({{ decimal_expression }}) / count({{ decimal_expression }}))
{%- endmacro %}
