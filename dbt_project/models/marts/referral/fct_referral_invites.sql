{%- set window_days = var('referral_conversion_window_days') -%}
{%- set burst_minutes = var('referral_farm_burst_window_minutes') -%}

with recursive

referral_invites as (

    select * from {{ ref('stg_referral__invites') }}

),

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

identifiers_observed as (

    select * from {{ ref('int_identifiers_observed') }}

),

mall_orders as (

    select * from {{ ref('stg_mall__orders') }}

),

---------- the two people of each invite: inviter by unionid, invitee by unionid else openid

invites as (

    select
        referral_invites.event_id,
        referral_invites.campaign_id,
        referral_invites.invited_at,
        referral_invites.invited_date,
        referral_invites.reward_status,
        referral_invites.reward_amount,
        referral_invites.device_id,
        referral_invites.invitee_openid,
        inviter_map.oneid as inviter_oneid,
        coalesce(invitee_unionid_map.oneid, invitee_openid_map.oneid) as invitee_oneid,
        coalesce(inviter_map.oneid, 'unionid:' || referral_invites.inviter_unionid)
            as inviter_key,
        coalesce(
            invitee_unionid_map.oneid,
            invitee_openid_map.oneid,
            'unionid:' || referral_invites.invitee_unionid,
            'mall_openid:{{ var("mall_appid") }}/' || referral_invites.invitee_openid,
            'referral_invite:' || referral_invites.event_id
        ) as invitee_key
    from referral_invites
    left join oneid_map as inviter_map
        on
            inviter_map.identifier_type = 'unionid'
            and referral_invites.inviter_unionid = inviter_map.identifier_value
    left join oneid_map as invitee_unionid_map
        on
            invitee_unionid_map.identifier_type = 'unionid'
            and referral_invites.invitee_unionid = invitee_unionid_map.identifier_value
    left join oneid_map as invitee_openid_map
        on
            invitee_openid_map.identifier_type = 'mall_openid'
            and '{{ var("mall_appid") }}/' || referral_invites.invitee_openid
            = invitee_openid_map.identifier_value

),

---------- fraud signals the tool's own fields allow

-- the tool fingerprints only invitees' devices: a person's device is known once they were invited
person_devices as (

    select distinct
        invitee_key as person_key,
        device_id
    from invites
    where device_id is not null

),

device_invitees as (

    select
        campaign_id,
        device_id,
        count(distinct invitee_key) as device_invitees
    from invites
    where device_id is not null
    group by campaign_id, device_id

),

-- a window opens at each invite; one holding enough invites of one inviter is a burst
burst_windows as (

    select
        window_start.campaign_id,
        window_start.inviter_key,
        window_start.invited_at as window_start_at
    from invites as window_start
    inner join invites as in_window
        on
            window_start.campaign_id = in_window.campaign_id
            and window_start.inviter_key = in_window.inviter_key
            and window_start.invited_at <= in_window.invited_at
            and {{ dbt.dateadd('minute', burst_minutes, 'window_start.invited_at') }}
            > in_window.invited_at
    group by window_start.campaign_id, window_start.inviter_key, window_start.invited_at
    having count(*) >= {{ var('referral_farm_burst_min_invites') }}

),

burst_invites as (

    select distinct invites.event_id
    from invites
    inner join burst_windows
        on
            invites.campaign_id = burst_windows.campaign_id
            and invites.inviter_key = burst_windows.inviter_key
            and invites.invited_at >= burst_windows.window_start_at
            and {{ dbt.dateadd('minute', burst_minutes, 'burst_windows.window_start_at') }}
            > invites.invited_at

),

-- invitees whose person shows up in any source other than the fission tool (member, order …)
seen_elsewhere as (

    select distinct oneid_map.oneid
    from identifiers_observed
    inner join oneid_map
        on
            identifiers_observed.identifier_type = oneid_map.identifier_type
            and identifiers_observed.identifier_value = oneid_map.identifier_value
    where
        identifiers_observed.source_table != 'raw.referral__invites'
        and oneid_map.oneid in (select invites.invitee_oneid from invites)

),

signals as (

    select
        invites.*,
        device_invitees.device_invitees,
        burst_invites.event_id is not null as is_inviter_burst,
        case
            when invites.invitee_oneid is not null then seen_elsewhere.oneid is not null
        end as is_invitee_seen_elsewhere,
        person_devices.person_key is not null as is_inviter_device
    from invites
    left join device_invitees
        on
            invites.campaign_id = device_invitees.campaign_id
            and invites.device_id = device_invitees.device_id
    left join burst_invites
        on invites.event_id = burst_invites.event_id
    left join seen_elsewhere
        on invites.invitee_oneid = seen_elsewhere.oneid
    left join person_devices
        on
            invites.inviter_key = person_devices.person_key
            and invites.device_id = person_devices.device_id

),

-- the first matching rule names the reason; see the referral_fraud_rules docs block
classified as (

    select
        *,
        case
            when inviter_key = invitee_key then 'same_person'
            when is_inviter_device then 'inviter_device'
            when device_invitees >= {{ var('referral_farm_device_min_invitees') }}
                then 'shared_device'
            when is_inviter_burst and not is_invitee_seen_elsewhere then 'inviter_burst'
            when not is_invitee_seen_elsewhere then 'second_account'
            when reward_status = 'rejected' then 'tool_rejected'
        end as fraud_rule
    from signals

),

---------- conversion: a paid order through the campaign's link (channel code referral_<campaign>)

