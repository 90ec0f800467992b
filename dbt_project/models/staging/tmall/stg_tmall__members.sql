with

latest as (

    {{ latest_copies(source('tmall', 'members'), ['buyer_nick_hash']) }}

),

renamed as (

    select
        ---------- ids
        buyer_nick_hash,
        phone_hash,

        ---------- membership
        member_level,
        nullif(trim(join_channel), '') as join_channel_zh,
        accepts_marketing,

        ---------- timestamps (Asia/Shanghai wall-clock)
        joined_at,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

),

final as (

    select
        buyer_nick_hash,
        phone_hash,
        member_level,
        case join_channel_zh
            when '店铺首页' then 'shop_home'
            when '订单页' then 'order_page'
            when '直播间' then 'live_room'
            when '包裹卡' then 'package_card'
        end as join_channel,
        join_channel_zh,
        accepts_marketing,
        joined_at,
        {{ to_business_date('joined_at') }} as joined_date,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from renamed

)

select * from final
