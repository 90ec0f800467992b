with

source as (

    select * from {{ source('pos', 'receipt_lines') }}

),

numbered as (

    select
        *,
        row_number() over (
            partition by _load_id, _source_file, store_id, receipt_no
            order by _row_number
        ) as line_seq,
        max(_loaded_at) over (
            partition by _load_id, _source_file, store_id, receipt_no
        ) as delivery_loaded_at
    from source

),

ranked as (

    select
        *,
        dense_rank() over (
            partition by store_id, receipt_no
            order by delivery_loaded_at desc, _source_file desc, _load_id desc
        ) as delivery_rank
    from numbered

),

latest as (

    select * from ranked
    where delivery_rank = 1

),

final as (

    select
        ---------- ids
        trim(store_id) as store_id,
        trim(receipt_no) as receipt_no,
        line_seq,
        nullif(trim(member_card_no), '') as member_card_no,
        nullif(trim(phone_hash), '') as phone_hash,
        nullif(trim(guide_staff_id), '') as guide_staff_id,

        ---------- line
        trim(sku) as sku,
        quantity,
        cast(line_amount as decimal(18, 2)) as line_amount,
        coalesce(quantity < 0 or line_amount < 0, false) as is_return,

        ---------- timestamps (Asia/Shanghai wall-clock)
        sold_at,
        {{ to_business_date('sold_at') }} as business_date,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
