{#-
    Customer acquisition cost (获客成本, CAC) per business month and spend channel: the money spent
    and the new customers whose first paid order came through the channel. Definitions: see the
    mart_acquisition__cac_monthly docs.
-#}

with

marketing_spend as (

    select * from {{ ref('stg_marketing__spend') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

channel_codes as (

    select * from {{ ref('channel_codes') }}

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

ranked_orders as (

    select
        oneid,
        channel,
        store_id,
        channel_code,
        paid_date,
        row_number() over (
            partition by oneid
            order by paid_at, order_key
        ) as order_rank
    from orders
    where is_paid_sale and oneid is not null

),

platform_channels as (
    {% for order_channel, spend_channel in var('cac_platform_spend_channels').items() %}
        select
            '{{ order_channel }}' as order_channel,
            '{{ spend_channel }}' as channel_code
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

first_orders as (

    select
        ranked_orders.oneid,
        cast({{ dbt.date_trunc('month', 'ranked_orders.paid_date') }} as date) as business_month,
        {{ acquisition_channel_code('ranked_orders', 'platform_channels', 'store_codes') }}
            as channel_code
    from ranked_orders
    left join platform_channels on ranked_orders.channel = platform_channels.order_channel
    left join channel_codes as store_codes
        on
            ranked_orders.store_id = store_codes.store_id
            and store_codes.channel_type = 'store_qr'
    where ranked_orders.order_rank = 1

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
