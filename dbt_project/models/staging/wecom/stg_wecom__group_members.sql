with

latest as (

    {{ latest_copies(source('wecom', 'group_members'), ['snapshot_date', 'chat_id', 'member_id']) }}

),

final as (

    select
        ---------- ids
        snapshot_date,
        chat_id,
        member_id,
        member_type,
        case when member_type = 2 then member_id end as external_userid,
        nullif(trim(unionid), '') as unionid,
        owner_userid,
        nullif(trim(invitor_userid), '') as invitor_userid,

        ---------- membership
        join_scene,
        joined_at_epoch,
        {{ epoch_to_local_timestamp('joined_at_epoch') }} as joined_at,
        chat_created_at_epoch,
        {{ epoch_to_local_timestamp('chat_created_at_epoch') }} as chat_created_at,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
