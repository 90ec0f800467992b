{#-
    Customer lifetime value against acquisition cost (LTV:CAC) per acquisition channel: the
    channel a customer's first paid order came through, credited as mart_acquisition__cac_monthly
    credits it. Definitions: see the mart_clv__ltv_cac_by_channel docs.
-#}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

cac_months as (

    select * from {{ ref('mart_acquisition__cac_monthly') }}

),

scores as (

    select * from {{ ref('stg_clv__customer_scores') }}

),

observation as (

    -- fct_orders itself, not the orders CTE: a CTE read twice is materialised whole
    select max(order_date) as observation_end
    from {{ ref('fct_orders') }}

),

---------- each person's first paid order and the channel it came through (as the CAC mart)

acquired as (

    select
        oneid,
        paid_date as first_paid_date,
        coalesce(acquisition_channel_code, '(none)') as channel_code
    from {{ ref('int_customers__first_paid_order') }}

),

---------- net revenue in the 12 months from the first paid order (store returns included)

customer_ltv as (

    select
        acquired.oneid,
        acquired.channel_code,
        {{ dbt.dateadd('month', 12, 'acquired.first_paid_date') }}
        <= {{ dbt.dateadd('day', 1, 'max(observation.observation_end)') }} as is_observable,
        coalesce(sum(orders.net_amount), 0) as net_revenue_12m
    from acquired
    cross join observation
    left join orders
        on
            acquired.oneid = orders.oneid
            and (orders.is_paid_sale or orders.channel = 'pos')
            and coalesce(orders.paid_date, orders.order_date) >= acquired.first_paid_date
            and coalesce(orders.paid_date, orders.order_date)
            < {{ dbt.dateadd('month', 12, 'acquired.first_paid_date') }}
    group by acquired.oneid, acquired.channel_code, acquired.first_paid_date

),

channel_ltv as (

    select
        customer_ltv.channel_code,
        count(*) as customers,
        count(*) filter (where customer_ltv.is_observable) as ltv_observable_customers,
        {{ decimal_mean(
            'case when customer_ltv.is_observable then customer_ltv.net_revenue_12m end'
        ) }} as mean_ltv_12m,
        sum(case when customer_ltv.is_observable then customer_ltv.net_revenue_12m end)
            as ltv_12m_total,
        count(scores.oneid) as scored_customers,
        -- averaged as decimals: a sum of doubles varies with the order threads add them in
        {{ decimal_mean('cast(scores.predicted_clv as decimal(18, 6))') }} as mean_predicted_clv,
        sum(cast(scores.predicted_clv as decimal(18, 6))) as predicted_clv_total
    from customer_ltv
    left join scores on customer_ltv.oneid = scores.oneid
    group by customer_ltv.channel_code

),

channel_cac as (

    select
        channel_code,
        sum(spend_amount) as spend_amount,
        sum(new_customers) as cac_new_customers
    from cac_months
    group by channel_code

),

joined as (

    select
        coalesce(channel_ltv.channel_code, channel_cac.channel_code) as channel_code,
        coalesce(channel_ltv.customers, 0) as customers,
        coalesce(channel_ltv.ltv_observable_customers, 0) as ltv_observable_customers,
        channel_ltv.mean_ltv_12m,
        coalesce(channel_ltv.scored_customers, 0) as scored_customers,
        channel_ltv.mean_predicted_clv,
        channel_cac.spend_amount,
        -- exact sums and counts, for a CAC and ratios every engine computes to the same double
        channel_ltv.ltv_12m_total,
        channel_ltv.predicted_clv_total,
        {{ decimal_to_double('channel_cac.spend_amount', 2) }}
        / nullif(channel_cac.cac_new_customers, 0) as cac
    from channel_ltv
    full outer join channel_cac on channel_ltv.channel_code = channel_cac.channel_code

),

final as (

    select
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(customers as bigint) as customers,
        cast(ltv_observable_customers as bigint) as ltv_observable_customers,
        cast(mean_ltv_12m as decimal(18, 2)) as mean_ltv_12m,
        cast(scored_customers as bigint) as scored_customers,
        cast(mean_predicted_clv as decimal(18, 2)) as mean_predicted_clv,
        cast(spend_amount as decimal(18, 2)) as spend_amount,
        cast(cac as decimal(18, 2)) as cac,
        cast(
            ({{ decimal_to_double('ltv_12m_total', 2) }} / ltv_observable_customers)
            / nullif(cac, 0)
            as double
        ) as ltv_cac_ratio,
        cast(
            ({{ decimal_to_double('predicted_clv_total', 6) }} / scored_customers)
            / nullif(cac, 0)
            as double
        ) as predicted_clv_cac_ratio
    from joined

)

select * from final
