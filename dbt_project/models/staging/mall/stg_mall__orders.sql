with

latest as (

    -- the API says when an order last changed; the load order only breaks ties
    {{ latest_copies(source('mall', 'orders'), ['order_no'], order_first=['updated_at desc']) }}

),

renamed as (

    select
        ---------- ids
        trim(order_no) as order_no,
        trim(appid) as appid,
        trim(openid) as openid,
        nullif(trim(unionid), '') as unionid,
        nullif(trim(phone_hash), '') as phone_hash,
        nullif(trim(channel_code), '') as channel_code,

        ---------- status
        upper(trim(status)) as order_status_code,

        ---------- amounts
        cast(total_amount as decimal(18, 2)) as total_amount,
        cast(coalesce(paid_amount, 0) as decimal(18, 2)) as paid_amount,
        cast(coalesce(refund_amount, 0) as decimal(18, 2)) as refund_amount,
        item_count,

        ---------- timestamps (Asia/Shanghai wall-clock)
        created_at,
        paid_at,
        updated_at,

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
        appid,
        openid,
        unionid,
        phone_hash,
        channel_code,
        case order_status_code
            when 'CREATED' then 'awaiting_payment'
            when 'PAID' then 'awaiting_shipment'
            when 'SHIPPED' then 'shipped'
            when 'COMPLETED' then 'completed'
            when 'CLOSED' then 'closed'
            when 'REFUNDED' then 'refunded'
        end as order_status,
        order_status_code,
        total_amount,
        paid_amount,
        refund_amount,
        {{ order_amount_columns() }},
        item_count,
        created_at,
        paid_at,
        updated_at,
        {{ to_business_date('created_at') }} as created_date,
        {{ to_business_date('paid_at') }} as paid_date,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from renamed

)

select * from final
