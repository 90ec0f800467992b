{#-
    The win-back list (召回名单): buyers at risk (流失预警) or dormant (沉睡) on the run date who
    may be contacted for a marketing purpose, one row per person × purpose. The lifecycle stage
    and run date are dim_customers' own, so the list and the customer 360 never disagree.
    Rules: see the mart_marketing__reactivation_audience docs.
-#}

with

audience as (

    select * from {{ ref('mart_marketing__campaign_audience') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

lapsed_buyers as (

    select
        oneid,
        lifecycle_stage,
        {{ to_business_date('last_purchase_at') }} as last_purchase_date,
        recency_days,
        frequency,
        net_revenue,
        as_of_date
    from customers
    where frequency > 0 and lifecycle_stage in ('at_risk', 'dormant')

),

final as (

    select
        cast(audience.oneid as {{ dbt.type_string() }}) as oneid,
        cast(audience.purpose as {{ dbt.type_string() }}) as purpose,
        cast(audience.contact_channel as {{ dbt.type_string() }}) as contact_channel,
        cast(lapsed_buyers.lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(lapsed_buyers.last_purchase_date as date) as last_purchase_date,
        cast(lapsed_buyers.recency_days as bigint) as recency_days,
        cast(lapsed_buyers.frequency as bigint) as paid_orders,
        cast(lapsed_buyers.net_revenue as decimal(18, 2)) as net_revenue,
        cast(audience.consent_source as {{ dbt.type_string() }}) as consent_source,
        cast(audience.consent_granted_at as timestamp) as consent_granted_at,
        cast(lapsed_buyers.as_of_date as date) as as_of_date
    from audience
    inner join lapsed_buyers on audience.oneid = lapsed_buyers.oneid

)

select * from final
