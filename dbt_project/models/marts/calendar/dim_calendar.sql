{#-
    The business calendar: one row per day from var('calendar_start_date') to
    var('calendar_end_date') (the data's business dates when null), with China's public
    holidays and adjusted working days (调休) from the cn_public_holidays seed.
    Definitions: see the dim_calendar docs.
-#}

{%- set start_date = var('calendar_start_date') -%}
{%- set end_date = var('calendar_end_date') %}

with

wecom_relationships as (

    select * from {{ ref('fct_wecom_relationships') }}

),

nps_responses as (

    select * from {{ ref('int_nps_responses_identified') }}

),

public_holidays as (

    select * from {{ ref('cn_public_holidays') }}

),

---------- the range: configured, else the first and last business date in the data

business_dates as (

    select order_date as business_date from {{ ref('fct_orders') }}
    union all
    select refund_date as business_date from {{ ref('fct_orders') }}
    union all
    select added_date as business_date from wecom_relationships
    union all
    select ended_date as business_date from wecom_relationships
    union all
    select submitted_date as business_date from nps_responses

),

bounds as (

    select
        coalesce(
            cast({{ "'" ~ start_date ~ "'" if start_date is not none else 'null' }} as date),
            min(business_date)
        ) as first_date,
        coalesce(
            cast({{ "'" ~ end_date ~ "'" if end_date is not none else 'null' }} as date),
            max(business_date)
        ) as last_date
    from business_dates

),

day_offsets as (

    {{ day_offsets('day_offset') }}

),

days as (

    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'bounds.first_date') }} as date)
            as calendar_date
    from day_offsets
    cross join bounds
    where
        day_offsets.day_offset
        <= {{ dbt.datediff('bounds.first_date', 'bounds.last_date', 'day') }}

),

---------- weekends, then the State Council's holidays and 调休 override them

parts as (

    select
        days.calendar_date,
        {{ date_part_number('year', 'days.calendar_date') }} as calendar_year,
        {{ date_part_number('quarter', 'days.calendar_date') }} as calendar_quarter,
        {{ date_part_number('month', 'days.calendar_date') }} as calendar_month,
        cast({{ dbt.date_trunc('month', 'days.calendar_date') }} as date) as month_start,
        {{ date_part_number('isoyear', 'days.calendar_date') }} as iso_year,
        {{ date_part_number('week', 'days.calendar_date') }} as iso_week,
        {{ date_part_number('isodow', 'days.calendar_date') }} as iso_day_of_week
    from days

),

final as (

    select
        parts.calendar_date,
        parts.calendar_year,
        parts.calendar_quarter,
        parts.calendar_month,
        parts.month_start,
        parts.iso_year,
        parts.iso_week,
        parts.iso_day_of_week,
        parts.iso_day_of_week >= 6 as is_weekend,
        cast(public_holidays.holiday_name as {{ dbt.type_string() }}) as holiday_name,
        coalesce(not public_holidays.is_workday, false) as is_public_holiday,
        coalesce(public_holidays.is_workday and parts.iso_day_of_week >= 6, false)
            as is_adjusted_workday,
        coalesce(public_holidays.is_workday, parts.iso_day_of_week <= 5) as is_workday
    from parts
    left join public_holidays on parts.calendar_date = public_holidays.calendar_date

)

select * from final