tagged_orders as (

    select
        mall_orders.channel_code,
        mall_orders.paid_at,
        mall_orders.paid_date,
        mall_orders.openid,
        coalesce(mall_orders.appid, '{{ var("mall_appid") }}') as appid,
        oneid_map.oneid
    from mall_orders
    left join oneid_map
        on
            oneid_map.identifier_type = 'mall_openid'
            and coalesce(mall_orders.appid, '{{ var("mall_appid") }}')
            || '/' || mall_orders.openid = oneid_map.identifier_value
    where
        mall_orders.is_paid
        and mall_orders.channel_code like 'referral_%'

),

-- the order is the invitee's when its openid is the invitee's, or when OneID says so
invitee_orders as (

    select
        invites.event_id,
        tagged_orders.paid_at
    from invites
    inner join tagged_orders
        on
            tagged_orders.appid = '{{ var("mall_appid") }}'
            and invites.invitee_openid = tagged_orders.openid
            and 'referral_' || invites.campaign_id = tagged_orders.channel_code
            and invites.invited_at <= tagged_orders.paid_at
            and {{ dbt.dateadd('day', window_days, 'invites.invited_date') }}
            >= tagged_orders.paid_date
    union all
    select
        invites.event_id,
        tagged_orders.paid_at
    from invites
    inner join tagged_orders
        on
            invites.invitee_oneid = tagged_orders.oneid
            and 'referral_' || invites.campaign_id = tagged_orders.channel_code
            and invites.invited_at <= tagged_orders.paid_at
            and {{ dbt.dateadd('day', window_days, 'invites.invited_date') }}
            >= tagged_orders.paid_date

),

conversions as (

    select
        event_id,
        min(paid_at) as converted_at
    from invitee_orders
    group by event_id

),

---------- trees: an invitee's first valid invite of the campaign credits its inviter (首邀归属)

ranked as (

    select
        classified.*,
        case
            when classified.fraud_rule is null
                then row_number() over (
                    partition by classified.campaign_id, classified.invitee_key
                    order by
                        case when classified.fraud_rule is null then 0 else 1 end,
                        classified.invited_at,
                        classified.event_id
                )
        end as invitee_rank
    from classified

),

credited as (

    select
        event_id,
        campaign_id,
        inviter_key,
        invitee_key
    from ranked
    where invitee_rank = 1

),

-- roots invite in the campaign without being credited invitees of it
roots as (

    select distinct
        credited.campaign_id,
        credited.inviter_key as root_inviter_key
    from credited
    where not exists (
        select 1
        from credited as parent
        where
            credited.campaign_id = parent.campaign_id
            and credited.inviter_key = parent.invitee_key
    )

),

-- every invitee has one credited parent and no root has one, so the walk cannot loop
generations (campaign_id, root_inviter_key, event_id, invitee_key, generation) as (

    select
        credited.campaign_id,
        roots.root_inviter_key,
        credited.event_id,
        credited.invitee_key,
        1 as generation
    from credited
    inner join roots
        on
            credited.campaign_id = roots.campaign_id
            and credited.inviter_key = roots.root_inviter_key
    union all
    select
        child.campaign_id,
        generations.root_inviter_key,
        child.event_id,
        child.invitee_key,
        generations.generation + 1 as generation
    from generations
    inner join credited as child
        on
            generations.campaign_id = child.campaign_id
            and generations.invitee_key = child.inviter_key

),

final as (

    select
        cast(ranked.event_id as {{ dbt.type_string() }}) as event_id,
        cast(ranked.campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(ranked.invited_at as timestamp) as invited_at,
        cast(ranked.invited_date as date) as invited_date,
        cast(ranked.inviter_oneid as {{ dbt.type_string() }}) as inviter_oneid,
        cast(ranked.inviter_key as {{ dbt.type_string() }}) as inviter_key,
        cast(ranked.invitee_oneid as {{ dbt.type_string() }}) as invitee_oneid,
        cast(ranked.invitee_key as {{ dbt.type_string() }}) as invitee_key,
        cast(ranked.reward_status as {{ dbt.type_string() }}) as reward_status,
        cast(ranked.reward_amount as decimal(18, 2)) as reward_amount,
        cast(ranked.device_invitees as bigint) as device_invitees,
        cast(ranked.is_inviter_burst as boolean) as is_inviter_burst,
        cast(ranked.is_invitee_seen_elsewhere as boolean) as is_invitee_seen_elsewhere,
        cast(ranked.fraud_rule is not null as boolean) as is_fraud,
        cast(
            case
                when ranked.fraud_rule in ('same_person', 'inviter_device', 'second_account')
                    then 'self_invite'
                when ranked.fraud_rule in ('shared_device', 'inviter_burst') then 'invite_farm'
                when ranked.fraud_rule = 'tool_rejected' then 'reward_rejected'
            end as {{ dbt.type_string() }}
        ) as fraud_reason,
        cast(ranked.fraud_rule as {{ dbt.type_string() }}) as fraud_rule,
        cast(coalesce(ranked.invitee_rank = 1, false) as boolean) as is_credited,
        cast(generations.root_inviter_key as {{ dbt.type_string() }}) as root_inviter_key,
        cast(generations.generation as integer) as generation,
        cast(conversions.event_id is not null as boolean) as is_converted,
        cast(conversions.converted_at as timestamp) as converted_at
    from ranked
    left join generations
        on ranked.event_id = generations.event_id
    left join conversions
        on ranked.event_id = conversions.event_id

)

select * from final
