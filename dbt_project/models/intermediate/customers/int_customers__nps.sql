{#-
    The latest NPS answer sheet of every person who answered one (int_nps_responses_identified).
-#}

with

nps_responses as (

    select * from {{ ref('int_nps_responses_identified') }}

),

nps_ranked as (

    select
        oneid,
        score,
        submitted_date,
        row_number() over (
            partition by oneid
            order by submitted_date desc, survey_id desc, response_no desc
        ) as response_rank
    from nps_responses
    where oneid is not null

),

final as (

    select
        oneid,
        score as latest_nps_score,
        submitted_date as latest_nps_date
    from nps_ranked
    where response_rank = 1

)

select * from final
