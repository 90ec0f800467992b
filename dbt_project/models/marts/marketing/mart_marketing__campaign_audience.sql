{#-
    Who a campaign may contact per marketing purpose: one row per person × purpose, for every
    person whose latest consent signal for the purpose is a grant and who can be reached through
    the purpose's channel. Rules: see the mart_marketing__campaign_audience docs.
-#}

with

consent as (

    select * from {{ ref('int_customers__consent_by_purpose') }}

),

reachability as (

    select * from {{ ref('int_customers__reachability') }}

),

-- the channel each purpose contacts a person through
reachable as (

    select
        consent.oneid,
        consent.purpose,
        consent.consent_source,
        consent.consent_updated_at,
        case consent.purpose
            when 'marketing_sms' then 'sms'
            when 'marketing_call' then 'phone_call'
            when 'marketing_wecom' then 'wecom'
            when 'marketing_oa' then 'official_account'
        end as contact_channel,
        case consent.purpose
            when 'marketing_sms' then reachability.has_phone
            when 'marketing_call' then reachability.has_phone
            when 'marketing_wecom' then reachability.is_wecom_friend
            when 'marketing_oa' then reachability.follows_oa
            else false
        end as is_reachable
    from consent
    inner join reachability on consent.oneid = reachability.oneid
    where consent.is_granted

),

final as (

    select
        cast(oneid as {{ dbt.type_string() }}) as oneid,
        cast(purpose as {{ dbt.type_string() }}) as purpose,
        cast(contact_channel as {{ dbt.type_string() }}) as contact_channel,
        cast(consent_source as {{ dbt.type_string() }}) as consent_source,
        cast(consent_updated_at as timestamp) as consent_granted_at
    from reachable
    where is_reachable

)

select * from final
