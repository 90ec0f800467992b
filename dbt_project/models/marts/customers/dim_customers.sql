{#-
    The customer 360: one row per OneID, joined from the topic models of
    models/intermediate/customers, with RFM scores, lifecycle stage and user tier measured to the
    run date. Rules: see the dim_customers docs.
-#}

with

customers as (

    select * from {{ ref('int_customers__identifiers') }}

),

wecom as (

    select * from {{ ref('int_customers__wecom') }}

),

groups as (

    select * from {{ ref('int_customers__groups') }}

),

orders_summary as (

    select * from {{ ref('int_customers__orders_summary') }}

),

nps as (

    select * from {{ ref('int_customers__nps') }}

),

referrals as (

    select * from {{ ref('int_customers__referrals') }}

),

consent as (

    select * from {{ ref('int_customers__consent') }}

),

koc as (

    select * from {{ ref('int_customers__koc') }}

),

home_store as (

    select * from {{ ref('int_customers__home_store') }}

),

-- written by the CLV asset (clv/): buyers with a purchase day only
clv_scores as (

    select * from {{ ref('stg_clv__customer_scores') }}

),

---------- the run date: the latest business day in the data, so that a rebuild gives the same rows

run_date as (

    select max(business_date) as as_of_date
    from (
        -- the tables themselves, not CTEs: a CTE read twice is materialised whole (9.9M orders)
        select order_date as business_date from {{ ref('fct_orders') }}
        union all
        select refund_date as business_date from {{ ref('fct_orders') }}
        union all
        select added_date as business_date from {{ ref('fct_wecom_relationships') }}
        union all
        select ended_date as business_date from {{ ref('fct_wecom_relationships') }}
    ) as business_dates

),

---------- one row per oneid

joined as (

    select
        customers.*,
        coalesce(wecom.active_guide_count, 0) as active_guide_count,
        wecom.owning_guide_userid,
        wecom.first_wecom_added_at,
        coalesce(wecom.relationships_ended, 0) as relationships_ended,
        coalesce(groups.groups_joined, 0) as groups_joined,
        coalesce(orders_summary.tmall_paid_orders, 0) as tmall_paid_orders,
        coalesce(orders_summary.tmall_net_revenue, 0) as tmall_net_revenue,
        coalesce(orders_summary.online_paid_orders, 0) as online_paid_orders,
        coalesce(orders_summary.online_net_revenue, 0) as online_net_revenue,
        coalesce(orders_summary.pos_receipts, 0) as pos_receipts,
        coalesce(orders_summary.pos_net_revenue, 0) as pos_net_revenue,
        coalesce(orders_summary.net_revenue, 0) as net_revenue,
        orders_summary.first_purchase_at,
        orders_summary.last_purchase_at,
        coalesce(orders_summary.frequency, 0) as frequency,
        coalesce(orders_summary.monetary, 0) as monetary,
        nps.latest_nps_score,
        nps.latest_nps_date,
        coalesce(referrals.credited_invitees, 0) as credited_invitees,
        consent.accepts_marketing,
        consent.consent_updated_at,
        consent.consent_source,
        koc.koc_score,
        koc.is_koc,
        home_store.home_store_id,
        clv_scores.p_alive,
        clv_scores.expected_purchases_365d,
        clv_scores.predicted_clv,
        run_date.as_of_date
    from customers
    cross join run_date
    left join wecom on customers.oneid = wecom.oneid
    left join groups on customers.oneid = groups.oneid
    left join orders_summary on customers.oneid = orders_summary.oneid
    left join nps on customers.oneid = nps.oneid
    left join referrals on customers.oneid = referrals.oneid
    left join consent on customers.oneid = consent.oneid
    left join koc on customers.oneid = koc.oneid
    left join home_store on customers.oneid = home_store.customer_key
    left join clv_scores on customers.oneid = clv_scores.oneid

),

---------- rfm: recency to the run date, paid orders, net revenue

rfm as (

    select
        *,
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
        cast(home_store_id as {{ dbt.type_string() }}) as home_store_id,
        cast(first_wecom_added_at as timestamp) as first_wecom_added_at,
        cast(relationships_ended as bigint) as relationships_ended,
        cast(groups_joined as bigint) as groups_joined,
        cast(tmall_paid_orders as bigint) as tmall_paid_orders,
        cast(tmall_net_revenue as decimal(18, 2)) as tmall_net_revenue,
        cast(online_paid_orders as bigint) as online_paid_orders,
        cast(online_net_revenue as decimal(18, 2)) as online_net_revenue,
        cast(pos_receipts as bigint) as pos_receipts,
        cast(pos_net_revenue as decimal(18, 2)) as pos_net_revenue,
        cast(net_revenue as decimal(18, 2)) as net_revenue,
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
        cast(consent_source as {{ dbt.type_string() }}) as consent_source,
        cast(koc_score as decimal(5, 1)) as koc_score,
        is_koc,
        cast(p_alive as double) as p_alive,
        cast(expected_purchases_365d as double) as expected_purchases_365d,
        cast(predicted_clv as decimal(18, 2)) as predicted_clv
    from scored

)

select * from final
