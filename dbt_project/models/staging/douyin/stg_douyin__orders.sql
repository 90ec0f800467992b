with

latest as (

    {{ latest_copies(source('douyin', 'orders'), ['order_id']) }}

),

renamed as (

    select
        ---------- ids
        trim(order_id) as order_id,
        douyin_open_id,
        -- the API writes 0 when no host or creator sold the order
        nullif(nullif(trim(author_id), ''), '0') as author_id,

        ---------- status and traffic
        order_status as order_status_code,
        nullif(trim(order_status_desc), '') as order_status_zh,
        traffic_source as traffic_source_code,

        ---------- amounts (landed in yuan from whole fen)
        cast(order_amount as decimal(18, 2)) as order_amount,
        cast(coalesce(paid_amount, 0) as decimal(18, 2)) as paid_amount,
        cast(coalesce(refund_amount, 0) as decimal(18, 2)) as refund_amount,

        ---------- order details
        ship_province,
        has_mobile,

        ---------- timestamps (unix seconds; pay_time 0 means unpaid)
        created_at_epoch,
        nullif(paid_at_epoch, 0) as paid_at_epoch,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

),

final as (

    select
        order_id,
        douyin_open_id,
        author_id,
        case order_status_code
            when 1 then 'awaiting_payment'
            when 2 then 'awaiting_shipment'
            when 3 then 'shipped'
            when 4 then 'closed'
            when 5 then 'completed'
        end as order_status,
        order_status_code,
        order_status_zh,
        case traffic_source_code
            when 0 then 'product_card'
            when 1 then 'live'
            when 2 then 'short_video'
        end as traffic_source,
        traffic_source_code,
        order_amount,
        paid_amount,
        refund_amount,
        {{ order_amount_columns() }},
        ship_province,
        has_mobile,
        created_at_epoch,
        paid_at_epoch,
        {{ epoch_to_local_timestamp('created_at_epoch') }} as created_at,
        {{ epoch_to_local_timestamp('paid_at_epoch') }} as paid_at,
        {{ to_business_date(epoch_to_local_timestamp('created_at_epoch')) }} as created_date,
        {{ to_business_date(epoch_to_local_timestamp('paid_at_epoch')) }} as paid_date,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from renamed

)

select * from final
