with

responses as (

    select * from {{ ref('int_nps_responses_identified') }}

),

---------- every answer sheet counts, so a person answering twice in a month counts twice

monthly as (

    select
        business_month,
        count(*) as responses,
        count(distinct customer_key) as respondents,
        sum(case when nps_category = 'promoter' then 1 else 0 end) as promoters,
        sum(case when nps_category = 'passive' then 1 else 0 end) as passives,
        sum(case when nps_category = 'detractor' then 1 else 0 end) as detractors
    from responses
    group by business_month

),

final as (

    select
        cast(business_month as date) as business_month,
        cast(responses as bigint) as responses,
        cast(respondents as bigint) as respondents,
        cast(promoters as bigint) as promoters,
        cast(passives as bigint) as passives,
        cast(detractors as bigint) as detractors,
        cast(promoters as double) / responses as promoter_rate,
        cast(detractors as double) / responses as detractor_rate,
        100.0 * cast(promoters - detractors as double) / responses as nps
    from monthly

)

select * from final
