{#-
    The money of every order as it moves: a sale on the day it is paid, a refund on the day it
    is booked. Definitions: see the fct_order_money_movements docs.
-#}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

movements as (

    select
        order_key,
        'sale' as movement_type,
        paid_date as business_date,
        paid_amount as amount
    from orders
    where paid_amount > 0

    union all

    select
        order_key,
        'refund' as movement_type,
        refund_date as business_date,
        -refund_amount as amount
    from orders
    where refund_amount > 0

),

final as (

    select
        cast(movements.order_key as {{ dbt.type_string() }}) as order_key,
        cast(movements.movement_type as {{ dbt.type_string() }}) as movement_type,
        cast(movements.business_date as date) as business_date,
        cast(orders.channel as {{ dbt.type_string() }}) as channel,
        cast(orders.store_id as {{ dbt.type_string() }}) as store_id,
        cast(orders.oneid as {{ dbt.type_string() }}) as oneid,
        cast(orders.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(orders.paid_date as date) as order_paid_date,
        cast(movements.amount as decimal(18, 2)) as amount
    from movements
    inner join orders on movements.order_key = orders.order_key

)

select * from final
