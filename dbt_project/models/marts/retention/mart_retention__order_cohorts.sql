{#-
    Monthly purchase cohorts: the customers whose first purchase fell in a business month, and
    how many of them bought in each later month (留存) or bought a second time (复购).
    Definitions: see the mart_retention__order_cohorts docs.
-#}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

money_movements as (

    select * from {{ ref('fct_order_money_movements') }}

),

---------- every channel's purchases, by customer

-- an online order or a store sale counts as a purchase unless it was refunded in full
purchases as (

    select
        customer_key,
        paid_date as purchase_date
    from orders
    where
        customer_key is not null
        and is_paid_sale
        and net_amount > 0

),

---------- cohorts: the month of each customer's first purchase

purchases_ranked as (

    select
        customer_key,
        purchase_date,
        row_number() over (
            partition by customer_key
            order by purchase_date
        ) as purchase_rank
    from purchases

),

first_purchases as (

    select
        customer_key,
        cast({{ dbt.date_trunc('month', 'min(purchase_date)') }} as date) as cohort_month,
        cast(
            {{ dbt.date_trunc(
                'month',
                'min(case when purchase_rank = 2 then purchase_date end)',
            ) }} as date
        ) as repurchase_month
    from purchases_ranked
    group by customer_key

),

-- a brand can start the cohorts later than its data: earlier first purchases join no cohort
customers as (

    select *
    from first_purchases
    {% if var('cohort_first_month') is not none -%}
        where cohort_month >= cast('{{ var("cohort_first_month") }}' as date)
    {%- endif %}

),

customer_purchase_months as (

    select distinct
        customer_key,
        cast({{ dbt.date_trunc('month', 'purchase_date') }} as date) as activity_month
    from purchases

),

-- money by the month it moved: a refund lowers the month it is booked in, a store return the
-- month the goods came back; orders paid before the cohort month were refunded in full
customer_money_months as (

    select
        money_movements.customer_key,
        cast({{ dbt.date_trunc('month', 'money_movements.business_date') }} as date)
            as activity_month,
        sum(money_movements.amount) as net_amount
    from money_movements
    inner join customers on money_movements.customer_key = customers.customer_key
    where
        coalesce(money_movements.order_paid_date, money_movements.business_date)
        >= customers.cohort_month
    group by
        money_movements.customer_key,
        cast({{ dbt.date_trunc('month', 'money_movements.business_date') }} as date)

),

---------- one row per cohort and month since it, up to the latest month with an order

last_month as (

    select max(activity_month) as last_month
    from (
        select activity_month from customer_purchase_months
        union all
        select activity_month from customer_money_months
    ) as activity_months

),

month_offsets as (

    {{ month_offsets('months_since_first') }}

),

cohorts as (

    select
        cohort_month,
        count(*) as cohort_customers
    from customers
    group by cohort_month

),

cohort_grid as (

    select
        cohorts.cohort_month,
        cohorts.cohort_customers,
        month_offsets.months_since_first,
        cast(
            {{ dbt.dateadd('month', 'month_offsets.months_since_first', 'cohorts.cohort_month') }}
            as date
        ) as activity_month
    from cohorts
    cross join month_offsets
    cross join last_month
    where
        month_offsets.months_since_first
        <= {{ dbt.datediff('cohorts.cohort_month', 'last_month.last_month', 'month') }}

),

retained as (

    select
        customers.cohort_month,
        customer_purchase_months.activity_month,
        count(*) as retained_customers
    from customer_purchase_months
    inner join customers on customer_purchase_months.customer_key = customers.customer_key
    where customer_purchase_months.activity_month >= customers.cohort_month
    group by customers.cohort_month, customer_purchase_months.activity_month

),

revenue as (

    select
        customers.cohort_month,
        customer_money_months.activity_month,
        sum(customer_money_months.net_amount) as net_revenue
    from customer_money_months
    inner join customers on customer_money_months.customer_key = customers.customer_key
    group by customers.cohort_month, customer_money_months.activity_month

),

repurchases as (

    select
        cohort_grid.cohort_month,
        cohort_grid.activity_month,
        count(*) as repurchased_customers
    from cohort_grid
    inner join customers
        on
            cohort_grid.cohort_month = customers.cohort_month
            and cohort_grid.activity_month >= customers.repurchase_month
    group by cohort_grid.cohort_month, cohort_grid.activity_month

),

joined as (

    select
        cohort_grid.cohort_month,
        cohort_grid.months_since_first,
        cohort_grid.activity_month,
        cohort_grid.cohort_customers,
        coalesce(retained.retained_customers, 0) as retained_customers,
        coalesce(repurchases.repurchased_customers, 0) as repurchased_customers,
        coalesce(revenue.net_revenue, 0) as net_revenue
    from cohort_grid
    left join retained
        on
            cohort_grid.cohort_month = retained.cohort_month
            and cohort_grid.activity_month = retained.activity_month
    left join revenue
        on
            cohort_grid.cohort_month = revenue.cohort_month
            and cohort_grid.activity_month = revenue.activity_month
    left join repurchases
        on
            cohort_grid.cohort_month = repurchases.cohort_month
            and cohort_grid.activity_month = repurchases.activity_month

),

final as (

    select
        cast(cohort_month as date) as cohort_month,
        cast(months_since_first as bigint) as months_since_first,
        cast(activity_month as date) as activity_month,
        cast(cohort_customers as bigint) as cohort_customers,
        cast(retained_customers as bigint) as retained_customers,
        cast(cast(retained_customers as double) / cohort_customers as double) as retention_rate,
        cast(repurchased_customers as bigint) as repurchased_customers,
        cast(cast(repurchased_customers as double) / cohort_customers as double)
            as repurchase_rate,
        cast(net_revenue as decimal(18, 2)) as net_revenue
    from joined

)

select * from final
