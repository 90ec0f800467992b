{#-
    The marketing consent (营销授权) of every person any source carries a signal for: every dated
    signal of every source, the latest wins. Rules: see dim_customers_consent.
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

oa_events as (

    select * from {{ ref('stg_oa__events') }}

),

outbound_calls as (

    select * from {{ ref('stg_outbound__call_results') }}

),

consent_signals as (

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
        tmall_members.accepts_marketing
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
        mall_members.marketing_consent as accepts_marketing
    from mall_members
    inner join oneid_map
        on
            oneid_map.identifier_type = 'mall_openid'
            and mall_members.appid || '/' || mall_members.openid = oneid_map.identifier_value

    union all

    select
        oneid_map.oneid,
        'oa' as consent_source,
        oa_events.event_at as signal_at,
        false as accepts_marketing
    from oa_events
    inner join oneid_map
        on
            oneid_map.identifier_type = 'oa_openid'
            and oa_events.openid = oneid_map.identifier_value
    where oa_events.withdraws_marketing_consent

    union all

    select
        oneid_map.oneid,
        'outbound' as consent_source,
        outbound_calls.called_at as signal_at,
        false as accepts_marketing
    from outbound_calls
    inner join oneid_map
        on
            oneid_map.identifier_type = 'phone_hash'
            and outbound_calls.phone_hash = oneid_map.identifier_value
    where outbound_calls.is_do_not_call

),

-- on a tie a withdrawal wins
consent_ranked as (

    select
        oneid,
        consent_source,
        signal_at,
        accepts_marketing,
        row_number() over (
            partition by oneid
            order by signal_at desc, accepts_marketing asc, consent_source asc
        ) as signal_rank
    from consent_signals

),

final as (

    select
        oneid,
        accepts_marketing,
        signal_at as consent_updated_at,
        consent_source
    from consent_ranked
    where signal_rank = 1

)

select * from final
