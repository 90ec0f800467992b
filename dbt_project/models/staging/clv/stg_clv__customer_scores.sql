with

source as (

    select * from {{ source('clv', 'customer_scores') }}

),

final as (

    select
        oneid,
        first_purchase_date,
        frequency,
        recency_days,
        age_days,
        monetary_value,
        p_alive,
        expected_purchases_90d,
        expected_purchases_365d,
        expected_avg_spend,
        predicted_clv,
        scored_at
    from source

)

select * from final
