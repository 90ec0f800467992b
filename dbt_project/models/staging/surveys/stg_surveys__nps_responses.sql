with

latest as (

    {{ latest_copies(source('surveys', 'nps_responses'), ['survey_id', 'response_no']) }}

),

final as (

    select
        ---------- ids
        survey_id,
        response_no,
        nullif(trim(phone_hash), '') as phone_hash,
        nullif(trim(unionid), '') as unionid,

        ---------- answer
        nullif(trim(touchpoint), '') as touchpoint,
        score,
        case
            when score >= 9 then 'promoter'
            when score >= 7 then 'passive'
            else 'detractor'
        end as nps_category,
        nullif(trim(comment), '') as comment_text,
        time_taken as time_taken_seconds,

        ---------- timestamps (Asia/Shanghai wall-clock)
        submitted_at,
        {{ to_business_date('submitted_at') }} as submitted_date,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
