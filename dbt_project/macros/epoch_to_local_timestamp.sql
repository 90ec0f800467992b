{#
    Unix seconds (UTC) → naive timestamp on the business clock (Asia/Shanghai by default).
    Every local timestamp in siyu is naive wall-clock time in var('siyu_business_time_zone').
#}
{% macro epoch_to_local_timestamp(epoch_seconds, time_zone=none) -%}
    {%- set tz = time_zone or var('siyu_business_time_zone', 'Asia/Shanghai') -%}
    {{ return(adapter.dispatch('epoch_to_local_timestamp', 'siyu')(epoch_seconds, tz)) }}
{%- endmacro %}

{#
    DuckDB (ICU) and Postgres: to_timestamp gives a timestamptz; `at time zone` makes it local.
    ICU costs about 0.5 s per million rows; Asia/Shanghai has kept UTC+8 without daylight saving
    since 1991-09-14 17:00 UTC (epoch 684867600), so later instants just add the offset (exact,
    and about 70 times faster on the 46M rows of a 1M-customer contact list).
#}
{% macro default__epoch_to_local_timestamp(epoch_seconds, time_zone) -%}
    {%- if time_zone == 'Asia/Shanghai' -%}
    (case
        when {{ epoch_seconds }} >= 684867600
            then make_timestamp((cast({{ epoch_seconds }} as bigint) + 28800) * 1000000)
        else to_timestamp({{ epoch_seconds }}) at time zone '{{ time_zone }}'
    end)
    {%- else -%}
    (to_timestamp({{ epoch_seconds }}) at time zone '{{ time_zone }}')
    {%- endif -%}
{%- endmacro %}

{#- Spark: from_utc_timestamp shifts the instant; timestamp_ntz keeps it naive, as in DuckDB. -#}
{% macro spark__epoch_to_local_timestamp(epoch_seconds, time_zone) -%}
    cast(from_utc_timestamp(timestamp_seconds({{ epoch_seconds }}), '{{ time_zone }}') as timestamp_ntz)
{%- endmacro %}
