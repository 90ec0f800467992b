with

source as (

    select * from {{ source('oa', 'followers') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(['snapshot_date', 'openid']) }} as load_rank
    from source

),

latest as (

    select * from ranked
    where load_rank = 1

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
