with

nps_responses as (

    select * from {{ ref('int_nps_responses_identified') }}

),

responses as (

    select
        -- an answer without a 来源渠道 still counts, under its own label
        coalesce(touchpoint, '(none)') as touchpoint,
        business_month,
        nps_category,
        customer_key
    from nps_responses

),

---------- every answer sheet counts, so a person answering twice in a month counts twice

touchpoint_monthly as (

    select
        touchpoint,
        business_month,
        {{ nps_counts() }}
    from responses
    group by touchpoint, business_month

),

final as (

    select
        cast(touchpoint as {{ dbt.type_string() }}) as touchpoint,
        cast(business_month as date) as business_month,
        {{ nps_scores() }}
    from touchpoint_monthly

)

select * from final
