{#-
    The current state of every WeCom relationship (customer × guide), from the callbacks
    reconciled with the latest full contact list. Rules: see the wecom_relationship_state docs.
-#}

with

wecom_contact_events as (

    select * from {{ ref('stg_wecom__contact_events') }}

),

contact_list_spans as (

    select * from {{ ref('int_wecom_contact_list_spans') }}

),

snapshots as (

    select * from {{ ref('stg_wecom__contact_list_snapshots') }}

),

relationship_events as (

    select
        external_userid,
        guide_userid,
        change_type,
        state,
        event_at_epoch,
        event_at,
        event_date
    from wecom_contact_events
    where change_type in ('add_external_contact', 'del_external_contact', 'del_follow_user')

),

latest_snapshot as (

    select max(snapshot_date) as latest_snapshot_date
    from snapshots

),

latest_snapshot_contacts as (

    select
        contact_list_spans.external_userid,
        contact_list_spans.guide_userid
    from contact_list_spans
    inner join latest_snapshot
        on contact_list_spans.last_snapshot_date = latest_snapshot.latest_snapshot_date

),

---------- every relationship ever seen, in a callback or in any snapshot

relationships as (

    select
        external_userid,
        guide_userid
    from relationship_events
    union distinct
    select
        external_userid,
        guide_userid
    from contact_list_spans

),

---------- adds: callbacks, and the add time (createtime) each snapshot row reports

add_observations as (

    select
        external_userid,
        guide_userid,
        event_at as added_at,
        state,
        1 as source_priority
    from relationship_events
    where change_type = 'add_external_contact'
    union all
    select
        external_userid,
        guide_userid,
        added_at,
        state,
        2 as source_priority
    from contact_list_spans
    where added_at is not null

),

adds_ranked as (

    select
        external_userid,
        guide_userid,
        added_at,
        state,
        row_number() over (
            partition by external_userid, guide_userid
            order by added_at, source_priority, state
        ) as first_rank,
        max(added_at) over (
            partition by external_userid, guide_userid
        ) as last_added_at
    from add_observations

),

first_adds as (

    select * from adds_ranked
    where first_rank = 1

),

---------- the last callback; on a tie in the same second the delete counts as the later one

events_ranked as (

    select
        external_userid,
        guide_userid,
        change_type,
        event_at,
        event_date,
        row_number() over (
            partition by external_userid, guide_userid
            order by
                event_at_epoch desc,
                case when change_type = 'add_external_contact' then 1 else 0 end asc,
                change_type asc
        ) as recency_rank
    from relationship_events

),

last_events as (

    select * from events_ranked
    where recency_rank = 1

),

joined as (

    select
        relationships.external_userid,
        relationships.guide_userid,
        first_adds.added_at,
        first_adds.state as add_state,
        first_adds.last_added_at,
        last_events.change_type as last_change_type,
        last_events.event_at as last_event_at,
        latest_snapshot.latest_snapshot_date,
        latest_snapshot_contacts.external_userid is not null as is_in_latest_snapshot,
        case
            when latest_snapshot.latest_snapshot_date is null then 'event'
            when last_events.event_date > latest_snapshot.latest_snapshot_date then 'event'
            else 'snapshot'
        end as status_source
    from relationships
    cross join latest_snapshot
    left join first_adds
        on
            relationships.external_userid = first_adds.external_userid
            and relationships.guide_userid = first_adds.guide_userid
    left join last_events
        on
            relationships.external_userid = last_events.external_userid
            and relationships.guide_userid = last_events.guide_userid
    left join latest_snapshot_contacts
        on
            relationships.external_userid = latest_snapshot_contacts.external_userid
            and relationships.guide_userid = latest_snapshot_contacts.guide_userid

),

statuses as (

    select
        *,
        case
            when status_source = 'event'
                then coalesce(last_change_type = 'add_external_contact', false)
            else is_in_latest_snapshot
        end as is_active
    from joined

),

final as (

    select
        external_userid,
        guide_userid,
        added_at,
        add_state,
        last_added_at,
        is_active,
        case
            when not is_active and last_change_type != 'add_external_contact'
                then last_event_at
        end as deleted_at,
        case
            when is_active then null
            when last_change_type = 'del_external_contact' then 'guide'
            when last_change_type = 'del_follow_user' then 'customer'
        end as deleted_by,
        status_source,
        is_in_latest_snapshot,
        latest_snapshot_date,
        last_change_type,
        last_event_at
    from statuses

)

select * from final
