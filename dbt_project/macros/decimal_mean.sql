{#-
    The mean of a decimal expression. DuckDB averages decimals into a double; Spark's avg keeps
    only 4 more decimal places (decimal(p + 4, s + 4)), so its double differs in the last digits.
    Spark's own decimal sum ÷ count keeps up to 38 digits, closer to DuckDB's double.
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

{#-
    An exact decimal as a double that every engine computes alike: decimal-to-double casts round
    differently (DuckDB through a scaled double, Spark through BigDecimal), whole units of the
    last decimal place are a bigint, a bigint becomes a double exactly below 2^53, and one IEEE
    division is the same everywhere.
-#}
{% macro decimal_to_double(decimal_expression, scale) -%}
    (cast(cast({{ decimal_expression }} * {{ 10 ** scale }} as bigint) as double) / {{ 10 ** scale }}.0)
{%- endmacro %}
