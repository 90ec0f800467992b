{#-
    The consent (营销授权) of every person per marketing purpose: the latest dated signal of
    every source that speaks for that purpose wins, a withdrawal wins a tie.
    Rules: see the int_customers__consent_by_purpose docs.
-#}

{#- the export date in the path of the Tmall member file a member's latest row came from -#}
{%- set export_date = path_export_date('tmall_members._source_file') -%}

with

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

tmall_members as (

    select * from {{ ref('stg_tmall__members') }}

),

mall_members as (

    select * from {{ ref('stg_mall__members') }}

),

oa_followers as (

    select * from {{ ref('stg_oa__followers') }}

),

oa_events as (

    select * from {{ ref('stg_oa__events') }}

),

outbound_calls as (

    select * from {{ ref('stg_outbound__call_results') }}

),

---------- the purposes: a membership consent speaks for all of them

purposes as (

    select 'marketing_sms' as purpose
    union all
    select 'marketing_call' as purpose
    union all
    select 'marketing_wecom' as purpose
    union all
    select 'marketing_oa' as purpose

),

---------- membership consent (Tmall 会员通, mini-program mall): one signal for every purpose

membership_signals as (

    -- a member row appears in the export of the day it changed: a withdrawal is known from then
    select
        oneid_map.oneid,
        'tmall' as consent_source,
        greatest(
            tmall_members.joined_at,
            coalesce(
                cast({{ export_date }} as timestamp),
                tmall_members.joined_at
            )
        ) as signal_at,
        tmall_members.accepts_marketing as is_granted
    from tmall_members
    inner join oneid_map
        on
            oneid_map.identifier_type = 'tmall_buyer_nick_hash'
            and tmall_members.buyer_nick_hash = oneid_map.identifier_value
    where tmall_members.accepts_marketing is not null

    union all

    select
        oneid_map.oneid,
        'mall' as consent_source,
        coalesce(mall_members.updated_at, mall_members.registered_at) as signal_at,
        mall_members.marketing_consent as is_granted
    from mall_members
    inner join oneid_map
        on
            oneid_map.identifier_type = 'mall_openid'
            and mall_members.appid || '/' || mall_members.openid = oneid_map.identifier_value
    where mall_members.marketing_consent is not null

),

---------- channel signals: each speaks for its own purpose only

-- following the official account opts in to its pushes; unfollowing withdraws that
oa_follow_signals as (

    select distinct
        openid,
        subscribed_at as signal_at,
        true as is_granted
    from oa_followers
    where is_subscribed and subscribed_at is not null

    union all

    select
        openid,
        event_at as signal_at,
        event_type = 'subscribe' as is_granted
    from oa_events
    where event_type in ('subscribe', 'unsubscribe')

),

channel_signals as (

    select
        oneid_map.oneid,
        'marketing_oa' as purpose,
        'oa' as consent_source,
        oa_follow_signals.signal_at,
        oa_follow_signals.is_granted
    from oa_follow_signals
    inner join oneid_map
        on
            oneid_map.identifier_type = 'oa_openid'
            and oa_follow_signals.openid = oneid_map.identifier_value

    union all

    -- a called person who asks not to be called again (勿扰) withdraws consent to calls
    select
        oneid_map.oneid,
        'marketing_call' as purpose,
        'outbound' as consent_source,
        outbound_calls.called_at as signal_at,
        false as is_granted
    from outbound_calls
    inner join oneid_map
        on
            oneid_map.identifier_type = 'phone_hash'
            and outbound_calls.phone_hash = oneid_map.identifier_value
    where outbound_calls.is_do_not_call

),

consent_signals as (

    select
        membership_signals.oneid,
        purposes.purpose,
        membership_signals.consent_source,
        membership_signals.signal_at,
        membership_signals.is_granted
    from membership_signals
    cross join purposes

    union all

    select
        oneid,
        purpose,
        consent_source,
        signal_at,
        is_granted
    from channel_signals

),

-- the latest signal wins; on a tie a withdrawal wins
consent_ranked as (

    select
        oneid,
        purpose,
        consent_source,
        signal_at,
        is_granted,
        row_number() over (
            partition by oneid, purpose
            order by signal_at desc, is_granted asc, consent_source asc
        ) as signal_rank
    from consent_signals
    where signal_at is not null

),

final as (

    select
        oneid,
        purpose,
        is_granted,
        signal_at as consent_updated_at,
        consent_source
    from consent_ranked
    where signal_rank = 1

)

select * from final
