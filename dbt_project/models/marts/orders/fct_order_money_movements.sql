{#-
    The money of every order as it moves: a sale on the day it is paid, a refund on the day it
    is booked. Definitions: see the fct_order_money_movements docs.
-#}

with

-- each branch reads fct_orders itself: a CTE read twice is materialised whole (9.9M orders)
movements as (

    select
        order_key,
        'sale' as movement_type,
        paid_date as business_date,
        channel,
        store_id,
        oneid,
        customer_key,
        paid_date,
        paid_amount as amount
    from {{ ref('fct_orders') }}
    where paid_amount > 0
    union all
    select
        order_key,
        'refund' as movement_type,
        refund_date as business_date,
        channel,
        store_id,
        oneid,
        customer_key,
        paid_date,
        -refund_amount as amount
    from {{ ref('fct_orders') }}
    where refund_amount > 0

),

final as (

    select
        cast(order_key as {{ dbt.type_string() }}) as order_key,
        cast(movement_type as {{ dbt.type_string() }}) as movement_type,
        cast(business_date as date) as business_date,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(store_id as {{ dbt.type_string() }}) as store_id,
        cast(oneid as {{ dbt.type_string() }}) as oneid,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(paid_date as date) as order_paid_date,
        cast(amount as decimal(18, 2)) as amount
    from movements

)

select * from final
