{#-
    Guide and store attribution (导购归因) of every paid order with a oneid: the candidate of
    each rule, the rule in force and where the rules disagree. Rules: see the
    fct_order_attribution docs.
-#}

{%- set rules = ['exclusive_guide', 'last_guide_touch', 'store_of_purchase'] -%}
{%- set rule = var('attribution_rule') -%}
{%- if rule not in rules -%}
    {{ exceptions.raise_compiler_error(
        "var('attribution_rule') must be one of " ~ rules ~ ", not '" ~ rule ~ "'"
    ) }}
{%- endif -%}
{%- set credited_guide, credited_store = {
    'exclusive_guide': ('compared.exclusive_guide_userid', 'compared.exclusive_store_id'),
    'last_guide_touch': ('compared.last_touch_guide_userid', 'compared.last_touch_store_id'),
    'store_of_purchase': (
        'coalesce(compared.exclusive_guide_userid, compared.last_touch_guide_userid)',
        'compared.purchase_store_id',
    ),
}[rule] -%}
{%- set window_days = var('attribution_last_touch_window_days') -%}
{#- a receipt's store against each guide rule's store: (flag, rule, its guide, its store) -#}
{%- set store_conflicts = [
    ('exclusive_vs_store_conflict', 'exclusive guide', 'exclusive_guide_userid',
     'exclusive_store_id'),
    ('last_touch_vs_store_conflict', 'last touch', 'last_touch_guide_userid',
     'last_touch_store_id'),
] -%}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

wecom_relationships as (

    select * from {{ ref('fct_wecom_relationships') }}

),

channel_codes as (

    select * from {{ ref('channel_codes') }}

),

paid_orders as (

    select
        order_key,
        channel,
        store_id,
        oneid,
        paid_at,
        paid_date,
        paid_amount,
        net_amount
    from orders
    where is_paid_sale and oneid is not null

),

-- the same orders read again, narrowly: a CTE read twice is materialised whole (9M orders)
buyer_orders as (

    select
        order_key,
        oneid,
        paid_at,
        paid_date
    from {{ ref('fct_orders') }}
    where is_paid_sale and oneid is not null

),

---------- a guide's store: the store whose till codes (门店活码) brought most of their adds

guide_store_adds as (

    select
        wecom_relationships.guide_userid,
        channel_codes.store_id,
        count(*) as store_adds
    from wecom_relationships
    inner join channel_codes
        on wecom_relationships.add_state = channel_codes.channel_code
    where channel_codes.channel_type = 'store_qr'
    group by wecom_relationships.guide_userid, channel_codes.store_id

),

guide_stores as (

    select
        guide_userid,
        store_id,
        row_number() over (
            partition by guide_userid
            order by store_adds desc, store_id asc
        ) as store_rank
    from guide_store_adds

),

---------- the relationships open when the order was paid

open_relationships as (

    select
        buyer_orders.order_key,
        buyer_orders.paid_at,
        wecom_relationships.guide_userid,
        wecom_relationships.valid_from,
        {{ dbt.datediff('wecom_relationships.added_date', 'buyer_orders.paid_date', 'day') }}
            as days_before,
        -- the owning guide is the one the customer has kept longest
        row_number() over (
            partition by buyer_orders.order_key
            order by wecom_relationships.valid_from, wecom_relationships.guide_userid
        ) as owner_rank,
        row_number() over (
            partition by buyer_orders.order_key
            order by wecom_relationships.valid_from desc, wecom_relationships.guide_userid asc
        ) as touch_rank
    from buyer_orders
    inner join wecom_relationships
        on
            buyer_orders.oneid = wecom_relationships.oneid
            and buyer_orders.paid_at >= wecom_relationships.valid_from
            and (
                wecom_relationships.valid_to is null
                or buyer_orders.paid_at < wecom_relationships.valid_to
            )

),

-- the owner (longest kept) and the last touch (within the window) of each order, in one pass
order_guides as (

    select
        order_key,
        max(case when owner_rank = 1 then guide_userid end) as exclusive_guide_userid,
        max(case when owner_rank = 1 then valid_from end) as exclusive_guide_added_at,
        max(case when is_last_touch then guide_userid end) as last_touch_guide_userid,
        max(case when is_last_touch then valid_from end) as last_touch_added_at,
        max(case when is_last_touch then days_before end) as last_touch_days_before
    from (
        select
            *,
            touch_rank = 1
            and valid_from >= {{ dbt.dateadd('day', -window_days, 'paid_at') }} as is_last_touch
        from open_relationships
    ) as ranked
    where owner_rank = 1 or is_last_touch
    group by order_key

),

---------- the candidate of each rule

candidates as (

    select
        paid_orders.*,
        order_guides.exclusive_guide_userid,
        order_guides.exclusive_guide_added_at,
        exclusive_stores.store_id as exclusive_store_id,
        order_guides.last_touch_guide_userid,
        order_guides.last_touch_added_at,
        order_guides.last_touch_days_before,
        last_touch_stores.store_id as last_touch_store_id,
        -- a receipt names its store; an online order takes the store of the guide who serves
        case
            when paid_orders.channel = 'pos' then paid_orders.store_id
            else coalesce(exclusive_stores.store_id, last_touch_stores.store_id)
        end as purchase_store_id
    from paid_orders
    left join order_guides on paid_orders.order_key = order_guides.order_key
    left join guide_stores as exclusive_stores
        on
            order_guides.exclusive_guide_userid = exclusive_stores.guide_userid
            and exclusive_stores.store_rank = 1
    left join guide_stores as last_touch_stores
        on
            order_guides.last_touch_guide_userid = last_touch_stores.guide_userid
            and last_touch_stores.store_rank = 1

),

---------- where the rules disagree: both name a candidate and the candidates differ

-- an online order's store comes from its guide, so only a receipt's store can disagree
compared as (

    select
        *,
        coalesce(exclusive_guide_userid <> last_touch_guide_userid, false)
            as exclusive_vs_last_touch_conflict,
        coalesce(channel = 'pos' and exclusive_store_id <> purchase_store_id, false)
            as exclusive_vs_store_conflict,
        coalesce(channel = 'pos' and last_touch_store_id <> purchase_store_id, false)
            as last_touch_vs_store_conflict
    from candidates

),

final as (

    select
        cast(compared.order_key as {{ dbt.type_string() }}) as order_key,
        cast(compared.channel as {{ dbt.type_string() }}) as channel,
        cast(compared.oneid as {{ dbt.type_string() }}) as oneid,
        cast(compared.paid_at as timestamp) as paid_at,
        cast(compared.paid_date as date) as paid_date,
        cast(compared.paid_amount as decimal(18, 2)) as paid_amount,
        cast(compared.net_amount as decimal(18, 2)) as net_amount,
        cast(compared.exclusive_guide_userid as {{ dbt.type_string() }})
            as exclusive_guide_userid,
        cast(compared.exclusive_guide_added_at as timestamp) as exclusive_guide_added_at,
        cast(compared.exclusive_store_id as {{ dbt.type_string() }}) as exclusive_store_id,
        cast(compared.last_touch_guide_userid as {{ dbt.type_string() }})
            as last_touch_guide_userid,
        cast(compared.last_touch_added_at as timestamp) as last_touch_added_at,
        cast(compared.last_touch_days_before as bigint) as last_touch_days_before,
        cast(compared.last_touch_store_id as {{ dbt.type_string() }}) as last_touch_store_id,
        cast(compared.purchase_store_id as {{ dbt.type_string() }}) as purchase_store_id,
        cast('{{ rule }}' as {{ dbt.type_string() }}) as attribution_rule,
        cast({{ credited_guide }} as {{ dbt.type_string() }}) as credited_guide_userid,
        cast({{ credited_store }} as {{ dbt.type_string() }}) as credited_store_id,
        compared.exclusive_vs_last_touch_conflict,
        compared.exclusive_vs_store_conflict,
        compared.last_touch_vs_store_conflict,
        compared.exclusive_vs_last_touch_conflict
        or compared.exclusive_vs_store_conflict
        or compared.last_touch_vs_store_conflict as attribution_conflict,
        -- the reasons in rule order, '; ' between; concat_ws skips the rules that agree
        cast(nullif(concat_ws(
            '; ',
            case
                when compared.exclusive_vs_last_touch_conflict
                    then
                        'exclusive guide ' || compared.exclusive_guide_userid
                        || ' differs from last touch ' || compared.last_touch_guide_userid
                        || ' (added '
                        || cast(compared.last_touch_days_before as {{ dbt.type_string() }})
                        || ' days before)'
            end,
            {% for conflict, other_rule, guide, store in store_conflicts -%}
                case
                    when compared.{{ conflict }}
                        then
                            'store of purchase ' || compared.purchase_store_id
                            || ' differs from {{ other_rule }} ' || compared.{{ guide }}
                            || '''s store ' || compared.{{ store }}
                end{{ ',' if not loop.last }}
            {% endfor %}
        ), '') as {{ dbt.type_string() }}) as conflict_reason
    from compared

)

select * from final
