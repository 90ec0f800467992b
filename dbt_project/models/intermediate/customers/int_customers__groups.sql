{#-
    The customer groups (社群) every person is in now: the chat's latest member-list snapshot,
    then the join, leave and dismissal callbacks after it. Rules: see dim_customers_groups.
-#}

with

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

group_events as (

    select * from {{ ref('stg_wecom__group_events') }}

),

chat_snapshots as (

    select
        chat_id,
        max(snapshot_date) as latest_snapshot_date
    from {{ ref('stg_wecom__group_members') }}
    group by chat_id

),

snapshot_members as (

    select
        group_members.chat_id,
        group_members.external_userid,
        chat_snapshots.latest_snapshot_date
    from {{ ref('stg_wecom__group_members') }} as group_members
    inner join chat_snapshots
        on
            group_members.chat_id = chat_snapshots.chat_id
            and group_members.snapshot_date = chat_snapshots.latest_snapshot_date
    where group_members.external_userid is not null

),

-- joins and leaves of members, and a dismissal that empties the chat for everyone
member_changes as (

    select
        chat_id,
        member_id as external_userid,
        event_at,
        event_date,
        update_detail = 'add_member' as is_in
    from group_events
    where update_detail in ('add_member', 'del_member')

),

dismissals as (

    select
        chat_id,
        max(event_at) as dismissed_at,
        max(event_date) as dismissed_date
    from group_events
    where change_type = 'dismiss'
    group by chat_id

),

group_signals as (

    select
        chat_id,
        external_userid,
        cast({{ dbt.dateadd('day', 1, 'latest_snapshot_date') }} as timestamp) as signal_at,
        latest_snapshot_date as signal_date,
        true as is_in
    from snapshot_members
    union all
    select
        chat_id,
        external_userid,
        event_at as signal_at,
        event_date as signal_date,
        is_in
    from member_changes
    union all
    select
        member_changes.chat_id,
        member_changes.external_userid,
        dismissals.dismissed_at as signal_at,
        dismissals.dismissed_date as signal_date,
        false as is_in
    from member_changes
    inner join dismissals on member_changes.chat_id = dismissals.chat_id

),

-- a callback dated on or before the chat's latest snapshot is already reflected in it
group_signals_ranked as (

    select
        group_signals.chat_id,
        group_signals.external_userid,
        group_signals.is_in,
        row_number() over (
            partition by group_signals.chat_id, group_signals.external_userid
            order by group_signals.signal_at desc, group_signals.is_in asc
        ) as signal_rank
    from group_signals
    left join chat_snapshots on group_signals.chat_id = chat_snapshots.chat_id
    where
        chat_snapshots.latest_snapshot_date is null
        or group_signals.signal_date > chat_snapshots.latest_snapshot_date
        or group_signals.signal_at
        = cast({{ dbt.dateadd('day', 1, 'chat_snapshots.latest_snapshot_date') }} as timestamp)

),

final as (

    select
        oneid_map.oneid,
        count(distinct group_signals_ranked.chat_id) as groups_joined
    from group_signals_ranked
    inner join oneid_map
        on
            oneid_map.identifier_type = 'wecom_external_userid'
            and group_signals_ranked.external_userid = oneid_map.identifier_value
    where group_signals_ranked.signal_rank = 1 and group_signals_ranked.is_in
    group by oneid_map.oneid

)

select * from final
