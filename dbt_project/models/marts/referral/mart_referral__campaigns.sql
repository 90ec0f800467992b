with

referral_invites as (

    select * from {{ ref('fct_referral_invites') }}

),

---------- every invite counts once; people count once per campaign

campaigns as (

    select
        campaign_id,
        min(invited_date) as first_invited_date,
        max(invited_date) as last_invited_date,
        count(*) as invites,
        sum(case when fraud_reason = 'self_invite' then 1 else 0 end) as self_invites,
        sum(case when fraud_reason = 'invite_farm' then 1 else 0 end) as farm_invites,
        sum(case when fraud_reason = 'reward_rejected' then 1 else 0 end) as rejected_invites,
        sum(case when is_fraud then 1 else 0 end) as fraud_invites,
        sum(case when is_fraud then 0 else 1 end) as valid_invites,
        count(distinct inviter_key) as inviters,
        count(distinct case when not is_fraud then inviter_key end) as valid_inviters,
        -- a credited invite is an invitee's first valid one, so these count people once
        sum(case when is_credited then 1 else 0 end) as invitees,
        sum(case when is_credited and is_converted then 1 else 0 end) as converted_invitees,
        count(distinct case when generation = 1 then root_inviter_key end) as root_inviters,
        coalesce(max(generation), 0) as tree_depth,
        sum(
            case when is_fraud and reward_status = 'granted' then reward_amount else 0 end
        ) as fraud_reward_amount
    from referral_invites
    group by campaign_id

),

final as (

    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(first_invited_date as date) as first_invited_date,
        cast(last_invited_date as date) as last_invited_date,
        cast(
            {{ dbt.dateadd('day', var('referral_conversion_window_days'), 'last_invited_date') }}
            as date
        ) as conversion_end_date,
        cast(invites as bigint) as invites,
        cast(self_invites as bigint) as self_invites,
        cast(farm_invites as bigint) as farm_invites,
        cast(rejected_invites as bigint) as rejected_invites,
        cast(fraud_invites as bigint) as fraud_invites,
        cast(valid_invites as bigint) as valid_invites,
        cast(fraud_invites as double) / invites as fraud_rate,
        cast(inviters as bigint) as inviters,
        cast(valid_inviters as bigint) as valid_inviters,
        cast(invitees as bigint) as invitees,
        cast(converted_invitees as bigint) as converted_invitees,
        cast(converted_invitees as double) / nullif(invitees, 0) as conversion_rate,
        cast(converted_invitees as double) / nullif(valid_inviters, 0) as k_factor,
        cast(root_inviters as bigint) as root_inviters,
        cast(tree_depth as integer) as tree_depth,
        cast(fraud_reward_amount as decimal(18, 2)) as fraud_reward_amount
    from campaigns

)

select * from final
