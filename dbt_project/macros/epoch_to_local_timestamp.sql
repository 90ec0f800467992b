{#
    Unix seconds (UTC) → naive timestamp on the business clock (Asia/Shanghai by default).
    Every local timestamp in siyu is naive wall-clock time in var('siyu_business_time_zone').
#}
{% macro epoch_to_local_timestamp(epoch_seconds, time_zone=none) -%}
    {%- set tz = time_zone or var('siyu_business_time_zone', 'Asia/Shanghai') -%}
    {{ return(adapter.dispatch('epoch_to_local_timestamp', 'siyu')(epoch_seconds, tz)) }}
{%- endmacro %}

{# DuckDB (ICU) and Postgres: to_timestamp gives a timestamptz; `at time zone` makes it local. #}
{% macro default__epoch_to_local_timestamp(epoch_seconds, time_zone) -%}
    (to_timestamp({{ epoch_seconds }}) at time zone '{{ time_zone }}')
{%- endmacro %}

{% macro spark__epoch_to_local_timestamp(epoch_seconds, time_zone) -%}
    from_utc_timestamp(timestamp_seconds({{ epoch_seconds }}), '{{ time_zone }}')
{%- endmacro %}
