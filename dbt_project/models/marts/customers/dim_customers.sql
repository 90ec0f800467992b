{#-
    The customer 360: one row per OneID. Rules: see the dim_customers docs.
-#}

{#- the export date in the path of the Tmall member file a member's latest row came from -#}
{%- set export_date = path_export_date('tmall_members._source_file') -%}

with

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

identity_identifiers as (

    select * from {{ ref('int_identity__identifiers') }}

),

identifiers_observed as (

    select * from {{ ref('int_identifiers_observed') }}

),

wecom_relationships as (

    select * from {{ ref('fct_wecom_relationships') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

group_members as (

    select * from {{ ref('stg_wecom__group_members') }}

),

group_events as (

    select * from {{ ref('stg_wecom__group_events') }}

),

nps_responses as (

    select * from {{ ref('int_nps_responses_identified') }}

),

referral_invites as (

    select * from {{ ref('fct_referral_invites') }}

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

---------- the run date: the latest business day in the data, so that a rebuild gives the same rows

run_date as (

    select max(business_date) as as_of_date
    from (
        select order_date as business_date from orders
        union all
        select refund_date as business_date from orders
        union all
        select added_date as business_date from wecom_relationships
        union all
        select ended_date as business_date from wecom_relationships
    ) as business_dates

),

---------- identifiers

customer_identifiers as (

    select
        oneid_map.oneid,
        oneid_map.identifier_type,
        oneid_map.identifier_value,
        identity_identifiers.first_seen_at,
        identity_identifiers.first_seen_source
    from oneid_map
    left join identity_identifiers
        on
            oneid_map.identifier_type = identity_identifiers.identifier_type
            and oneid_map.identifier_value = identity_identifiers.identifier_value

),

first_seen_ranked as (

    select
        oneid,
        first_seen_at,
        first_seen_source,
        row_number() over (
            partition by oneid
            order by first_seen_at, first_seen_source, identifier_type, identifier_value
        ) as seen_rank
    from customer_identifiers

),

first_seen as (

    select * from first_seen_ranked
    where seen_rank = 1

),

identifier_counts as (

    select
        oneid,
        sum(case when identifier_type = 'phone_hash' then 1 else 0 end) as phone_hash_count,
        sum(case when identifier_type = 'tmall_buyer_nick_hash' then 1 else 0 end)
            as tmall_buyer_count,
        sum(case when identifier_type = 'pos_member_card' then 1 else 0 end)
            as pos_member_card_count,
        sum(case when identifier_type = 'wecom_external_userid' then 1 else 0 end)
            as wecom_external_userid_count,
        sum(case when identifier_type = 'unionid' then 1 else 0 end) as unionid_count,
        sum(case when identifier_type = 'mall_openid' then 1 else 0 end) as mall_openid_count,
        sum(case when identifier_type = 'oa_openid' then 1 else 0 end) as oa_openid_count,
        sum(case when identifier_type = 'jd_pin_hash' then 1 else 0 end) as jd_buyer_count,
        sum(case when identifier_type = 'douyin_open_id' then 1 else 0 end) as douyin_buyer_count,
        count(*) as identifier_count
    from customer_identifiers
    group by oneid

),

customer_channels as (

    select distinct
        oneid_map.oneid,
        identifiers_observed.source_system
    from identifiers_observed
    inner join oneid_map
        on
            identifiers_observed.identifier_type = oneid_map.identifier_type
            and identifiers_observed.identifier_value = oneid_map.identifier_value

),

channels as (

    select
        oneid,
        count(*) as channel_count,
        {{ dbt.listagg('source_system', "','", 'order by source_system') }} as channels_used
    from customer_channels
    group by oneid

),

---------- wecom: every relationship interval of the person (fct_wecom_relationships)

wecom as (

    select
        oneid,
        count(distinct case when is_current then guide_userid end) as active_guide_count,
        min(valid_from) as first_wecom_added_at,
        sum(case when is_current then 0 else 1 end) as relationships_ended
    from wecom_relationships
    where oneid is not null
    group by oneid

),

-- the owning guide has the longest current relationship: the earliest start still open
owning_guide_ranked as (

    select
        oneid,
        guide_userid,
        row_number() over (
            partition by oneid
            order by valid_from, guide_userid
        ) as guide_rank
    from wecom_relationships
    where is_current and oneid is not null

),

owning_guide as (

    select * from owning_guide_ranked
    where guide_rank = 1

),

---------- customer groups: the chat's latest snapshot, then the callbacks after it

chat_snapshots as (

    select
        chat_id,
        max(snapshot_date) as latest_snapshot_date
    from group_members
    group by chat_id

),

snapshot_members as (

    select
        group_members.chat_id,
        group_members.external_userid,
        chat_snapshots.latest_snapshot_date
    from group_members
    inner join chat_snapshots
        on
            group_members.chat_id = chat_snapshots.chat_id
            and group_members.snapshot_date = chat_snapshots.latest_snapshot_date
    where group_members.external_userid is not null

),

-- joins and leaves of members, and a dismissal that empties the chat for everyone
member_changes as (

    select
        chat_id,
        member_id as external_userid,
        event_at,
        event_date,
        update_detail = 'add_member' as is_in
    from group_events
    where update_detail in ('add_member', 'del_member')

),

dismissals as (

    select
        chat_id,
        max(event_at) as dismissed_at,
        max(event_date) as dismissed_date
    from group_events
    where change_type = 'dismiss'
    group by chat_id

),

group_signals as (

    select
        chat_id,
        external_userid,
        cast({{ dbt.dateadd('day', 1, 'latest_snapshot_date') }} as timestamp) as signal_at,
        latest_snapshot_date as signal_date,
        true as is_in
    from snapshot_members
    union all
    select
        chat_id,
        external_userid,
        event_at as signal_at,
        event_date as signal_date,
        is_in
    from member_changes
    union all
    select
        member_changes.chat_id,
        member_changes.external_userid,
        dismissals.dismissed_at as signal_at,
        dismissals.dismissed_date as signal_date,
        false as is_in
    from member_changes
    inner join dismissals on member_changes.chat_id = dismissals.chat_id

),

-- a callback dated on or before the chat's latest snapshot is already reflected in it
group_signals_ranked as (

    select
        group_signals.chat_id,
        group_signals.external_userid,
        group_signals.is_in,
        row_number() over (
            partition by group_signals.chat_id, group_signals.external_userid
            order by group_signals.signal_at desc, group_signals.is_in asc
        ) as signal_rank
    from group_signals
    left join chat_snapshots on group_signals.chat_id = chat_snapshots.chat_id
    where
        chat_snapshots.latest_snapshot_date is null
        or group_signals.signal_date > chat_snapshots.latest_snapshot_date
        or group_signals.signal_at
        = cast({{ dbt.dateadd('day', 1, 'chat_snapshots.latest_snapshot_date') }} as timestamp)

),

groups as (

    select
        oneid_map.oneid,
        count(distinct group_signals_ranked.chat_id) as groups_joined
    from group_signals_ranked
    inner join oneid_map
        on
            oneid_map.identifier_type = 'wecom_external_userid'
            and group_signals_ranked.external_userid = oneid_map.identifier_value
    where group_signals_ranked.signal_rank = 1 and group_signals_ranked.is_in
    group by oneid_map.oneid

),

---------- nps: the latest answer sheet of the person

nps_ranked as (

    select
        oneid,
        score,
        submitted_date,
        row_number() over (
            partition by oneid
            order by submitted_date desc, survey_id desc, response_no desc
        ) as response_rank
    from nps_responses
    where oneid is not null

),

latest_nps as (

    select * from nps_ranked
    where response_rank = 1

),

---------- referral: invites that earned the inviter a credit (fraud excluded)

referrals as (

    select
        inviter_oneid as oneid,
        count(distinct invitee_key) as credited_invitees
    from referral_invites
    where inviter_oneid is not null and is_credited
    group by inviter_oneid

),

---------- marketing consent: every dated signal of every source, the latest wins

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

consent as (

    select * from consent_ranked
    where signal_rank = 1

),

---------- purchases: every channel's orders of the person

order_totals as (

    select
        oneid,
        sum(case when channel = 'tmall' and is_paid_sale then 1 else 0 end) as tmall_paid_orders,
        sum(case when channel = 'tmall' and is_paid_sale then net_amount else 0 end)
            as tmall_net_revenue,
        sum(case when channel != 'pos' and is_paid_sale then 1 else 0 end) as online_paid_orders,
        sum(case when channel != 'pos' and is_paid_sale then net_amount else 0 end)
            as online_net_revenue,
        sum(case when channel = 'pos' and is_paid_sale then 1 else 0 end) as pos_receipts,
        -- store returns are receipts of their own and lower the store revenue
        sum(case when channel = 'pos' then net_amount else 0 end) as pos_net_revenue,
        min(case when is_paid_sale then paid_at end) as first_purchase_at,
        max(case when is_paid_sale then paid_at end) as last_purchase_at
    from orders
    where oneid is not null
    group by oneid

),

---------- one row per oneid

joined as (

    select
        identifier_counts.oneid,
        first_seen.first_seen_at,
        first_seen.first_seen_source,
        identifier_counts.phone_hash_count,
        identifier_counts.tmall_buyer_count,
        identifier_counts.pos_member_card_count,
        identifier_counts.wecom_external_userid_count,
        identifier_counts.unionid_count,
        identifier_counts.mall_openid_count,
        identifier_counts.oa_openid_count,
        identifier_counts.jd_buyer_count,
        identifier_counts.douyin_buyer_count,
        identifier_counts.identifier_count,
        coalesce(channels.channel_count, 0) as channel_count,
        channels.channels_used,
        coalesce(wecom.active_guide_count, 0) as active_guide_count,
        owning_guide.guide_userid as owning_guide_userid,
        wecom.first_wecom_added_at,
        coalesce(wecom.relationships_ended, 0) as relationships_ended,
        coalesce(groups.groups_joined, 0) as groups_joined,
        coalesce(order_totals.tmall_paid_orders, 0) as tmall_paid_orders,
        coalesce(order_totals.tmall_net_revenue, 0) as tmall_net_revenue,
        coalesce(order_totals.online_paid_orders, 0) as online_paid_orders,
        coalesce(order_totals.online_net_revenue, 0) as online_net_revenue,
        coalesce(order_totals.pos_receipts, 0) as pos_receipts,
        coalesce(order_totals.pos_net_revenue, 0) as pos_net_revenue,
        order_totals.first_purchase_at,
        order_totals.last_purchase_at,
        latest_nps.score as latest_nps_score,
        latest_nps.submitted_date as latest_nps_date,
        coalesce(referrals.credited_invitees, 0) as credited_invitees,
        consent.accepts_marketing,
        consent.signal_at as consent_updated_at,
        consent.consent_source,
        run_date.as_of_date
    from identifier_counts
    cross join run_date
    left join first_seen on identifier_counts.oneid = first_seen.oneid
    left join channels on identifier_counts.oneid = channels.oneid
    left join wecom on identifier_counts.oneid = wecom.oneid
    left join owning_guide on identifier_counts.oneid = owning_guide.oneid
    left join groups on identifier_counts.oneid = groups.oneid
    left join order_totals on identifier_counts.oneid = order_totals.oneid
    left join latest_nps on identifier_counts.oneid = latest_nps.oneid
    left join referrals on identifier_counts.oneid = referrals.oneid
    left join consent on identifier_counts.oneid = consent.oneid

),

---------- rfm: recency to the run date, paid orders, net revenue

rfm as (

    select
        *,
        online_paid_orders + pos_receipts as frequency,
        online_net_revenue + pos_net_revenue as monetary,
        case
            when last_purchase_at is not null
                then {{ dbt.datediff(to_business_date('last_purchase_at'), 'as_of_date', 'day') }}
        end as recency_days,
        case
            when first_purchase_at is not null
                then {{ dbt.datediff(to_business_date('first_purchase_at'), 'as_of_date', 'day') }}
        end as first_purchase_days,
        {{ dbt.datediff(to_business_date('first_seen_at'), 'as_of_date', 'day') }}
            as first_seen_days
    from joined

),

-- quintiles among buyers only: 5 = most recent, most orders, most revenue; oneid breaks ties
buyer_scores as (

    select
        oneid,
        ntile(5) over (order by recency_days desc, oneid asc) as r_score,
        ntile(5) over (order by frequency, oneid) as f_score,
        ntile(5) over (order by monetary, oneid) as m_score
    from rfm
    where frequency > 0

),

scored as (

    select
        rfm.*,
        buyer_scores.r_score,
        buyer_scores.f_score,
        buyer_scores.m_score,
        case
            when buyer_scores.oneid is null then null
            when
                buyer_scores.r_score >= 4
                and buyer_scores.f_score >= 4
                and buyer_scores.m_score >= 4
                then 'champions'
            when buyer_scores.r_score >= 3 and buyer_scores.f_score >= 3 then 'loyal'
            when buyer_scores.r_score >= 4 then 'promising'
            when buyer_scores.f_score >= 3 then 'at_risk'
            when buyer_scores.r_score = 3 then 'needs_attention'
            else 'hibernating'
        end as rfm_segment,
        case
            when rfm.frequency = 0 and rfm.first_seen_days <= {{ var('lifecycle_new_max_days') }}
                then 'new'
            when
                rfm.frequency = 0 and rfm.first_seen_days <= {{ var('lifecycle_dormant_max_days') }}
                then 'dormant'
            when rfm.frequency = 0 then 'lost'
            when rfm.first_purchase_days <= {{ var('lifecycle_new_max_days') }} then 'new'
            when rfm.recency_days <= {{ var('lifecycle_active_max_days') }} then 'active'
            when rfm.recency_days <= {{ var('lifecycle_at_risk_max_days') }} then 'at_risk'
            when rfm.recency_days <= {{ var('lifecycle_dormant_max_days') }} then 'dormant'
            else 'lost'
        end as lifecycle_stage,
        case
            when
                rfm.frequency >= {{ var('user_tier_core_min_orders') }}
                and rfm.monetary >= {{ var('user_tier_core_min_net_revenue') }}
                then '核心用户'
            when rfm.monetary >= {{ var('user_tier_value_min_net_revenue') }} then '价值用户'
            when
                rfm.frequency > 0
                and (
                    rfm.credited_invitees >= {{ var('user_tier_seed_min_credited_invitees') }}
                    or rfm.latest_nps_score >= {{ var('user_tier_seed_min_nps_score') }}
                )
                then '种子用户'
            when rfm.frequency >= {{ var('user_tier_regular_min_orders') }} then '普通用户'
            else '新用户'
        end as user_tier
    from rfm
    left join buyer_scores on rfm.oneid = buyer_scores.oneid

),

final as (

    select
        cast(oneid as {{ dbt.type_string() }}) as oneid,
        cast(first_seen_at as timestamp) as first_seen_at,
        cast(first_seen_source as {{ dbt.type_string() }}) as first_seen_source,
        cast(phone_hash_count as bigint) as phone_hash_count,
        cast(tmall_buyer_count as bigint) as tmall_buyer_count,
        cast(pos_member_card_count as bigint) as pos_member_card_count,
        cast(wecom_external_userid_count as bigint) as wecom_external_userid_count,
        cast(unionid_count as bigint) as unionid_count,
        cast(mall_openid_count as bigint) as mall_openid_count,
        cast(oa_openid_count as bigint) as oa_openid_count,
        cast(jd_buyer_count as bigint) as jd_buyer_count,
        cast(douyin_buyer_count as bigint) as douyin_buyer_count,
        cast(identifier_count as bigint) as identifier_count,
        cast(channel_count as bigint) as channel_count,
        cast(channels_used as {{ dbt.type_string() }}) as channels_used,
        active_guide_count > 0 as is_wecom_friend,
        cast(active_guide_count as bigint) as active_guide_count,
        cast(owning_guide_userid as {{ dbt.type_string() }}) as owning_guide_userid,
        cast(first_wecom_added_at as timestamp) as first_wecom_added_at,
        cast(relationships_ended as bigint) as relationships_ended,
        cast(groups_joined as bigint) as groups_joined,
        cast(tmall_paid_orders as bigint) as tmall_paid_orders,
        cast(tmall_net_revenue as decimal(18, 2)) as tmall_net_revenue,
        cast(online_paid_orders as bigint) as online_paid_orders,
        cast(online_net_revenue as decimal(18, 2)) as online_net_revenue,
        cast(pos_receipts as bigint) as pos_receipts,
        cast(pos_net_revenue as decimal(18, 2)) as pos_net_revenue,
        cast(online_net_revenue + pos_net_revenue as decimal(18, 2)) as net_revenue,
        cast(first_purchase_at as timestamp) as first_purchase_at,
        cast(last_purchase_at as timestamp) as last_purchase_at,
        cast(as_of_date as date) as as_of_date,
        cast(recency_days as bigint) as recency_days,
        cast(frequency as bigint) as frequency,
        cast(monetary as decimal(18, 2)) as monetary,
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score,
        cast(rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(user_tier as {{ dbt.type_string() }}) as user_tier,
        cast(credited_invitees as bigint) as credited_invitees,
        cast(latest_nps_score as integer) as latest_nps_score,
        cast(latest_nps_date as date) as latest_nps_date,
        accepts_marketing,
        cast(consent_updated_at as timestamp) as consent_updated_at,
        cast(consent_source as {{ dbt.type_string() }}) as consent_source
    from scored

)

select * from final
