with

latest as (

    {{ latest_copies(source('referral', 'invites'), ['event_id']) }}

),

final as (

    select
        ---------- ids
        trim(event_id) as event_id,
        trim(campaign_id) as campaign_id,
        trim(inviter_unionid) as inviter_unionid,
        trim(invitee_unionid) as invitee_unionid,
        nullif(trim(invitee_openid), '') as invitee_openid,
        nullif(trim(device_id), '') as device_id,

        ---------- invite
        reward_status,
        cast(reward_amount as decimal(18, 2)) as reward_amount,
        coalesce(trim(inviter_unionid) = trim(invitee_unionid), false) as is_self_invite,

        ---------- timestamps (Asia/Shanghai wall-clock)
        invited_at,
        {{ to_business_date('invited_at') }} as invited_date,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
