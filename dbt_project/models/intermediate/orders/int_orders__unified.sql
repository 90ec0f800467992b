{#-
    One row per order in every channel, in one shape, without the buyer's OneID: the online
    orders (latest copy of each) and the store receipts. Incremental by load time: a run
    recomputes only the orders with a raw row landed since the latest load this table has seen
    (less the lookback), each from all of its raw copies. See the int_orders__unified docs.
-#}

{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key='order_key',
        on_schema_change='fail',
    )
}}

{#- the export date in the path of the file the order's latest copy came from (null when none) -#}
{%- set export_date = path_export_date('_source_file') -%}

{#- each online channel: its raw table and the raw column its staging model dedupes on -#}
{%- set online_sources = [
    ('tmall', source('tmall', 'orders'), 'order_no'),
    ('jd', source('jd', 'orders'), 'order_no'),
    ('douyin', source('douyin', 'orders'), 'order_id'),
    ('mall', source('mall', 'orders'), 'order_no'),
    ('live', source('live', 'orders'), 'order_no'),
] -%}

with

{% if is_incremental() %}

---------- what changed: the orders with a raw row landed since the target's latest, less lookback

watermark as (

    select
        {{ dbt.dateadd('hour', -1 * var('incremental_lookback_hours'), 'max(_loaded_at)') }}
            as changed_since
    from {{ this }}

),

changed_orders as (

    {% for channel, relation, key in online_sources %}
        select distinct
            '{{ channel }}' as channel,
            cast(null as {{ dbt.type_string() }}) as store_id,
            trim(raw_rows.{{ key }}) as order_id
        from {{ relation }} as raw_rows
        cross join watermark
        -- an empty target has no watermark: everything is new
        where watermark.changed_since is null or raw_rows._loaded_at > watermark.changed_since
        union all
    {% endfor %}
    select distinct
        'pos' as channel,
        trim(raw_rows.store_id) as store_id,
        trim(raw_rows.receipt_no) as order_id
    from {{ source('pos', 'receipt_lines') }} as raw_rows
    cross join watermark
    where watermark.changed_since is null or raw_rows._loaded_at > watermark.changed_since

),

{% endif %}

tmall_orders as (

    select * from {{ ref('stg_tmall__orders') }}
    {% if is_incremental() %}
        where order_no in (select order_id from changed_orders where channel = 'tmall')
    {% endif %}

),

jd_orders as (

    select * from {{ ref('stg_jd__orders') }}
    {% if is_incremental() %}
        where order_no in (select order_id from changed_orders where channel = 'jd')
    {% endif %}

),

douyin_orders as (

    select * from {{ ref('stg_douyin__orders') }}
    {% if is_incremental() %}
        where order_id in (select order_id from changed_orders where channel = 'douyin')
    {% endif %}

),

mall_orders as (

    select * from {{ ref('stg_mall__orders') }}
    {% if is_incremental() %}
        where order_no in (select order_id from changed_orders where channel = 'mall')
    {% endif %}

),

live_orders as (

    select * from {{ ref('stg_live__orders') }}
    {% if is_incremental() %}
        where order_no in (select order_id from changed_orders where channel = 'live')
    {% endif %}

),

pos_receipts as (

    select receipts.* from {{ ref('int_pos_receipts_aggregated') }} as receipts
    {% if is_incremental() %}
        where exists (
            select 1 from changed_orders
            where
                changed_orders.channel = 'pos'
                and changed_orders.store_id = receipts.store_id
                and changed_orders.order_id = receipts.receipt_no
        )
    {% endif %}

),

-- when a receipt's kept delivery landed (the receipt aggregate carries no lineage)
pos_receipt_loads as (

    select
        receipt_lines.store_id,
        receipt_lines.receipt_no,
        max(receipt_lines._loaded_at) as _loaded_at
    from {{ ref('stg_pos__receipt_lines') }} as receipt_lines
    {% if is_incremental() %}
        where exists (
            select 1 from changed_orders
            where
                changed_orders.channel = 'pos'
                and changed_orders.store_id = receipt_lines.store_id
                and changed_orders.order_id = receipt_lines.receipt_no
        )
    {% endif %}
    group by receipt_lines.store_id, receipt_lines.receipt_no

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
        cast(null as {{ dbt.type_string() }}) as live_room_id,
        _loaded_at
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
        order_status as source_order_status,
        ordered_at,
        ordered_date as order_date,
        paid_at,
        paid_date,
        paid_amount,
        refund_amount,
        {{ export_date }} as refund_seen_date,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        cast(null as {{ dbt.type_string() }}) as live_room_id,
        _loaded_at
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
        cast(null as {{ dbt.type_string() }}) as live_room_id,
        _loaded_at
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
        cast(null as {{ dbt.type_string() }}) as live_room_id,
        _loaded_at
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
        room_id as live_room_id,
        _loaded_at
    from live_orders

    union all

    -- a store return is a receipt of its own, dated when the goods came back; the receipt's
    -- customer is its member card's, else its phone's (the phone is the fallback id)
    select
        'pos' as channel,
        pos_receipts.receipt_no as order_id,
        pos_receipts.store_id,
        cast(null as {{ dbt.type_string() }}) as shop_name,
        pos_receipts.guide_staff_id,
        case
            when pos_receipts.member_card_no is not null then 'pos_member_card'
            else 'phone_hash'
        end as identifier_type,
        coalesce(pos_receipts.member_card_no, pos_receipts.phone_hash) as identifier_value,
        cast(null as {{ dbt.type_string() }}) as unionid,
        pos_receipts.phone_hash,
        case when pos_receipts.is_return then 'returned' else 'completed' end
            as source_order_status,
        pos_receipts.sold_at as ordered_at,
        pos_receipts.business_date as order_date,
        case when pos_receipts.is_sale then pos_receipts.sold_at end as paid_at,
        case when pos_receipts.is_sale then pos_receipts.business_date end as paid_date,
        case when pos_receipts.is_sale then pos_receipts.net_amount else 0 end as paid_amount,
        case when pos_receipts.is_return then -pos_receipts.net_amount else 0 end
            as refund_amount,
        pos_receipts.business_date as refund_seen_date,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        cast(null as {{ dbt.type_string() }}) as live_room_id,
        pos_receipt_loads._loaded_at
    from pos_receipts
    inner join pos_receipt_loads
        on
            pos_receipts.store_id = pos_receipt_loads.store_id
            and pos_receipts.receipt_no = pos_receipt_loads.receipt_no

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
    from channel_orders

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
        cast(identifier_type as {{ dbt.type_string() }}) as identifier_type,
        cast(identifier_value as {{ dbt.type_string() }}) as identifier_value,
        cast(unionid as {{ dbt.type_string() }}) as unionid,
        cast(phone_hash as {{ dbt.type_string() }}) as phone_hash,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(source_order_status as {{ dbt.type_string() }}) as source_order_status,
        cast(ordered_at as timestamp) as ordered_at,
        cast(order_date as date) as order_date,
        cast(paid_at as timestamp) as paid_at,
        cast(paid_date as date) as paid_date,
        cast(refund_date as date) as refund_date,
        cast(paid_amount as decimal(18, 2)) as paid_amount,
        cast(refund_amount as decimal(18, 2)) as refund_amount,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(live_room_id as {{ dbt.type_string() }}) as live_room_id,
        _loaded_at
    from classified

)

select * from final
