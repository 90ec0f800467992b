with

referral_invites as (

    select * from {{ ref('fct_referral_invites') }}

),

---------- the valid, credited invites each root's tree is made of

members as (

    select
        campaign_id,
        root_inviter_key,
        invited_at,
        generation,
        is_converted
    from referral_invites
    where generation is not null

),

trees as (

    select
        campaign_id,
        root_inviter_key,
        min(invited_at) as first_invited_at,
        max(invited_at) as last_invited_at,
        count(*) as tree_size,
        sum(case when generation = 1 then 1 else 0 end) as direct_invitees,
        max(generation) as tree_depth,
        sum(case when is_converted then 1 else 0 end) as converted_descendants
    from members
    group by campaign_id, root_inviter_key

),

-- what the tree leaves out: the root's own invites flagged as fraud
root_fraud as (

    select
        campaign_id,
        inviter_key as root_inviter_key,
        max(inviter_oneid) as root_inviter_oneid,
        sum(case when is_fraud then 1 else 0 end) as root_fraud_invites
    from referral_invites
    group by campaign_id, inviter_key

),

final as (

    select
        cast(trees.campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(trees.root_inviter_key as {{ dbt.type_string() }}) as root_inviter_key,
        cast(root_fraud.root_inviter_oneid as {{ dbt.type_string() }}) as root_inviter_oneid,
        cast(trees.first_invited_at as timestamp) as first_invited_at,
        cast(trees.last_invited_at as timestamp) as last_invited_at,
        cast(trees.tree_size as bigint) as tree_size,
        cast(trees.direct_invitees as bigint) as direct_invitees,
        cast(trees.tree_depth as integer) as tree_depth,
        cast(trees.converted_descendants as bigint) as converted_descendants,
        cast(trees.converted_descendants as double) / trees.tree_size as conversion_rate,
        cast(root_fraud.root_fraud_invites as bigint) as root_fraud_invites
    from trees
    inner join root_fraud
        on
            trees.campaign_id = root_fraud.campaign_id
            and trees.root_inviter_key = root_fraud.root_inviter_key

)

select * from final
