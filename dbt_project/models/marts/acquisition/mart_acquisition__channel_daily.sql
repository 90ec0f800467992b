with

wecom_contact_events as (

    select * from {{ ref('stg_wecom__contact_events') }}

),

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

pos_receipts as (

    select * from {{ ref('int_pos_receipts_aggregated') }}

),

tmall_orders as (

    select * from {{ ref('stg_tmall__orders') }}

),

channel_codes as (

    select * from {{ ref('channel_codes') }}

),

---------- numerator: customers who added a guide through a code (新增好友数)

adds as (

    select
        wecom_contact_events.state as channel_code,
        wecom_contact_events.event_date as business_date,
        coalesce(
            oneid_map.oneid,
            'wecom_external_userid:' || wecom_contact_events.external_userid
        ) as customer_key
    from wecom_contact_events
    left join oneid_map
        on
            oneid_map.identifier_type = 'wecom_external_userid'
            and wecom_contact_events.external_userid = oneid_map.identifier_value
    where
        wecom_contact_events.change_type = 'add_external_contact'
        and wecom_contact_events.state is not null

),

new_friends as (

    select
        channel_code,
        business_date,
        count(distinct customer_key) as new_wecom_friends
    from adds
    group by channel_code, business_date

),

---------- denominator: customers each code could reach (触达客户数)

store_buyers as (

    select
        store_id,
        business_date,
        coalesce(
            oneid,
            'pos_member_card:' || member_card_no,
            'phone_hash:' || phone_hash,
            'pos_receipt:' || store_id || '|' || receipt_no
        ) as customer_key
    from pos_receipts
    where is_sale

),

store_reach as (

    select
        store_id,
        business_date,
        count(distinct customer_key) as reached_customers
    from store_buyers
    group by store_id, business_date

),

tmall_buyers as (

    select
        tmall_orders.paid_date as business_date,
        coalesce(
            oneid_map.oneid,
            'tmall_buyer_nick_hash:' || tmall_orders.buyer_nick_hash
        ) as customer_key
    from tmall_orders
    left join oneid_map
        on
            oneid_map.identifier_type = 'tmall_buyer_nick_hash'
            and tmall_orders.buyer_nick_hash = oneid_map.identifier_value
    where tmall_orders.is_paid

),

tmall_reach as (

    select
        business_date,
        count(distinct customer_key) as reached_customers
    from tmall_buyers
    group by business_date

),

code_reach as (

    select
        channel_codes.channel_code,
        store_reach.business_date,
        store_reach.reached_customers
    from channel_codes
    inner join store_reach
        on channel_codes.store_id = store_reach.store_id
    where channel_codes.reach_source = 'pos_store'
    union all
    select
        channel_codes.channel_code,
        tmall_reach.business_date,
        tmall_reach.reached_customers
    from channel_codes
    cross join tmall_reach
    where channel_codes.reach_source = 'tmall_paid_orders'

),

---------- one row per (code, day) with an add or a reached customer

code_days as (

    select
        channel_code,
        business_date
    from new_friends
    union distinct
    select
        channel_code,
        business_date
    from code_reach
    where reached_customers > 0

),

joined as (

    select
        code_days.channel_code,
        code_days.business_date,
        coalesce(channel_codes.channel_type, 'unmapped') as channel_type,
        channel_codes.reach_source,
        coalesce(new_friends.new_wecom_friends, 0) as new_wecom_friends,
        case
            when channel_codes.channel_code is not null
                then coalesce(code_reach.reached_customers, 0)
        end as reached_customers
    from code_days
    left join channel_codes
        on code_days.channel_code = channel_codes.channel_code
    left join new_friends
        on
            code_days.channel_code = new_friends.channel_code
            and code_days.business_date = new_friends.business_date
    left join code_reach
        on
            code_days.channel_code = code_reach.channel_code
            and code_days.business_date = code_reach.business_date

),

final as (

    select
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(business_date as date) as business_date,
        cast(channel_type as {{ dbt.type_string() }}) as channel_type,
        cast(reach_source as {{ dbt.type_string() }}) as reach_source,
        cast(new_wecom_friends as bigint) as new_wecom_friends,
        cast(reached_customers as bigint) as reached_customers,
        cast(new_wecom_friends as double) / nullif(reached_customers, 0) as add_friend_rate
    from joined

)

select * from final
