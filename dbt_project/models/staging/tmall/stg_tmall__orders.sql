with

latest as (

    {{ latest_copies(source('tmall', 'orders'), ['order_no']) }}

),

renamed as (

    select
        ---------- ids
        trim(order_no) as order_no,
        nullif(trim(buyer_nick_hash), '') as buyer_nick_hash,

        ---------- status
        -- the seller center writes full-width commas; accept half-width ones too
        replace(trim(order_status), ',', '，') as order_status_zh,
        nullif(trim(close_reason), '订单未关闭') as close_reason,

        ---------- amounts
        cast(goods_amount as decimal(18, 2)) as goods_amount,
        cast(postage_amount as decimal(18, 2)) as postage_amount,
        cast(total_amount as decimal(18, 2)) as total_amount,
        cast(coalesce(paid_amount, 0) as decimal(18, 2)) as paid_amount,
        cast(coalesce(refund_amount, 0) as decimal(18, 2)) as refund_amount,

        ---------- order details
        item_title,
        item_quantity,
        shop_name,
        ship_province,
        has_mobile,

        ---------- timestamps (Asia/Shanghai wall-clock)
        created_at,
        paid_at,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

),

final as (

    select
        order_no,
        buyer_nick_hash,
        case order_status_zh
            when '交易成功' then 'completed'
            when '交易关闭' then 'closed'
            when '等待买家付款' then 'awaiting_payment'
            when '买家已付款，等待卖家发货' then 'awaiting_shipment'
            when '卖家已发货，等待买家确认' then 'shipped'
        end as order_status,
        order_status_zh,
        close_reason,
        goods_amount,
        postage_amount,
        total_amount,
        paid_amount,
        refund_amount,
        {{ order_amount_columns() }},
        item_title,
        item_quantity,
        shop_name,
        ship_province,
        has_mobile,
        created_at,
        paid_at,
        {{ to_business_date('created_at') }} as created_date,
        {{ to_business_date('paid_at') }} as paid_date,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from renamed

)

select * from final
