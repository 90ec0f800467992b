{#-
    Retention days (留存天数) of WeCom friendships by month of add and channel code: how long
    relationships last, and the share still friends 7, 30 and 90 days after the add.
    Definitions: see the mart_retention__wecom_tenure docs.
-#}

with

wecom_relationships as (

    select * from {{ ref('fct_wecom_relationships') }}

),

-- a person is a OneID; an external_userid the map lacks counts as a person of its own
intervals as (

    select
        coalesce(oneid, 'wecom_external_userid:' || external_userid) as customer_key,
        coalesce(add_state, '(none)') as channel_code,
        cast({{ dbt.date_trunc('month', 'added_date') }} as date) as added_month,
        added_date,
        ended_date
    from wecom_relationships

),

-- the data's last business date (an interval never ends before it starts): active
-- relationships are kept up to it
as_of as (

    select max(coalesce(ended_date, added_date)) as as_of_date
    from intervals

),

-- persons still friends with any guide at the end of the data
open_persons as (

    select distinct customer_key
    from intervals
    where ended_date is null

),

kept as (

    select
        intervals.customer_key,
        intervals.channel_code,
        intervals.added_month,
        intervals.added_date,
        intervals.ended_date,
        coalesce(intervals.ended_date, as_of.as_of_date) as kept_until,
        open_persons.customer_key is null as is_lost_person,
        as_of.as_of_date
    from intervals
    cross join as_of
    left join open_persons on intervals.customer_key = open_persons.customer_key

),

days as (

    select
        *,
        {{ dbt.datediff('added_date', 'kept_until', 'day') }}
            as days_kept,
        {{ dbt.datediff('added_date', 'as_of_date', 'day') }}
            as days_observed
    from kept

),

-- a relationship is observed for N days once N days separate its add from the data's end
cells as (

    select
        added_month,
        channel_code,
        max(as_of_date) as as_of_date,
        count(*) as relationships_added,
        count(distinct customer_key) as friends_added,
        sum(case when ended_date is null then 1 else 0 end) as active_relationships,
        sum(case when ended_date is not null then 1 else 0 end) as ended_relationships,
        count(distinct case when is_lost_person then customer_key end) as lost_friends,
        percentile_cont(0.5) within group (order by days_kept) as median_days_kept,
        avg(days_kept) as mean_days_kept,
        sum(case when days_observed >= 7 then 1 else 0 end) as observed_7d,
        sum(case when days_observed >= 7 and days_kept >= 7 then 1 else 0 end) as survived_7d,
        sum(case when days_observed >= 30 then 1 else 0 end) as observed_30d,
        sum(case when days_observed >= 30 and days_kept >= 30 then 1 else 0 end) as survived_30d,
        sum(case when days_observed >= 90 then 1 else 0 end) as observed_90d,
        sum(case when days_observed >= 90 and days_kept >= 90 then 1 else 0 end) as survived_90d
    from days
    group by added_month, channel_code

),

final as (

    select
        cast(added_month as date) as added_month,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(as_of_date as date) as as_of_date,
        cast(relationships_added as bigint) as relationships_added,
        cast(friends_added as bigint) as friends_added,
        cast(active_relationships as bigint) as active_relationships,
        cast(ended_relationships as bigint) as ended_relationships,
        cast(lost_friends as bigint) as lost_friends,
        cast(median_days_kept as double) as median_days_kept,
        cast(mean_days_kept as double) as mean_days_kept,
        cast(observed_7d as bigint) as observed_7d,
        cast(survived_7d as bigint) as survived_7d,
        cast(case when observed_7d > 0 then cast(survived_7d as double) / observed_7d end as double)
            as survival_rate_7d,
        cast(observed_30d as bigint) as observed_30d,
        cast(survived_30d as bigint) as survived_30d,
        cast(
            case when observed_30d > 0 then cast(survived_30d as double) / observed_30d end
            as double
        ) as survival_rate_30d,
        cast(observed_90d as bigint) as observed_90d,
        cast(survived_90d as bigint) as survived_90d,
        cast(
            case when observed_90d > 0 then cast(survived_90d as double) / observed_90d end
            as double
        ) as survival_rate_90d
    from cells

)

select * from final
