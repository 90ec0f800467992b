{#-
    One row per order in every channel: the online orders of Tmall, JD, Douyin, the mini-program
    mall and live rooms, and the store receipts, with the buyer's current OneID. The orders come
    from the incremental int_orders__unified; the OneID is joined here on every run, so a merge
    or split of identities reaches old orders too. Definitions: see the fct_orders docs.
-#}

with

orders as (

    select * from {{ ref('int_orders__unified') }}

),

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

---------- the buyer: the oneid of the order's own id, else of its unionid, else of its phone

linked as (

    select
        orders.*,
        coalesce(buyer_map.oneid, unionid_map.oneid, phone_map.oneid) as oneid
    from orders
    left join oneid_map as buyer_map
        on
            orders.identifier_type = buyer_map.identifier_type
            and orders.identifier_value = buyer_map.identifier_value
    left join oneid_map as unionid_map
        on
            unionid_map.identifier_type = 'unionid'
            and orders.unionid = unionid_map.identifier_value
    left join oneid_map as phone_map
        on
            phone_map.identifier_type = 'phone_hash'
            and orders.phone_hash = phone_map.identifier_value

),

final as (

    select
        cast(order_key as {{ dbt.type_string() }}) as order_key,
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
    from linked

)

select * from final
