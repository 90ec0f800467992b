{#-
    The purchases of every person with an order (fct_orders, every channel): paid orders and net
    revenue online, on Tmall and in stores, first and last purchase; the RFM inputs of
    dim_customers (frequency, monetary).
-#}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

order_totals as (

    select
        oneid,
        sum(case when channel = 'tmall' and is_paid_sale then 1 else 0 end) as tmall_paid_orders,
        sum(case when channel = 'tmall' and is_paid_sale then net_amount else 0 end)
            as tmall_net_revenue,
        sum(case when channel != 'pos' and is_paid_sale then 1 else 0 end) as online_paid_orders,
        sum(case when channel != 'pos' and is_paid_sale then net_amount else 0 end)
            as online_net_revenue,
        sum(case when channel = 'pos' and is_paid_sale then 1 else 0 end) as pos_receipts,
        -- store returns are receipts of their own and lower the store revenue
        sum(case when channel = 'pos' then net_amount else 0 end) as pos_net_revenue,
        min(case when is_paid_sale then paid_at end) as first_purchase_at,
        max(case when is_paid_sale then paid_at end) as last_purchase_at
    from orders
    where oneid is not null
    group by oneid

),

final as (

    select
        oneid,
        tmall_paid_orders,
        tmall_net_revenue,
        online_paid_orders,
        online_net_revenue,
        pos_receipts,
        pos_net_revenue,
        online_net_revenue + pos_net_revenue as net_revenue,
        first_purchase_at,
        last_purchase_at,
        online_paid_orders + pos_receipts as frequency,
        online_net_revenue + pos_net_revenue as monetary
    from order_totals

)

select * from final
