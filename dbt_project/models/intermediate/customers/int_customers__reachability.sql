{#-
    The channels a person can be reached through now, one row per oneid: a phone (SMS, calls),
    a current WeCom friendship with a guide, a follow of the official account.
    Rules: see the int_customers__reachability docs.
-#}

with

customers as (

    select * from {{ ref('int_customers__identifiers') }}

),

wecom as (

    select * from {{ ref('int_customers__wecom') }}

),

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

oa_followers as (

    select * from {{ ref('stg_oa__followers') }}

),

oa_events as (

    select * from {{ ref('stg_oa__events') }}

),

---------- official account: the latest follow or unfollow of any of the person's openids

oa_follow_signals as (

    select distinct
        openid,
        subscribed_at as signal_at,
        true as is_following
    from oa_followers
    where is_subscribed and subscribed_at is not null

    union all

    select
        openid,
        event_at as signal_at,
        event_type = 'subscribe' as is_following
    from oa_events
    where event_type in ('subscribe', 'unsubscribe')

),

-- per openid the latest signal; an unfollow wins a tie
oa_openid_state as (

    select
        oneid_map.oneid,
        oa_follow_signals.is_following,
        row_number() over (
            partition by oa_follow_signals.openid
            order by oa_follow_signals.signal_at desc, oa_follow_signals.is_following asc
        ) as signal_rank
    from oa_follow_signals
    inner join oneid_map
        on
            oneid_map.identifier_type = 'oa_openid'
            and oa_follow_signals.openid = oneid_map.identifier_value

),

oa_following as (

    select distinct oneid
    from oa_openid_state
    where signal_rank = 1 and is_following

),

final as (

    select
        customers.oneid,
        customers.phone_hash_count > 0 as has_phone,
        coalesce(wecom.active_guide_count, 0) > 0 as is_wecom_friend,
        oa_following.oneid is not null as follows_oa
    from customers
    left join wecom on customers.oneid = wecom.oneid
    left join oa_following on customers.oneid = oa_following.oneid

)

select * from final
