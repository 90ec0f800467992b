{#-
    The referral (裂变) invitees credited to every person as inviter, fraud excluded
    (fct_referral_invites.is_credited).
-#}

with

referral_invites as (

    select * from {{ ref('fct_referral_invites') }}

),

final as (

    select
        inviter_oneid as oneid,
        count(distinct invitee_key) as credited_invitees
    from referral_invites
    where inviter_oneid is not null and is_credited
    group by inviter_oneid

)

select * from final
