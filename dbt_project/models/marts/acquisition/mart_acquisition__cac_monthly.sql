{#-
    Customer acquisition cost (获客成本, CAC) per business month and spend channel: the money spent
    and the new customers whose first paid order came through the channel. Definitions: see the
    mart_acquisition__cac_monthly docs.
-#}

with

marketing_spend as (

    select * from {{ ref('stg_marketing__spend') }}

),

---------- spend per month and channel (花费)

spend_months as (

    select
        cast({{ dbt.date_trunc('month', 'spend_date') }} as date) as business_month,
        channel_code,
        sum(cost_amount) as spend_amount
    from marketing_spend
    group by cast({{ dbt.date_trunc('month', 'spend_date') }} as date), channel_code

),

spend_channels as (

    select distinct channel_code
    from marketing_spend

),

---------- new customers: each person's first paid order, and the spend channel it came through

first_orders as (

    select
        oneid,
        cast({{ dbt.date_trunc('month', 'paid_date') }} as date) as business_month,
        acquisition_channel_code as channel_code
    from {{ ref('int_customers__first_paid_order') }}

),

new_customer_months as (

    select
        first_orders.business_month,
        first_orders.channel_code,
        count(*) as new_customers
    from first_orders
    inner join spend_channels on first_orders.channel_code = spend_channels.channel_code
    group by first_orders.business_month, first_orders.channel_code

),

---------- one row per month and channel with spend or new customers

channel_months as (

    select
        business_month,
        channel_code
    from spend_months
    union distinct
    select
        business_month,
        channel_code
    from new_customer_months

),

final as (

    select
        cast(channel_months.business_month as date) as business_month,
        cast(channel_months.channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(coalesce(spend_months.spend_amount, 0) as decimal(18, 2)) as spend_amount,
        cast(coalesce(new_customer_months.new_customers, 0) as bigint) as new_customers,
        cast(
            coalesce(spend_months.spend_amount, 0) / nullif(new_customer_months.new_customers, 0)
            as decimal(18, 2)
        ) as cac
    from channel_months
    left join spend_months
        on
            channel_months.business_month = spend_months.business_month
            and channel_months.channel_code = spend_months.channel_code
    left join new_customer_months
        on
            channel_months.business_month = new_customer_months.business_month
            and channel_months.channel_code = new_customer_months.channel_code

)

select * from final
