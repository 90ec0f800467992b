{#-
    Customer groups (社群) per business month: members, joins and leaves, messages, the silent
    share (沉默率) and whether the group has fallen silent (沉默群).
    Definitions: see the mart_retention__group_monthly docs.
-#}

with

group_events as (

    select * from {{ ref('stg_wecom__group_events') }}

),

group_stats as (

    select * from {{ ref('stg_wecom__group_stats') }}

),

---------- every day a group is seen, by any of the three feeds

sightings as (

    select
        chat_id,
        event_date as seen_date
    from group_events
    union all
    select
        chat_id,
        stat_date as seen_date
    from group_stats
    union all
    select
        chat_id,
        snapshot_date as seen_date
    from {{ ref('stg_wecom__group_members') }}

),

data_end as (

    select cast({{ dbt.date_trunc('month', 'max(seen_date)') }} as date) as last_month
    from sightings

),

dismissals as (

    select
        chat_id,
        min(event_date) as dismissed_date
    from group_events
    where change_type = 'dismiss'
    group by chat_id

),

-- from the month a group is first seen to the month it is dismissed (or the data ends)
group_bounds as (

    select
        sightings.chat_id,
        cast({{ dbt.date_trunc('month', 'min(sightings.seen_date)') }} as date) as first_month,
        max(dismissals.dismissed_date) as dismissed_date
    from sightings
    left join dismissals on sightings.chat_id = dismissals.chat_id
    group by sightings.chat_id

),

month_offsets as (

    {{ month_offsets('month_offset') }}

),

group_months as (

    select
        group_bounds.chat_id,
        group_bounds.dismissed_date,
        cast(
            {{ dbt.dateadd('month', 'month_offsets.month_offset', 'group_bounds.first_month') }}
            as date
        ) as business_month,
        cast(
            {{ dbt.dateadd('month', 'month_offsets.month_offset + 1', 'group_bounds.first_month') }}
            as date
        ) as next_month
    from group_bounds
    cross join month_offsets
    cross join data_end
    where
        month_offsets.month_offset
        <= {{ dbt.datediff(
            'group_bounds.first_month',
            'coalesce(' ~ dbt.date_trunc('month', 'group_bounds.dismissed_date')
            ~ ', data_end.last_month)',
            'month',
        ) }}

),

---------- joins and leaves (callbacks), message statistics (daily stats)

member_changes as (

    select
        chat_id,
        cast({{ dbt.date_trunc('month', 'event_date') }} as date) as business_month,
        count(distinct case when update_detail = 'add_member' then member_id end)
            as joined_members,
        count(distinct case when update_detail = 'del_member' then member_id end)
            as left_members
    from group_events
    where change_type = 'update'
    group by chat_id, cast({{ dbt.date_trunc('month', 'event_date') }} as date)

),

monthly_stats as (

    select
        chat_id,
        cast({{ dbt.date_trunc('month', 'stat_date') }} as date) as business_month,
        count(*) as stat_days,
        max(stat_date) as last_stat_date,
        max(case when msg_total > 0 then stat_date end) as last_message_date,
        sum(msg_total) as messages,
        sum(member_total) as member_days,
        sum(member_has_msg) as speaker_days,
        avg(member_has_msg) as avg_daily_speakers,
        max(member_has_msg) as max_daily_speakers
    from group_stats
    group by chat_id, cast({{ dbt.date_trunc('month', 'stat_date') }} as date)

),

-- members on the month's last statistics day
month_end_members as (

    select
        monthly_stats.chat_id,
        monthly_stats.business_month,
        group_stats.member_total
    from monthly_stats
    inner join group_stats
        on
            monthly_stats.chat_id = group_stats.chat_id
            and monthly_stats.last_stat_date = group_stats.stat_date

),

first_stats as (

    select
        chat_id,
        min(stat_date) as first_stat_date
    from group_stats
    group by chat_id

),

snapshot_owners as (

    select
        chat_id,
        snapshot_date,
        max(owner_userid) as owner_userid
    from {{ ref('stg_wecom__group_members') }}
    group by chat_id, snapshot_date

),

-- the owner in the latest member-list snapshot up to the month's end
owners as (

    select
        group_months.chat_id,
        group_months.business_month,
        snapshot_owners.owner_userid,
        row_number() over (
            partition by group_months.chat_id, group_months.business_month
            order by snapshot_owners.snapshot_date desc
        ) as snapshot_recency
    from group_months
    inner join snapshot_owners
        on
            group_months.chat_id = snapshot_owners.chat_id
            and group_months.next_month > snapshot_owners.snapshot_date

),

joined as (

    select
        group_months.chat_id,
        group_months.business_month,
        owners.owner_userid,
        group_months.dismissed_date is not null
        and group_months.dismissed_date < group_months.next_month as is_dismissed,
        month_end_members.member_total,
        coalesce(member_changes.joined_members, 0) as joined_members,
        coalesce(member_changes.left_members, 0) as left_members,
        coalesce(monthly_stats.stat_days, 0) as stat_days,
        coalesce(monthly_stats.messages, 0) as messages,
        monthly_stats.member_days,
        monthly_stats.speaker_days,
        monthly_stats.avg_daily_speakers,
        monthly_stats.max_daily_speakers,
        first_stats.first_stat_date,
        -- the latest statistics day and message day up to the month's end
        max(monthly_stats.last_stat_date) over (
            partition by group_months.chat_id
            order by group_months.business_month
            rows between unbounded preceding and current row
        ) as last_stat_date,
        max(monthly_stats.last_message_date) over (
            partition by group_months.chat_id
            order by group_months.business_month
            rows between unbounded preceding and current row
        ) as last_message_date
    from group_months
    left join owners
        on
            group_months.chat_id = owners.chat_id
            and group_months.business_month = owners.business_month
            and owners.snapshot_recency = 1
    left join member_changes
        on
            group_months.chat_id = member_changes.chat_id
            and group_months.business_month = member_changes.business_month
    left join monthly_stats
        on
            group_months.chat_id = monthly_stats.chat_id
            and group_months.business_month = monthly_stats.business_month
    left join month_end_members
        on
            group_months.chat_id = month_end_members.chat_id
            and group_months.business_month = month_end_members.business_month
    left join first_stats on group_months.chat_id = first_stats.chat_id

),

-- days without a message up to the latest statistics day: since the last message, or every
-- statistics day since the first when nobody ever spoke
quiet_starts as (

    select
        *,
        coalesce(
            last_message_date,
            cast({{ dbt.dateadd('day', -1, 'first_stat_date') }} as date)
        ) as quiet_from
    from joined

),

silence as (

    select
        *,
        {{ dbt.datediff('quiet_from', 'last_stat_date', 'day') }}
            as silent_days
    from quiet_starts

),

final as (

    select
        cast(chat_id as {{ dbt.type_string() }}) as chat_id,
        cast(business_month as date) as business_month,
        cast(owner_userid as {{ dbt.type_string() }}) as owner_userid,
        cast(is_dismissed as boolean) as is_dismissed,
        cast(case when is_dismissed then 0 else member_total end as bigint) as members_at_end,
        cast(joined_members as bigint) as joined_members,
        cast(left_members as bigint) as left_members,
        cast(stat_days as bigint) as stat_days,
        cast(messages as bigint) as messages,
        cast(avg_daily_speakers as double) as avg_daily_speakers,
        cast(max_daily_speakers as bigint) as max_daily_speakers,
        cast(
            case
                when member_days > 0 then 1 - cast(speaker_days as double) / member_days
            end as double
        ) as silent_share,
        cast(last_message_date as date) as last_message_date,
        cast(silent_days as bigint) as silent_days,
        cast(silent_days >= {{ var('group_silent_min_days') }} as boolean) as is_silent
    from silence

)

select * from final
