{%- set window_days = var('friend_conversion_window_days') -%}

{#-
    New WeCom friends per add month and channel code, and how many of them went on to their first
    paid order (转化). Definitions: see the mart_acquisition__friend_conversion docs.
-#}

with

wecom_relationships as (

    select * from {{ ref('fct_wecom_relationships') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

channel_codes as (

    select * from {{ ref('channel_codes') }}

),

---------- new friends: persons who added a guide through a code in the month

-- every interval start is an add, a lost add callback repaired from the contact list included
adds as (

    select
        add_state as channel_code,
        oneid,
        coalesce(oneid, 'wecom_external_userid:' || external_userid) as person_key,
        valid_from as added_at,
        cast({{ dbt.date_trunc('month', 'added_date') }} as date) as add_month
    from wecom_relationships
    where add_state is not null

),

-- a person adding two guides through one code in a month counts once, from the first add
person_adds as (

    select
        add_month,
        channel_code,
        person_key,
        max(oneid) as oneid,
        min(added_at) as added_at
    from adds
    group by add_month, channel_code, person_key

),

---------- the first paid order of each person

first_purchases as (

    select
        oneid,
        min(paid_at) as first_paid_at
    from orders
    where is_paid_sale and oneid is not null
    group by oneid

),

outcomes as (

    select
        person_adds.add_month,
        person_adds.channel_code,
        person_adds.person_key,
        coalesce(first_purchases.first_paid_at < person_adds.added_at, false)
            as was_customer,
        coalesce(
            first_purchases.first_paid_at >= person_adds.added_at
            and first_purchases.first_paid_at
            <= {{ dbt.dateadd('day', window_days, 'person_adds.added_at') }},
            false
        ) as is_converted,
        {{ dbt.datediff('person_adds.added_at', 'first_purchases.first_paid_at', 'second') }}
            as seconds_to_first_purchase
    from person_adds
    left join first_purchases on person_adds.oneid = first_purchases.oneid

),

monthly as (

    select
        add_month,
        channel_code,
        count(*) as new_wecom_friends,
        sum(case when was_customer then 1 else 0 end) as existing_customers,
        sum(case when is_converted then 1 else 0 end) as converted_friends,
        -- the median of whole seconds is exact on every engine; days are divided after
        percentile_cont(0.5) within group (
            order by case when is_converted then seconds_to_first_purchase end
        ) as median_seconds_to_first_purchase
    from outcomes
    group by add_month, channel_code

),

final as (

    select
        cast(monthly.add_month as date) as add_month,
        cast(monthly.channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(coalesce(channel_codes.channel_type, 'unmapped') as {{ dbt.type_string() }})
            as channel_type,
        cast(monthly.new_wecom_friends as bigint) as new_wecom_friends,
        cast(monthly.existing_customers as bigint) as existing_customers,
        cast(monthly.converted_friends as bigint) as converted_friends,
        cast(
            cast(monthly.converted_friends as double) / monthly.new_wecom_friends as double
        ) as conversion_rate,
        cast(monthly.median_seconds_to_first_purchase as double) / 86400.0
            as median_days_to_first_purchase
    from monthly
    left join channel_codes on monthly.channel_code = channel_codes.channel_code

)

select * from final
