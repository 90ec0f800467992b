{#-
    The KOC score (关键意见消费者, key opinion consumer) of every person, 0–100: a weighted share
    of five signals of influence, each capped at a dbt var. Formula: see the
    int_customers__koc docs.
-#}

{%- set weights = {
    'referral': var('koc_weight_referral'),
    'nps_promoter': var('koc_weight_nps_promoter'),
    'repeat_buyer': var('koc_weight_repeat_buyer'),
    'groups': var('koc_weight_groups'),
    'live': var('koc_weight_live'),
} -%}
{%- set total_weight = weights.values() | sum -%}
{%- if total_weight <= 0 -%}
    {{ exceptions.raise_compiler_error("the koc_weight_* vars must add up to more than 0") }}
{%- endif -%}

with

customers as (

    select * from {{ ref('int_customers__identifiers') }}

),

referrals as (

    select * from {{ ref('int_customers__referrals') }}

),

nps as (

    select * from {{ ref('int_customers__nps') }}

),

orders_summary as (

    select * from {{ ref('int_customers__orders_summary') }}

),

groups as (

    select * from {{ ref('int_customers__groups') }}

),

live as (

    select * from {{ ref('int_customers__live') }}

),

---------- each signal as a share from 0 to 1

signals as (

    select
        customers.oneid,
        1.0 * least(
            coalesce(referrals.credited_invitees, 0), {{ var('koc_referral_cap_invitees') }}
        ) / {{ var('koc_referral_cap_invitees') }} as referral_share,
        -- a promoter (推荐者) in the NPS sense: the latest answer scores 9 or 10
        case when nps.latest_nps_score >= 9 then 1 else 0 end as nps_promoter_share,
        case
            when coalesce(orders_summary.frequency, 0) >= {{ var('koc_repeat_min_orders') }}
                then 1
            else 0
        end as repeat_buyer_share,
        1.0 * least(
            coalesce(groups.groups_joined, 0), {{ var('koc_groups_cap') }}
        ) / {{ var('koc_groups_cap') }} as groups_share,
        1.0 * least(
            coalesce(live.live_rooms_commented, 0), {{ var('koc_live_cap_rooms') }}
        ) / {{ var('koc_live_cap_rooms') }} as live_share
    from customers
    left join referrals on customers.oneid = referrals.oneid
    left join nps on customers.oneid = nps.oneid
    left join orders_summary on customers.oneid = orders_summary.oneid
    left join groups on customers.oneid = groups.oneid
    left join live on customers.oneid = live.oneid

),

scored as (

    select
        oneid,
        round(
            100.0 * (
                {{ weights['referral'] }} * referral_share
                + {{ weights['nps_promoter'] }} * nps_promoter_share
                + {{ weights['repeat_buyer'] }} * repeat_buyer_share
                + {{ weights['groups'] }} * groups_share
                + {{ weights['live'] }} * live_share
            ) / {{ total_weight }},
            1
        ) as koc_score
    from signals

),

final as (

    select
        oneid,
        koc_score,
        koc_score >= {{ var('koc_min_score') }} as is_koc
    from scored

)

select * from final
