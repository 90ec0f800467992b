{#-
    The win-back list (召回名单): buyers at risk (流失预警) or dormant (沉睡) on the run date who
    may be contacted for a marketing purpose, one row per person × purpose.
    Rules: see the mart_marketing__reactivation_audience docs.
-#}

with

audience as (

    select * from {{ ref('mart_marketing__campaign_audience') }}

),

orders_summary as (

    select * from {{ ref('int_customers__orders_summary') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

wecom_relationships as (

    select * from {{ ref('fct_wecom_relationships') }}

),

---------- the run date: the latest business day in the data, as dim_customers measures it

run_date as (

    select max(business_date) as as_of_date
    from (
        select order_date as business_date from orders
        union all
        select refund_date as business_date from orders
        union all
        select added_date as business_date from wecom_relationships
        union all
        select ended_date as business_date from wecom_relationships
    ) as business_dates

),

buyers as (

    select
        orders_summary.oneid,
        orders_summary.frequency,
        orders_summary.net_revenue,
        {{ to_business_date('orders_summary.last_purchase_at') }} as last_purchase_date,
        run_date.as_of_date,
        {{ dbt.datediff(
            to_business_date('orders_summary.last_purchase_at'), 'run_date.as_of_date', 'day'
        ) }} as recency_days,
        {{ dbt.datediff(
            to_business_date('orders_summary.first_purchase_at'), 'run_date.as_of_date', 'day'
        ) }} as first_purchase_days
    from orders_summary
    cross join run_date
    where orders_summary.frequency > 0 and orders_summary.last_purchase_at is not null

),

-- the lifecycle stages of dim_customers that a win-back targets
lapsed as (

    select
        *,
        case
            when recency_days <= {{ var('lifecycle_at_risk_max_days') }} then 'at_risk'
            else 'dormant'
        end as lifecycle_stage
    from buyers
    where
        first_purchase_days > {{ var('lifecycle_new_max_days') }}
        and recency_days > {{ var('lifecycle_active_max_days') }}
        and recency_days <= {{ var('lifecycle_dormant_max_days') }}

),

final as (

    select
        cast(audience.oneid as {{ dbt.type_string() }}) as oneid,
        cast(audience.purpose as {{ dbt.type_string() }}) as purpose,
        cast(audience.contact_channel as {{ dbt.type_string() }}) as contact_channel,
        cast(lapsed.lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(lapsed.last_purchase_date as date) as last_purchase_date,
        cast(lapsed.recency_days as bigint) as recency_days,
        cast(lapsed.frequency as bigint) as paid_orders,
        cast(lapsed.net_revenue as decimal(18, 2)) as net_revenue,
        cast(audience.consent_source as {{ dbt.type_string() }}) as consent_source,
        cast(audience.consent_granted_at as timestamp) as consent_granted_at,
        cast(lapsed.as_of_date as date) as as_of_date
    from audience
    inner join lapsed on audience.oneid = lapsed.oneid

)

select * from final
