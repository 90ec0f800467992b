with

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

identity_identifiers as (

    select * from {{ ref('int_identity__identifiers') }}

),

wecom_relationships as (

    select * from {{ ref('int_wecom_relationships_reconciled') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

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

---------- wecom

wecom as (

    select
        oneid_map.oneid,
        count(
            distinct case
                when wecom_relationships.is_active then wecom_relationships.guide_userid
            end
        ) as active_guide_count,
        min(wecom_relationships.added_at) as first_wecom_added_at
    from wecom_relationships
    inner join oneid_map
        on
            oneid_map.identifier_type = 'wecom_external_userid'
            and wecom_relationships.external_userid = oneid_map.identifier_value
    group by oneid_map.oneid

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
        coalesce(wecom.active_guide_count, 0) as active_guide_count,
        wecom.first_wecom_added_at,
        coalesce(order_totals.tmall_paid_orders, 0) as tmall_paid_orders,
        coalesce(order_totals.tmall_net_revenue, 0) as tmall_net_revenue,
        coalesce(order_totals.online_paid_orders, 0) as online_paid_orders,
        coalesce(order_totals.online_net_revenue, 0) as online_net_revenue,
        coalesce(order_totals.pos_receipts, 0) as pos_receipts,
        coalesce(order_totals.pos_net_revenue, 0) as pos_net_revenue,
        order_totals.last_purchase_at
    from identifier_counts
    left join first_seen on identifier_counts.oneid = first_seen.oneid
    left join wecom on identifier_counts.oneid = wecom.oneid
    left join order_totals on identifier_counts.oneid = order_totals.oneid

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
        active_guide_count > 0 as is_wecom_friend,
        cast(active_guide_count as bigint) as active_guide_count,
        cast(first_wecom_added_at as timestamp) as first_wecom_added_at,
        cast(tmall_paid_orders as bigint) as tmall_paid_orders,
        cast(tmall_net_revenue as decimal(18, 2)) as tmall_net_revenue,
        cast(online_paid_orders as bigint) as online_paid_orders,
        cast(online_net_revenue as decimal(18, 2)) as online_net_revenue,
        cast(pos_receipts as bigint) as pos_receipts,
        cast(pos_net_revenue as decimal(18, 2)) as pos_net_revenue,
        cast(online_net_revenue + pos_net_revenue as decimal(18, 2)) as net_revenue,
        cast(last_purchase_at as timestamp) as last_purchase_at
    from joined

)

select * from final
