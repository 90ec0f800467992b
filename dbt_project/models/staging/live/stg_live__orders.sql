with

latest as (

    {{ latest_copies(source('live', 'orders'), ['order_no']) }}

),

renamed as (

    select
        ---------- ids
        trim(order_no) as order_no,
        trim(room_id) as room_id,
        trim(openid) as openid,
        nullif(trim(unionid), '') as unionid,

        ---------- status
        trim(order_status) as order_status_zh,

        ---------- amounts
        cast(coalesce(paid_amount, 0) as decimal(18, 2)) as paid_amount,
        cast(coalesce(refund_amount, 0) as decimal(18, 2)) as refund_amount,

        ---------- order details
        has_mobile,

        ---------- timestamps (Asia/Shanghai wall-clock)
        ordered_at,

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
        room_id,
        openid,
        unionid,
        case order_status_zh
            when '已支付' then 'awaiting_shipment'
            when '已发货' then 'shipped'
            when '已完成' then 'completed'
            when '已关闭' then 'closed'
            when '已退款' then 'refunded'
        end as order_status,
        order_status_zh,
        paid_amount,
        refund_amount,
        {{ order_amount_columns() }},
        has_mobile,
        ordered_at,
        {{ to_business_date('ordered_at') }} as ordered_date,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from renamed

)

select * from final
