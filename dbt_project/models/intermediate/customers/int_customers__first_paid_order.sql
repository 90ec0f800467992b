{#-
    Each person's first paid order (by payment time, then order key) and the channel code that
    acquired them (获客渠道): the one definition the CAC and LTV:CAC marts credit.
-#}

with

-- the first by (paid_at, order_key) of a struct led by them: an aggregate, not a window sort
-- of 9M orders (5 s at 1M customers); order_key is unique, so no tie reaches the other fields
first_orders as (

    select
        oneid,
        min({{ ordered_struct([
            ('first_paid_at', 'paid_at'),
            ('first_order_key', 'order_key'),
            ('first_channel', 'channel'),
            ('first_store_id', 'store_id'),
            ('first_channel_code', 'channel_code'),
            ('first_paid_date', 'paid_date'),
        ]) }}) as first_order
    from {{ ref('fct_orders') }}
    where is_paid_sale and oneid is not null
    group by oneid

),

first_paid_orders as (

    select
        first_orders.oneid,
        first_orders.first_order.first_order_key as order_key,
        first_orders.first_order.first_channel as channel,
        first_orders.first_order.first_store_id as store_id,
        first_orders.first_order.first_channel_code as channel_code,
        first_orders.first_order.first_paid_at as paid_at,
        first_orders.first_order.first_paid_date as paid_date
    from first_orders

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
        first_paid_orders.oneid,
        first_paid_orders.order_key,
        first_paid_orders.channel,
        first_paid_orders.store_id,
        first_paid_orders.paid_at,
        first_paid_orders.paid_date,
        {{ acquisition_channel_code('first_paid_orders', 'platform_channels', 'store_codes') }}
            as acquisition_channel_code
    from first_paid_orders
    left join platform_channels on first_paid_orders.channel = platform_channels.order_channel
    left join channel_codes as store_codes
        on
            first_paid_orders.store_id = store_codes.store_id
            and store_codes.channel_type = 'store_qr'

)

select * from final
