with

latest as (

    {{ latest_copies(source('live', 'viewers'), ['room_id', 'openid']) }}

),

final as (

    select
        ---------- ids
        trim(room_id) as room_id,
        trim(openid) as openid,
        nullif(trim(unionid), '') as unionid,

        ---------- engagement
        watch_seconds,
        coalesce(comment_count, 0) as comment_count,
        coalesce(like_count, 0) as like_count,

        ---------- timestamps (Asia/Shanghai wall-clock)
        first_entered_at,
        {{ to_business_date('first_entered_at') }} as session_date,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
