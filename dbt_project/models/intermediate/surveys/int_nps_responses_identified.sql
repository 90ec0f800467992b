with

nps_responses as (

    select * from {{ ref('stg_surveys__nps_responses') }}

),

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

-- one row per answer sheet, with the person who filled it in
final as (

    select
        nps_responses.survey_id,
        nps_responses.response_no,
        nps_responses.touchpoint,
        nps_responses.score,
        nps_responses.nps_category,
        nps_responses.submitted_date,
        cast({{ dbt.date_trunc('month', 'nps_responses.submitted_date') }} as date)
            as business_month,
        coalesce(phone_map.oneid, unionid_map.oneid) as oneid,
        -- a sheet nobody can be linked to is a respondent of its own
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

)

select * from final
