{#-
    The home store (常去门店) of every customer who bought in a store: the store of most of their
    store sales, ties to the store of the latest sale. Anonymous receipts name nobody.
-#}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

store_visits as (

    select
        customer_key,
        store_id,
        count(*) as store_sales,
        max(paid_at) as last_paid_at
    from orders
    where
        channel = 'pos'
        and is_paid_sale
        and customer_key is not null
    group by customer_key, store_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_key
            order by store_sales desc, last_paid_at desc, store_id asc
        ) as store_rank
    from store_visits

),

final as (

    select
        customer_key,
        store_id as home_store_id,
        store_sales as home_store_sales
    from ranked
    where store_rank = 1

)

select * from final
