{#-
    Repurchase per business month: buyers, repeat buyers (复购人数), the repurchase rate (复购率),
    the repurchase interval (复购周期) and their trend.
    Definitions: see the mart_retention__repurchase_monthly docs.
-#}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

---------- purchase days: a customer's days with a purchase (a paid order or store sale not
---------- refunded in full); two purchases on one day are one purchase day

purchase_days as (

    select distinct
        customer_key,
        paid_date as purchase_date
    from orders
    where
        customer_key is not null
        and is_paid_sale
        and net_amount > 0

),

intervals as (

    select
        customer_key,
        purchase_date,
        cast({{ dbt.date_trunc('month', 'purchase_date') }} as date) as business_month,
        {{ dbt.datediff(
            'lag(purchase_date) over (partition by customer_key order by purchase_date)',
            'purchase_date',
            'day',
        ) }} as interval_days,
        count(*) over (
            partition by customer_key, {{ dbt.date_trunc('month', 'purchase_date') }}
        ) as month_purchase_days
    from purchase_days

),

monthly as (

    select
        business_month,
        count(distinct customer_key) as buyers,
        count(distinct case when interval_days is not null then customer_key end)
            as repeat_buyers,
        count(distinct case when month_purchase_days >= 2 then customer_key end)
            as in_month_repeat_buyers,
        count(*) as purchase_days,
        count(interval_days) as repeat_purchase_days,
        percentile_cont(0.5) within group (order by interval_days) as median_interval_days,
        avg(interval_days) as mean_interval_days
    from intervals
    group by business_month

),

---------- one row per business month, from the first to the last month with a purchase

bounds as (

    select
        min(business_month) as first_month,
        max(business_month) as last_month
    from monthly

),

month_offsets as (

    {{ month_offsets('month_offset') }}

),

months as (

    select
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} as date)
            as business_month
    from month_offsets
    cross join bounds
    where
        month_offsets.month_offset
        <= {{ dbt.datediff('bounds.first_month', 'bounds.last_month', 'month') }}

),

rates as (

    select
        months.business_month,
        coalesce(monthly.buyers, 0) as buyers,
        coalesce(monthly.repeat_buyers, 0) as repeat_buyers,
        coalesce(monthly.purchase_days, 0) as purchase_days,
        coalesce(monthly.repeat_purchase_days, 0) as repeat_purchase_days,
        case
            when monthly.buyers > 0
                then cast(monthly.repeat_buyers as double) / monthly.buyers
        end as repurchase_rate,
        coalesce(monthly.in_month_repeat_buyers, 0) as in_month_repeat_buyers,
        case
            when monthly.buyers > 0
                then cast(monthly.in_month_repeat_buyers as double) / monthly.buyers
        end as in_month_repurchase_rate,
        monthly.median_interval_days,
        monthly.mean_interval_days
    from months
    left join monthly on months.business_month = monthly.business_month

),

---------- the trend: against the previous month, and a moving average over the last months

trend as (

    select
        *,
        repurchase_rate - lag(repurchase_rate) over (order by business_month)
            as repurchase_rate_change,
        avg(repurchase_rate) over (
            order by business_month
            rows between {{ var('repurchase_moving_average_months') - 1 }} preceding
            and current row
        ) as repurchase_rate_moving_avg,
        median_interval_days - lag(median_interval_days) over (order by business_month)
            as median_interval_change_days,
        avg(median_interval_days) over (
            order by business_month
            rows between {{ var('repurchase_moving_average_months') - 1 }} preceding
            and current row
        ) as median_interval_moving_avg_days
    from rates

),

final as (

    select
        cast(business_month as date) as business_month,
        cast(buyers as bigint) as buyers,
        cast(repeat_buyers as bigint) as repeat_buyers,
        cast(repurchase_rate as double) as repurchase_rate,
        cast(in_month_repeat_buyers as bigint) as in_month_repeat_buyers,
        cast(in_month_repurchase_rate as double) as in_month_repurchase_rate,
        cast(purchase_days as bigint) as purchase_days,
        cast(repeat_purchase_days as bigint) as repeat_purchase_days,
        cast(median_interval_days as double) as median_interval_days,
        cast(mean_interval_days as double) as mean_interval_days,
        cast(repurchase_rate_change as double) as repurchase_rate_change,
        cast(repurchase_rate_moving_avg as double) as repurchase_rate_moving_avg,
        cast(median_interval_change_days as double) as median_interval_change_days,
        cast(median_interval_moving_avg_days as double) as median_interval_moving_avg_days
    from trend

)

select * from final
