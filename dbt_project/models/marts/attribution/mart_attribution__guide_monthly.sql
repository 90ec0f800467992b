{#-
    Orders, customers and net revenue credited to each guide per business month under the
    attribution rule in force. Definitions: see the mart_attribution__guide_monthly docs.
-#}

with

order_attribution as (

    select * from {{ ref('fct_order_attribution') }}

),

money_movements as (

    select * from {{ ref('fct_order_money_movements') }}

),

-- orders no rule credits stay in the mart under '(none)', so months add up to all paid orders
credited_orders as (

    select
        order_key,
        oneid,
        attribution_conflict,
        coalesce(credited_guide_userid, '(none)') as credited_guide_userid,
        cast({{ dbt.date_trunc('month', 'paid_date') }} as date) as business_month
    from order_attribution

),

order_months as (

    select
        business_month,
        credited_guide_userid,
        count(*) as attributed_orders,
        count(distinct oneid) as attributed_customers,
        sum(case when attribution_conflict then 1 else 0 end) as conflict_orders
    from credited_orders
    group by business_month, credited_guide_userid

),

-- a refund lowers the month it is booked in, as fct_order_money_movements reports money
revenue_months as (

    select
        cast({{ dbt.date_trunc('month', 'money_movements.business_date') }} as date)
            as business_month,
        credited_orders.credited_guide_userid,
        sum(money_movements.amount) as attributed_net_revenue
    from money_movements
    inner join credited_orders on money_movements.order_key = credited_orders.order_key
    group by
        cast({{ dbt.date_trunc('month', 'money_movements.business_date') }} as date),
        credited_orders.credited_guide_userid

),

guide_months as (

    select
        business_month,
        credited_guide_userid
    from order_months
    union distinct
    select
        business_month,
        credited_guide_userid
    from revenue_months

),

final as (

    select
        cast(guide_months.business_month as date) as business_month,
        cast(guide_months.credited_guide_userid as {{ dbt.type_string() }})
            as credited_guide_userid,
        cast('{{ var("attribution_rule") }}' as {{ dbt.type_string() }}) as attribution_rule,
        cast(coalesce(order_months.attributed_orders, 0) as bigint) as attributed_orders,
        cast(coalesce(revenue_months.attributed_net_revenue, 0) as decimal(18, 2))
            as attributed_net_revenue,
        cast(coalesce(order_months.attributed_customers, 0) as bigint) as attributed_customers,
        cast(coalesce(order_months.conflict_orders, 0) as bigint) as conflict_orders
    from guide_months
    left join order_months
        on
            guide_months.business_month = order_months.business_month
            and guide_months.credited_guide_userid = order_months.credited_guide_userid
    left join revenue_months
        on
            guide_months.business_month = revenue_months.business_month
            and guide_months.credited_guide_userid = revenue_months.credited_guide_userid

)

select * from final
