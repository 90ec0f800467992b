{#
    The business day of a local (Asia/Shanghai, naive) timestamp. Kept as a macro so that the
    one definition of "business day" can change in one place (e.g. a 04:00 day cut for stores).
#}
{% macro to_business_date(local_timestamp) -%}
    {{ return(adapter.dispatch('to_business_date', 'siyu')(local_timestamp)) }}
{%- endmacro %}

{% macro default__to_business_date(local_timestamp) -%}
    cast({{ local_timestamp }} as date)
{%- endmacro %}
