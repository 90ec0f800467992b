{#-
    dbt's dateadd and datediff on Spark, with DuckDB's meaning. dbt-spark's versions go through
    unix timestamps, fail on nulls, and count months by months_between (two month-ends a month
    apart count as two); these use Spark's own functions. Found before dbt-spark's through the
    `dispatch` search order in dbt_project.yml.
-#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{#- DuckDB's date_diff counts the boundaries of `datepart` crossed, as a bigint. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set seconds_per_unit = {'second': 1, 'minute': 60, 'hour': 3600} -%}
    {%- if datepart == 'day' -%}
        cast(datediff(cast({{ second_date }} as date), cast({{ first_date }} as date)) as bigint)
    {%- elif datepart in ('month', 'quarter', 'year') -%}
        {%- set months = {'month': 'month', 'quarter': 'quarter', 'year': 'year'}[datepart] -%}
        {%- set per_year = {'month': 12, 'quarter': 4, 'year': 1}[datepart] -%}
        cast(
            (year({{ second_date }}) * {{ per_year }}
                {%- if datepart != 'year' %} + {{ months }}({{ second_date }}){% endif %})
            - (year({{ first_date }}) * {{ per_year }}
                {%- if datepart != 'year' %} + {{ months }}({{ first_date }}){% endif %})
            as bigint
        )
    {%- elif datepart in seconds_per_unit -%}
        cast(
            floor({{ epoch_seconds(second_date) }} / {{ seconds_per_unit[datepart] }})
            - floor({{ epoch_seconds(first_date) }} / {{ seconds_per_unit[datepart] }})
            as bigint
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error('datediff by ' ~ datepart ~ ' is not implemented on Spark') }}
    {%- endif -%}
{%- endmacro %}

{#- Seconds since 1970-01-01 00:00 of a naive timestamp, whatever the session's time zone. -#}
{% macro epoch_seconds(naive_timestamp) -%}
    timestampdiff(second, timestamp_ntz '1970-01-01 00:00:00', cast({{ naive_timestamp }} as timestamp_ntz))
{%- endmacro %}
