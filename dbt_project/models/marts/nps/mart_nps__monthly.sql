with

responses as (

    select * from {{ ref('int_nps_responses_identified') }}

),

---------- every answer sheet counts, so a person answering twice in a month counts twice

monthly as (

    select
        business_month,
        {{ nps_counts() }}
    from responses
    group by business_month

),

final as (

    select
        cast(business_month as date) as business_month,
        {{ nps_scores() }}
    from monthly

)

select * from final
