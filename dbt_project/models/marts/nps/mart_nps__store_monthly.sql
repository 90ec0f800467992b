{#-
    NPS per store and business month: a store survey answer goes to the store visited, every
    other answer to the respondent's home store (常去门店).
    Definitions: see the mart_nps__store_monthly docs.
-#}

with

nps_responses as (

    select * from {{ ref('int_nps_responses_identified') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

home_stores as (

    select * from {{ ref('int_customers__home_store') }}

),

-- store sales of known customers (an anonymous receipt names nobody)
store_sales as (

    select
        customer_key,
        store_id,
        paid_date,
        paid_at
    from orders
    where
        channel = 'pos'
        and is_paid_sale
        and customer_key is not null

),

---------- the store a 门店 answer rates: the latest store sale on or before its day

visited_stores as (

    select
        nps_responses.survey_id,
        nps_responses.response_no,
        store_sales.store_id,
        row_number() over (
            partition by nps_responses.survey_id, nps_responses.response_no
            order by store_sales.paid_at desc, store_sales.store_id asc
        ) as visit_rank
    from nps_responses
    inner join store_sales
        on
            nps_responses.customer_key = store_sales.customer_key
            and nps_responses.submitted_date >= store_sales.paid_date
    where nps_responses.touchpoint = '门店'

),

responses as (

    select
        coalesce(visited_stores.store_id, home_stores.home_store_id, '(none)') as store_id,
        visited_stores.store_id is not null as is_store_visit,
        nps_responses.business_month,
        nps_responses.nps_category,
        nps_responses.customer_key
    from nps_responses
    left join visited_stores
        on
            nps_responses.survey_id = visited_stores.survey_id
            and nps_responses.response_no = visited_stores.response_no
            and visited_stores.visit_rank = 1
    left join home_stores on nps_responses.customer_key = home_stores.customer_key

),

---------- every answer sheet counts, so a person answering twice in a month counts twice

store_monthly as (

    select
        store_id,
        business_month,
        sum(case when is_store_visit then 1 else 0 end) as visit_responses,
        {{ nps_counts() }}
    from responses
    group by store_id, business_month

),

final as (

    select
        cast(store_id as {{ dbt.type_string() }}) as store_id,
        cast(business_month as date) as business_month,
        cast(visit_responses as bigint) as visit_responses,
        {{ nps_scores() }}
    from store_monthly

)

select * from final
