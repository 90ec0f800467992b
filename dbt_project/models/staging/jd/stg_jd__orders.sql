with

latest as (

    {{ latest_copies(source('jd', 'orders'), ['order_no']) }}

),

renamed as (

    select
        ---------- ids
        trim(order_no) as order_no,
        jd_pin_hash,

        ---------- status
        trim(order_status) as order_status_zh,

        ---------- amounts
        cast(order_amount as decimal(18, 2)) as order_amount,
        cast(payable_amount as decimal(18, 2)) as payable_amount,
        -- the export has no paid column: what was payable counts once payment is confirmed
        cast(
            case when paid_at is not null then coalesce(payable_amount, 0) else 0 end
            as decimal(18, 2)
        ) as paid_amount,
        cast(coalesce(refund_amount, 0) as decimal(18, 2)) as refund_amount,

        ---------- order details
        item_title,
        item_quantity,
        ship_province,
        has_mobile,

        ---------- timestamps (Asia/Shanghai wall-clock)
        ordered_at,
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
        jd_pin_hash,
        case order_status_zh
            when '完成' then 'completed'
            when '已取消' then 'closed'
            when '等待出库' then 'awaiting_shipment'
            -- a locked order is paid and held before leaving the warehouse
            when '锁定' then 'awaiting_shipment'
            when '等待确认收货' then 'shipped'
        end as order_status,
        order_status_zh,
        order_amount,
        payable_amount,
        paid_amount,
        refund_amount,
        {{ order_amount_columns() }},
        item_title,
        item_quantity,
        ship_province,
        has_mobile,
        ordered_at,
        paid_at,
        {{ to_business_date('ordered_at') }} as ordered_date,
        {{ to_business_date('paid_at') }} as paid_date,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from renamed

)

select * from final
