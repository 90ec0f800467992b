{#-
    Each person's first paid order (by payment time, then order key) and the channel code that
    acquired them (获客渠道): the one definition the CAC and LTV:CAC marts credit.
-#}

with

ranked_orders as (

    select
        oneid,
        order_key,
        channel,
        store_id,
        channel_code,
        paid_at,
        paid_date,
        row_number() over (
            partition by oneid
            order by paid_at, order_key
        ) as order_rank
    from {{ ref('fct_orders') }}
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

channel_codes as (

    select * from {{ ref('channel_codes') }}

),

final as (

    select
        ranked_orders.oneid,
        ranked_orders.order_key,
        ranked_orders.channel,
        ranked_orders.store_id,
        ranked_orders.paid_at,
        ranked_orders.paid_date,
        {{ acquisition_channel_code('ranked_orders', 'platform_channels', 'store_codes') }}
            as acquisition_channel_code
    from ranked_orders
    left join platform_channels on ranked_orders.channel = platform_channels.order_channel
    left join channel_codes as store_codes
        on
            ranked_orders.store_id = store_codes.store_id
            and store_codes.channel_type = 'store_qr'
    where ranked_orders.order_rank = 1

)

select * from final
