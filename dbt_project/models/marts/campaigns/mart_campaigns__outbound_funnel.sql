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

tmall_orders as (

    select * from {{ ref('stg_tmall__orders') }}

),

jd_orders as (

    select * from {{ ref('stg_jd__orders') }}

),

douyin_orders as (

    select * from {{ ref('stg_douyin__orders') }}

),

mall_orders as (

    select * from {{ ref('stg_mall__orders') }}

),

live_orders as (

    select * from {{ ref('stg_live__orders') }}

),

pos_receipts as (

    select * from {{ ref('int_pos_receipts_aggregated') }}

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

purchases as (

    select
        coalesce(oneid_map.oneid, 'tmall_buyer_nick_hash:' || tmall_orders.buyer_nick_hash)
            as customer_key,
        tmall_orders.paid_at as purchased_at,
        tmall_orders.paid_date as purchase_date,
        tmall_orders.net_amount,
        true as is_purchase,
        false as is_store_visit
    from tmall_orders
    left join oneid_map
        on
            oneid_map.identifier_type = 'tmall_buyer_nick_hash'
            and tmall_orders.buyer_nick_hash = oneid_map.identifier_value
    where tmall_orders.is_paid

    union all

    select
        coalesce(oneid_map.oneid, 'jd_pin_hash:' || jd_orders.jd_pin_hash) as customer_key,
        jd_orders.paid_at as purchased_at,
        jd_orders.paid_date as purchase_date,
        jd_orders.net_amount,
        true as is_purchase,
        false as is_store_visit
    from jd_orders
    left join oneid_map
        on
            oneid_map.identifier_type = 'jd_pin_hash'
            and jd_orders.jd_pin_hash = oneid_map.identifier_value
    where jd_orders.is_paid

    union all

    select
        coalesce(oneid_map.oneid, 'douyin_open_id:' || douyin_orders.douyin_open_id)
            as customer_key,
        douyin_orders.paid_at as purchased_at,
        douyin_orders.paid_date as purchase_date,
        douyin_orders.net_amount,
        true as is_purchase,
        false as is_store_visit
    from douyin_orders
    left join oneid_map
        on
            oneid_map.identifier_type = 'douyin_open_id'
            and douyin_orders.douyin_open_id = oneid_map.identifier_value
    where douyin_orders.is_paid

    union all

    select
        coalesce(
            oneid_map.oneid,
            'mall_openid:' || coalesce(mall_orders.appid, '{{ var("mall_appid") }}')
            || '/' || mall_orders.openid
        ) as customer_key,
        mall_orders.paid_at as purchased_at,
        mall_orders.paid_date as purchase_date,
        mall_orders.net_amount,
        true as is_purchase,
        false as is_store_visit
    from mall_orders
    left join oneid_map
        on
            oneid_map.identifier_type = 'mall_openid'
            and coalesce(mall_orders.appid, '{{ var("mall_appid") }}')
            || '/' || mall_orders.openid = oneid_map.identifier_value
    where mall_orders.is_paid

    union all

    -- live orders are paid when placed in the live room
    select
        coalesce(
            openid_map.oneid,
            unionid_map.oneid,
            'mall_openid:{{ var("mall_appid") }}/' || live_orders.openid
        ) as customer_key,
        live_orders.ordered_at as purchased_at,
        live_orders.ordered_date as purchase_date,
        live_orders.net_amount,
        true as is_purchase,
        false as is_store_visit
    from live_orders
    left join oneid_map as openid_map
        on
            openid_map.identifier_type = 'mall_openid'
            and '{{ var("mall_appid") }}/' || live_orders.openid = openid_map.identifier_value
    left join oneid_map as unionid_map
        on
            unionid_map.identifier_type = 'unionid'
            and live_orders.unionid = unionid_map.identifier_value
    where live_orders.is_paid

    union all

    -- a store receipt is a visit; a return receipt is a visit and negative revenue, not a purchase
    select
        coalesce(
            oneid,
            'pos_member_card:' || member_card_no,
            'phone_hash:' || phone_hash
        ) as customer_key,
        sold_at as purchased_at,
        business_date as purchase_date,
        net_amount,
        is_sale as is_purchase,
        true as is_store_visit
    from pos_receipts

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
        count(
            distinct coalesce(
                oneid_map.oneid,
                'mall_openid:' || coalesce(mall_orders.appid, '{{ var("mall_appid") }}')
                || '/' || mall_orders.openid
            )
        ) as reactivated_customers
    from campaigns
    inner join mall_orders
        on
            'outbound_' || campaigns.campaign_id = mall_orders.channel_code
            and campaigns.first_called_at <= mall_orders.created_at
            and {{ dbt.dateadd('day', window_days, 'campaigns.last_call_date') }}
            >= mall_orders.created_date
    left join oneid_map
        on
            oneid_map.identifier_type = 'mall_openid'
            and coalesce(mall_orders.appid, '{{ var("mall_appid") }}')
            || '/' || mall_orders.openid = oneid_map.identifier_value
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
