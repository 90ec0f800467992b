{#-
    Customer lifetime value (客户终身价值, CLV) by first-purchase month: what each cohort's
    customers have spent so far, month by month, next to what the CLV models predict for them.
    Definitions: see the mart_clv__cohorts docs.
-#}

{#- months after the first purchase at which the cumulative revenue is reported -#}
{%- set horizons = [1, 3, 6, 12, 24] -%}

with

scores as (

    select * from {{ ref('stg_clv__customer_scores') }}

),

---------- purchases as the CLV models count them: a paid sale not refunded in full

-- store returns are receipts of their own, counted on the day the goods came back
customer_days as (

    select
        oneid,
        coalesce(paid_date, order_date) as business_date,
        net_amount,
        is_paid_sale and net_amount > 0 as is_purchase
    from {{ ref('fct_orders') }}
    where
        oneid is not null
        and (is_paid_sale or channel = 'pos')

),

observation as (

    select max(order_date) as observation_end
    from {{ ref('fct_orders') }}

),

customers as (

    select
        oneid,
        min(business_date) as first_purchase_date,
        cast({{ dbt.date_trunc('month', 'min(business_date)') }} as date) as cohort_month
    from customer_days
    where is_purchase
    group by oneid

),

---------- cumulative net revenue of each customer in the months after the first purchase

customer_revenue as (

    select
        customers.oneid,
        customers.cohort_month,
        {% for months in horizons %}
            sum(
                case
                    when
                        customer_days.business_date
                        < {{ dbt.dateadd('month', months, 'customers.first_purchase_date') }}
                        then customer_days.net_amount
                    else 0
                end
            ) as net_revenue_{{ months }}m{% if not loop.last %},{% endif %}
        {% endfor %}
    from customers
    inner join customer_days
        on
            customers.oneid = customer_days.oneid
            and customers.first_purchase_date <= customer_days.business_date
    group by customers.oneid, customers.cohort_month

),

cohort_revenue as (

    select
        cohort_month,
        count(*) as cohort_customers,
        {% for months in horizons %}
            avg(net_revenue_{{ months }}m) as net_revenue_{{ months }}m
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from customer_revenue
    group by cohort_month

),

cohort_predictions as (

    select
        customers.cohort_month,
        count(scores.oneid) as scored_customers,
        -- averaged as decimals: a sum of doubles varies with the order threads add them in
        {{ decimal_mean('cast(scores.predicted_clv as decimal(18, 6))') }} as mean_predicted_clv,
        {{ decimal_mean('cast(scores.p_alive as decimal(18, 12))') }} as mean_p_alive
    from customers
    left join scores on customers.oneid = scores.oneid
    group by customers.cohort_month

),

-- a horizon is observable when even the cohort's last-day customer has lived through it
final as (

    select
        cast(cohort_revenue.cohort_month as date) as cohort_month,
        cast(cohort_revenue.cohort_customers as bigint) as cohort_customers,
        {% for months in horizons %}
            cast(
                case
                    when
                        {{ dbt.dateadd('month', months + 1, 'cohort_revenue.cohort_month') }}
                        <= {{ dbt.dateadd('day', 1, 'observation.observation_end') }}
                        then cohort_revenue.net_revenue_{{ months }}m
                end
                as decimal(18, 2)
            ) as net_revenue_per_customer_{{ months }}m,
        {% endfor %}
        cast(coalesce(cohort_predictions.scored_customers, 0) as bigint) as scored_customers,
        cast(cohort_predictions.mean_predicted_clv as decimal(18, 2)) as mean_predicted_clv,
        cast(cohort_predictions.mean_p_alive as double) as mean_p_alive
    from cohort_revenue
    cross join observation
    left join cohort_predictions
        on cohort_revenue.cohort_month = cohort_predictions.cohort_month

)

select * from final
