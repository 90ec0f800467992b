{%- set window_days = var('outbound_attribution_window_days') -%}

with

outbound_calls as (

    select * from {{ ref('stg_outbound__call_results') }}

),

marketing_spend as (

    select * from {{ ref('stg_marketing__spend') }}

),

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

---------- calls: every called phone is a customer (外呼客户)

calls as (

    select
        outbound_calls.campaign_id,
        outbound_calls.campaign_name,
        outbound_calls.is_connected,
        outbound_calls.called_at,
        outbound_calls.call_date,
        coalesce(oneid_map.oneid, 'phone_hash:' || outbound_calls.phone_hash) as customer_key
    from outbound_calls
    left join oneid_map
        on
            oneid_map.identifier_type = 'phone_hash'
            and outbound_calls.phone_hash = oneid_map.identifier_value

),

campaigns as (

    select
        campaign_id,
        max(campaign_name) as campaign_name,
        min(called_at) as first_called_at,
        min(call_date) as first_call_date,
        max(call_date) as last_call_date,
        count(*) as calls,
        sum(case when is_connected then 1 else 0 end) as connected_calls,
        count(distinct customer_key) as called_customers
    from calls
    group by campaign_id

),

-- a customer's attribution window opens at their first connected call of the campaign
connected_customers as (

    select
        campaign_id,
        customer_key,
        min(called_at) as connected_at,
        cast(
            {{ dbt.dateadd('day', window_days, 'min(call_date)') }} as date
        ) as window_end_date
    from calls
    where is_connected
    group by campaign_id, customer_key

),

---------- purchases and store visits in every channel, by customer

-- a paid order in any channel is a purchase; every store receipt is a visit, and a return
-- receipt is a visit and negative revenue, not a purchase
purchases as (

    select
        customer_key,
        coalesce(paid_at, ordered_at) as purchased_at,
        coalesce(paid_date, order_date) as purchase_date,
        net_amount,
        is_paid_sale as is_purchase,
        channel = 'pos' as is_store_visit
    from {{ ref('fct_orders') }}
    where is_paid_sale or channel = 'pos'

),

---------- the funnel after the call: what connected customers did within their window

attributed as (

    select
        connected_customers.campaign_id,
        connected_customers.customer_key,
        purchases.net_amount,
        purchases.is_purchase,
        purchases.is_store_visit
    from connected_customers
    inner join purchases
        on
            connected_customers.customer_key = purchases.customer_key
            and connected_customers.connected_at <= purchases.purchased_at
            and connected_customers.window_end_date >= purchases.purchase_date

),

connected as (

    select
        campaign_id,
        count(*) as connected_customers
    from connected_customers
    group by campaign_id

),

converted as (

    select
        campaign_id,
        count(distinct case when is_store_visit then customer_key end) as visited_customers,
        count(distinct case when is_purchase then customer_key end) as purchased_customers,
        sum(net_amount) as attributed_net_revenue
    from attributed
    group by campaign_id

),

---------- orders carrying the campaign's own channel code (唤醒)

reactivated as (

    select
        campaigns.campaign_id,
        count(distinct orders.customer_key) as reactivated_customers
    from campaigns
    inner join {{ ref('fct_orders') }} as orders
        on
            orders.channel = 'mall'
            and 'outbound_' || campaigns.campaign_id = orders.channel_code
            and campaigns.first_called_at <= orders.ordered_at
            and {{ dbt.dateadd('day', window_days, 'campaigns.last_call_date') }}
            >= orders.order_date
    group by campaigns.campaign_id

),

---------- cost: finance's spend lines booked to the campaign's channel code

costs as (

    select
        campaigns.campaign_id,
        sum(marketing_spend.cost_amount) as cost_amount
    from campaigns
    inner join marketing_spend
        on marketing_spend.channel_code = 'outbound_' || campaigns.campaign_id
    group by campaigns.campaign_id

),

joined as (

    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.first_call_date,
        campaigns.last_call_date,
        {{ dbt.dateadd('day', window_days, 'campaigns.last_call_date') }} as attribution_end_date,
        campaigns.calls,
        campaigns.connected_calls,
        campaigns.called_customers,
        coalesce(connected.connected_customers, 0) as connected_customers,
        coalesce(converted.visited_customers, 0) as visited_customers,
        coalesce(converted.purchased_customers, 0) as purchased_customers,
        coalesce(reactivated.reactivated_customers, 0) as reactivated_customers,
        coalesce(converted.attributed_net_revenue, 0) as attributed_net_revenue,
        costs.cost_amount
    from campaigns
    left join connected on campaigns.campaign_id = connected.campaign_id
    left join converted on campaigns.campaign_id = converted.campaign_id
    left join reactivated on campaigns.campaign_id = reactivated.campaign_id
    left join costs on campaigns.campaign_id = costs.campaign_id

),

final as (

    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast(first_call_date as date) as first_call_date,
        cast(last_call_date as date) as last_call_date,
        cast(attribution_end_date as date) as attribution_end_date,
        cast(calls as bigint) as calls,
        cast(connected_calls as bigint) as connected_calls,
        cast(connected_calls as double) / calls as connect_rate,
        cast(called_customers as bigint) as called_customers,
        cast(connected_customers as bigint) as connected_customers,
        cast(visited_customers as bigint) as visited_customers,
        cast(purchased_customers as bigint) as purchased_customers,
        cast(purchased_customers as double) / nullif(connected_customers, 0) as conversion_rate,
        cast(reactivated_customers as bigint) as reactivated_customers,
        cast(attributed_net_revenue as decimal(18, 2)) as attributed_net_revenue,
        cast(cost_amount as decimal(18, 2)) as cost_amount,
        cast(attributed_net_revenue as double) / nullif(cost_amount, 0) as roi
    from joined

)

select * from final
