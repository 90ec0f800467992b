{#-
    The identifiers of every person (OneID): how many of each type, when and where the person
    was first seen, and the source systems they were seen in. The spine of dim_customers: one
    row per oneid of the OneID map.
-#}

with

identity_identifiers as (

    select * from {{ ref('int_identity__identifiers') }}

),

identifiers_observed as (

    select * from {{ ref('int_identifiers_observed') }}

),

customer_identifiers as (

    select
        oneid_map.oneid,
        oneid_map.identifier_type,
        oneid_map.identifier_value,
        identity_identifiers.first_seen_at,
        identity_identifiers.first_seen_source
    from {{ ref('stg_identity__oneid_map') }} as oneid_map
    left join identity_identifiers
        on
            oneid_map.identifier_type = identity_identifiers.identifier_type
            and oneid_map.identifier_value = identity_identifiers.identifier_value

),

---------- first touch: the earliest sighting of any identifier of the person

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

---------- channels used: every source system any record of any identifier came from

customer_channels as (

    select distinct
        oneid_map.oneid,
        identifiers_observed.source_system
    from identifiers_observed
    inner join {{ ref('stg_identity__oneid_map') }} as oneid_map
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

final as (

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
        channels.channels_used
    from identifier_counts
    left join first_seen on identifier_counts.oneid = first_seen.oneid
    left join channels on identifier_counts.oneid = channels.oneid

)

select * from final
