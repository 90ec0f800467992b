with

nps_responses as (

    select * from {{ ref('stg_surveys__nps_responses') }}

),

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

---------- one row per answer sheet, with the person who filled it in

responses as (

    select
        cast({{ dbt.date_trunc('month', 'nps_responses.submitted_date') }} as date)
            as business_month,
        nps_responses.nps_category,
        coalesce(
            phone_map.oneid,
            unionid_map.oneid,
            'phone_hash:' || nps_responses.phone_hash,
            'unionid:' || nps_responses.unionid,
            'nps_response:' || nps_responses.survey_id
            || '|' || cast(nps_responses.response_no as {{ dbt.type_string() }})
        ) as customer_key
    from nps_responses
    left join oneid_map as phone_map
        on
            phone_map.identifier_type = 'phone_hash'
            and nps_responses.phone_hash = phone_map.identifier_value
    left join oneid_map as unionid_map
        on
            unionid_map.identifier_type = 'unionid'
            and nps_responses.unionid = unionid_map.identifier_value

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
