with

latest as (

    {{ latest_copies(source('oa', 'followers'), ['snapshot_date', 'openid']) }}

),

final as (

    select
        ---------- ids
        snapshot_date,
        openid,
        nullif(trim(unionid), '') as unionid,

        ---------- follow
        subscribed as is_subscribed,
        subscribe_scene,
        nullif(trim(qr_scene_str), '') as qr_scene_str,
        subscribe_time_epoch,
        {{ epoch_to_local_timestamp('subscribe_time_epoch') }} as subscribed_at,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
