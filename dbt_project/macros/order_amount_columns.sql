{#
    The money columns every staging order model derives from its paid and refunded amounts
    (decimal(18, 2), 0 when none), in a select list:
    net_amount (净成交额) = paid − refunded; is_paid = paid > 0; is_refunded = refunded > 0.
    One definition of "net", "paid" and "refunded" for every channel's orders.
#}
{% macro order_amount_columns(paid_amount='paid_amount', refund_amount='refund_amount') -%}
    cast({{ paid_amount }} - {{ refund_amount }} as decimal(18, 2)) as net_amount,
    {{ paid_amount }} > 0 as is_paid,
    {{ refund_amount }} > 0 as is_refunded
{%- endmacro %}
