{#-
    Monthly purchase cohorts: the customers whose first purchase fell in a business month, and
    how many of them bought in each later month (留存) or bought a second time (复购).
    Definitions: see the mart_retention__order_cohorts docs.
-#}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

---------- every channel's paid orders and store receipts, by customer

-- an online order counts as a purchase unless it was refunded in full; a store return is a
-- receipt of its own, dated when the goods came back
customer_orders as (

    select
        customer_key,
        coalesce(paid_date, order_date) as purchase_date,
        net_amount,
        is_paid_sale and net_amount > 0 as is_purchase
    from orders
    where
        customer_key is not null
        and (is_paid_sale or channel = 'pos')

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
    from customer_orders
    where is_purchase

),

customers as (

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

customer_months as (

    select
        customer_key,
        cast({{ dbt.date_trunc('month', 'purchase_date') }} as date) as activity_month,
        max(case when is_purchase then 1 else 0 end) = 1 as has_purchase,
        sum(net_amount) as net_amount
    from customer_orders
    group by customer_key, cast({{ dbt.date_trunc('month', 'purchase_date') }} as date)

),

---------- one row per cohort and month since it, up to the latest month with an order

last_month as (

    select max(activity_month) as last_month
    from customer_months

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

activity as (

    select
        customers.cohort_month,
        customer_months.activity_month,
        sum(case when customer_months.has_purchase then 1 else 0 end) as retained_customers,
        sum(customer_months.net_amount) as net_revenue
    from customer_months
    inner join customers on customer_months.customer_key = customers.customer_key
    where customer_months.activity_month >= customers.cohort_month
    group by customers.cohort_month, customer_months.activity_month

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
        coalesce(activity.retained_customers, 0) as retained_customers,
        coalesce(repurchases.repurchased_customers, 0) as repurchased_customers,
        coalesce(activity.net_revenue, 0) as net_revenue
    from cohort_grid
    left join activity
        on
            cohort_grid.cohort_month = activity.cohort_month
            and cohort_grid.activity_month = activity.activity_month
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
