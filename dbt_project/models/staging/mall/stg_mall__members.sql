with

latest as (

    -- the API says when a member last changed; the load order only breaks ties
    {{ latest_copies(source('mall', 'members'), ['member_id'], order_first=['updated_at desc']) }}

),

final as (

    select
        ---------- ids
        trim(member_id) as member_id,
        trim(appid) as appid,
        trim(openid) as openid,
        nullif(trim(unionid), '') as unionid,
        nullif(trim(phone_hash), '') as phone_hash,

        ---------- membership
        level as member_level,
        marketing_consent,

        ---------- timestamps (Asia/Shanghai wall-clock)
        registered_at,
        updated_at,
        {{ to_business_date('registered_at') }} as registered_date,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
