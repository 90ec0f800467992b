{#-
    NPS per first-touch channel (首触渠道) of the respondent and business month.
    Definitions: see the mart_nps__channel_monthly docs.
-#}

with

nps_responses as (

    select * from {{ ref('int_nps_responses_identified') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

-- a respondent the OneID map does not know has no known first touch
responses as (

    select
        coalesce(customers.first_seen_source, '(unlinked)') as first_touch_channel,
        nps_responses.business_month,
        nps_responses.nps_category,
        nps_responses.customer_key
    from nps_responses
    left join customers on nps_responses.oneid = customers.oneid

),

---------- every answer sheet counts, so a person answering twice in a month counts twice

channel_monthly as (

    select
        first_touch_channel,
        business_month,
        {{ nps_counts() }}
    from responses
    group by first_touch_channel, business_month

),

final as (

    select
        cast(first_touch_channel as {{ dbt.type_string() }}) as first_touch_channel,
        cast(business_month as date) as business_month,
        {{ nps_scores() }}
    from channel_monthly

)

select * from final
