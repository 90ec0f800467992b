{#-
    WeCom friend retention per business month: friends at the start and end, new friends,
    deletes (删粉) counted per person, the delete rate (删粉率) and the median retention days.
    Definitions: see the mart_retention__wecom_monthly docs.
-#}

with

wecom_relationships as (

    select * from {{ ref('fct_wecom_relationships') }}

),

-- a person is a OneID; an external_userid the map lacks counts as a person of its own
intervals as (

    select
        coalesce(oneid, 'wecom_external_userid:' || external_userid) as customer_key,
        added_date,
        ended_date,
        retention_days
    from wecom_relationships

),

---------- one row per business month, from the first add to the last add or end

bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(added_date)') }} as date) as first_month,
        cast(
            {{ dbt.date_trunc('month', 'max(coalesce(ended_date, added_date))') }} as date
        ) as last_month
    from intervals

),

month_offsets as (

    {{ month_offsets('month_offset') }}

),

months as (

    select
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} as date)
            as month_start,
        cast(
            {{ dbt.dateadd('month', 'month_offsets.month_offset + 1', 'bounds.first_month') }}
            as date
        ) as next_month_start
    from month_offsets
    cross join bounds
    where
        month_offsets.month_offset
        <= {{ dbt.datediff('bounds.first_month', 'bounds.last_month', 'month') }}

),

---------- persons per month

-- friends at a day's start: added on an earlier day and not ended on an earlier day
friends_at_start as (

    select
        months.month_start,
        count(distinct intervals.customer_key) as friends_at_start
    from months
    inner join intervals
        on
            months.month_start > intervals.added_date
            and (intervals.ended_date is null or months.month_start <= intervals.ended_date)
    group by months.month_start

),

persons_at_end as (

    select distinct
        months.month_start,
        intervals.customer_key
    from months
    inner join intervals
        on
            months.next_month_start > intervals.added_date
            and (intervals.ended_date is null or months.next_month_start <= intervals.ended_date)

),

friends_at_end as (

    select
        month_start,
        count(*) as friends_at_end
    from persons_at_end
    group by month_start

),

new_friends as (

    select
        months.month_start,
        count(distinct intervals.customer_key) as new_friends
    from months
    inner join intervals
        on
            months.month_start <= intervals.added_date
            and months.next_month_start > intervals.added_date
    group by months.month_start

),

ended_intervals as (

    select
        months.month_start,
        intervals.customer_key,
        intervals.retention_days
    from months
    inner join intervals
        on
            months.month_start <= intervals.ended_date
            and months.next_month_start > intervals.ended_date

),

ends as (

    select
        month_start,
        count(*) as deleted_relationships,
        percentile_cont(0.5) within group (order by retention_days) as median_retention_days
    from ended_intervals
    group by month_start

),

-- a person who ended a relationship in the month and has no guide left at its end
deleted_persons as (

    select distinct
        ended_intervals.month_start,
        ended_intervals.customer_key
    from ended_intervals
    left join persons_at_end
        on
            ended_intervals.month_start = persons_at_end.month_start
            and ended_intervals.customer_key = persons_at_end.customer_key
    where persons_at_end.customer_key is null

),

deleted_friends as (

    select
        month_start,
        count(*) as deleted_friends
    from deleted_persons
    group by month_start

),

joined as (

    select
        months.month_start as business_month,
        coalesce(friends_at_start.friends_at_start, 0) as friends_at_start,
        coalesce(new_friends.new_friends, 0) as new_friends,
        coalesce(ends.deleted_relationships, 0) as deleted_relationships,
        coalesce(deleted_friends.deleted_friends, 0) as deleted_friends,
        coalesce(friends_at_end.friends_at_end, 0) as friends_at_end,
        ends.median_retention_days
    from months
    left join friends_at_start on months.month_start = friends_at_start.month_start
    left join new_friends on months.month_start = new_friends.month_start
    left join ends on months.month_start = ends.month_start
    left join deleted_friends on months.month_start = deleted_friends.month_start
    left join friends_at_end on months.month_start = friends_at_end.month_start

),

final as (

    select
        cast(business_month as date) as business_month,
        cast(friends_at_start as bigint) as friends_at_start,
        cast(new_friends as bigint) as new_friends,
        cast(deleted_relationships as bigint) as deleted_relationships,
        cast(deleted_friends as bigint) as deleted_friends,
        cast(
            case
                when friends_at_start > 0
                    then cast(deleted_friends as double) / friends_at_start
            end as double
        ) as delete_rate,
        cast(friends_at_end as bigint) as friends_at_end,
        cast(median_retention_days as double) as median_retention_days
    from joined

)

select * from final
