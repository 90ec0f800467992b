{#-
    One row per order in every channel: the online orders of Tmall, JD, Douyin, the mini-program
    mall and live rooms, and the store receipts. Definitions: see the fct_orders docs.
-#}

{#- the export date in the path of the file the order's latest copy came from (null when none) -#}
{%- set export_date = path_export_date('_source_file') -%}

with

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

---------- every channel's orders in one shape, with the identifiers that name the buyer

channel_orders as (

    select
        'tmall' as channel,
        order_no as order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        shop_name,
        cast(null as {{ dbt.type_string() }}) as guide_staff_id,
        'tmall_buyer_nick_hash' as identifier_type,
        buyer_nick_hash as identifier_value,
        cast(null as {{ dbt.type_string() }}) as unionid,
        cast(null as {{ dbt.type_string() }}) as phone_hash,
        cast(null as {{ dbt.type_string() }}) as receipt_oneid,
        order_status as source_order_status,
        created_at as ordered_at,
        created_date as order_date,
        paid_at,
        paid_date,
        paid_amount,
        refund_amount,
        -- the report carries no refund time: the export that shows it is the first date known
        {{ export_date }} as refund_seen_date,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        cast(null as {{ dbt.type_string() }}) as live_room_id
    from tmall_orders

    union all

    select
        'jd' as channel,
        order_no as order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        cast(null as {{ dbt.type_string() }}) as shop_name,
        cast(null as {{ dbt.type_string() }}) as guide_staff_id,
        'jd_pin_hash' as identifier_type,
        jd_pin_hash as identifier_value,
        cast(null as {{ dbt.type_string() }}) as unionid,
        cast(null as {{ dbt.type_string() }}) as phone_hash,
        cast(null as {{ dbt.type_string() }}) as receipt_oneid,
        order_status as source_order_status,
        ordered_at,
        ordered_date as order_date,
        paid_at,
        paid_date,
        paid_amount,
        refund_amount,
        {{ export_date }} as refund_seen_date,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        cast(null as {{ dbt.type_string() }}) as live_room_id
    from jd_orders

    union all

    select
        'douyin' as channel,
        order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        cast(null as {{ dbt.type_string() }}) as shop_name,
        cast(null as {{ dbt.type_string() }}) as guide_staff_id,
        'douyin_open_id' as identifier_type,
        douyin_open_id as identifier_value,
        cast(null as {{ dbt.type_string() }}) as unionid,
        cast(null as {{ dbt.type_string() }}) as phone_hash,
        cast(null as {{ dbt.type_string() }}) as receipt_oneid,
        order_status as source_order_status,
        created_at as ordered_at,
        created_date as order_date,
        paid_at,
        paid_date,
        paid_amount,
        refund_amount,
        -- pages are filed under the day the order last changed: a refund is that change
        {{ export_date }} as refund_seen_date,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        cast(null as {{ dbt.type_string() }}) as live_room_id
    from douyin_orders

    union all

    select
        'mall' as channel,
        order_no as order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        cast(null as {{ dbt.type_string() }}) as shop_name,
        cast(null as {{ dbt.type_string() }}) as guide_staff_id,
        'mall_openid' as identifier_type,
        coalesce(appid, '{{ var("mall_appid") }}') || '/' || openid as identifier_value,
        unionid,
        phone_hash,
        cast(null as {{ dbt.type_string() }}) as receipt_oneid,
        order_status as source_order_status,
        created_at as ordered_at,
        created_date as order_date,
        paid_at,
        paid_date,
        paid_amount,
        refund_amount,
        -- the API says when the order last changed: a refund is that change
        {{ to_business_date('updated_at') }} as refund_seen_date,
        channel_code,
        cast(null as {{ dbt.type_string() }}) as live_room_id
    from mall_orders

    union all

    -- live orders are paid when placed and carry the viewer's openid in the brand's mall
    select
        'live' as channel,
        order_no as order_id,
        cast(null as {{ dbt.type_string() }}) as store_id,
        cast(null as {{ dbt.type_string() }}) as shop_name,
        cast(null as {{ dbt.type_string() }}) as guide_staff_id,
        'mall_openid' as identifier_type,
        '{{ var("mall_appid") }}' || '/' || openid as identifier_value,
        unionid,
        cast(null as {{ dbt.type_string() }}) as phone_hash,
        cast(null as {{ dbt.type_string() }}) as receipt_oneid,
        order_status as source_order_status,
        ordered_at,
        ordered_date as order_date,
        case when is_paid then ordered_at end as paid_at,
        case when is_paid then ordered_date end as paid_date,
        paid_amount,
        refund_amount,
        -- one export per session, filed under the session's day: no later date is known
        {{ export_date }} as refund_seen_date,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        room_id as live_room_id
    from live_orders

    union all

    -- a store return is a receipt of its own, dated when the goods came back
    select
        'pos' as channel,
        receipt_no as order_id,
        store_id,
        cast(null as {{ dbt.type_string() }}) as shop_name,
        guide_staff_id,
        case when member_card_no is not null then 'pos_member_card' else 'phone_hash' end
            as identifier_type,
        coalesce(member_card_no, phone_hash) as identifier_value,
        cast(null as {{ dbt.type_string() }}) as unionid,
        cast(null as {{ dbt.type_string() }}) as phone_hash,
        oneid as receipt_oneid,
        case when is_return then 'returned' else 'completed' end as source_order_status,
        sold_at as ordered_at,
        business_date as order_date,
        case when is_sale then sold_at end as paid_at,
        case when is_sale then business_date end as paid_date,
        case when is_sale then net_amount else 0 end as paid_amount,
        case when is_return then -net_amount else 0 end as refund_amount,
        business_date as refund_seen_date,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        cast(null as {{ dbt.type_string() }}) as live_room_id
    from pos_receipts

),

---------- the buyer: the oneid of the order's own id, else of its unionid, else of its phone

linked as (

    select
        channel_orders.*,
        coalesce(
            channel_orders.receipt_oneid,
            buyer_map.oneid,
            unionid_map.oneid,
            phone_map.oneid
        ) as oneid
    from channel_orders
    left join oneid_map as buyer_map
        on
            channel_orders.identifier_type = buyer_map.identifier_type
            and channel_orders.identifier_value = buyer_map.identifier_value
    left join oneid_map as unionid_map
        on
            unionid_map.identifier_type = 'unionid'
            and channel_orders.unionid = unionid_map.identifier_value
    left join oneid_map as phone_map
        on
            phone_map.identifier_type = 'phone_hash'
            and channel_orders.phone_hash = phone_map.identifier_value

),

---------- status and the day a refund is booked

classified as (

    select
        *,
        case
            when paid_amount > 0 and refund_amount = 0 then 'paid'
            when paid_amount > 0 and refund_amount < paid_amount then 'partially_refunded'
            when paid_amount > 0 then 'refunded'
            when refund_amount > 0 then 'returned'
            when source_order_status = 'awaiting_payment' then 'awaiting_payment'
            else 'closed_unpaid'
        end as status,
        -- a refund is never booked before the payment it gives back
        case
            when refund_amount = 0 then null
            when paid_date is null then coalesce(refund_seen_date, order_date)
            when refund_seen_date > paid_date then refund_seen_date
            else paid_date
        end as refund_date
    from linked

),

final as (

    select
        cast(
            channel || ':' || coalesce(store_id || '/', '') || order_id
            as {{ dbt.type_string() }}
        ) as order_key,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast(store_id as {{ dbt.type_string() }}) as store_id,
        cast(shop_name as {{ dbt.type_string() }}) as shop_name,
        cast(guide_staff_id as {{ dbt.type_string() }}) as guide_staff_id,
        cast(oneid as {{ dbt.type_string() }}) as oneid,
        cast(
            coalesce(oneid, identifier_type || ':' || identifier_value)
            as {{ dbt.type_string() }}
        ) as customer_key,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(source_order_status as {{ dbt.type_string() }}) as source_order_status,
        paid_amount > 0 as is_paid_sale,
        cast(ordered_at as timestamp) as ordered_at,
        cast(order_date as date) as order_date,
        cast(paid_at as timestamp) as paid_at,
        cast(paid_date as date) as paid_date,
        cast(refund_date as date) as refund_date,
        cast(paid_amount as decimal(18, 2)) as paid_amount,
        cast(refund_amount as decimal(18, 2)) as refund_amount,
        cast(paid_amount - refund_amount as decimal(18, 2)) as net_amount,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(live_room_id as {{ dbt.type_string() }}) as live_room_id
    from classified

)

select * from final
