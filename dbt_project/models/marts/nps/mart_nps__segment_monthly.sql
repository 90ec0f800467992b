{#-
    NPS per customer segment and business month: by the respondent's RFM segment and by their
    user tier, both as of the run (dim_customers).
    Definitions: see the mart_nps__segment_monthly docs.
-#}

with

nps_responses as (

    select * from {{ ref('int_nps_responses_identified') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

-- each answer sheet once per kind of segment, so each kind adds up to the month
responses as (

    select
        'rfm_segment' as segment_type,
        case
            when customers.oneid is null then '(unlinked)'
            else coalesce(customers.rfm_segment, '(none)')
        end as segment,
        nps_responses.business_month,
        nps_responses.nps_category,
        nps_responses.customer_key
    from nps_responses
    left join customers on nps_responses.oneid = customers.oneid

    union all

    select
        'user_tier' as segment_type,
        coalesce(customers.user_tier, '(unlinked)') as segment,
        nps_responses.business_month,
        nps_responses.nps_category,
        nps_responses.customer_key
    from nps_responses
    left join customers on nps_responses.oneid = customers.oneid

),

---------- every answer sheet counts, so a person answering twice in a month counts twice

segment_monthly as (

    select
        segment_type,
        segment,
        business_month,
        {{ nps_counts() }}
    from responses
    group by segment_type, segment, business_month

),

final as (

    select
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(business_month as date) as business_month,
        {{ nps_scores() }}
    from segment_monthly

)

select * from final
