{#-
    The history of every WeCom relationship (customer × guide) as validity intervals (SCD2),
    rebuilt from the callbacks and every contact-list snapshot. Rules: see the
    fct_wecom_relationships docs.
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

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

add_callbacks as (

    select
        external_userid,
        guide_userid,
        event_at as added_at,
        state
    from wecom_contact_events
    where change_type = 'add_external_contact'

),

delete_callbacks as (

    select
        external_userid,
        guide_userid,
        change_type,
        event_at,
        event_date
    from wecom_contact_events
    where change_type in ('del_external_contact', 'del_follow_user')

),

---------- interval starts: every add callback, and every listed add time no callback reported

listed_adds as (

    select
        external_userid,
        guide_userid,
        added_at,
        max(state) as state
    from contact_list_spans
    where added_at is not null
    group by external_userid, guide_userid, added_at

),

-- the callback and the list can report one add a few seconds apart; the window compares each
-- side's own column so that the join stays a hash join (a difference of both sides made DuckDB
-- compare every pair: hours at 1M customers)
listed_adds_without_callback as (

    select listed_adds.*
    from listed_adds
    left join add_callbacks
        on
            listed_adds.external_userid = add_callbacks.external_userid
            and listed_adds.guide_userid = add_callbacks.guide_userid
            and add_callbacks.added_at >= {{ dbt.dateadd(
                'second', -var('wecom_add_time_tolerance_seconds'), 'listed_adds.added_at'
            ) }}
            and add_callbacks.added_at <= {{ dbt.dateadd(
                'second', var('wecom_add_time_tolerance_seconds'), 'listed_adds.added_at'
            ) }}
    where add_callbacks.external_userid is null

),

starts as (

    select
        external_userid,
        guide_userid,
        added_at,
        state,
        'add_external_contact' as start_type
    from add_callbacks
    union all
    select
        external_userid,
        guide_userid,
        added_at,
        state,
        'contact_list' as start_type
    from listed_adds_without_callback

),

intervals as (

    select
        external_userid,
        guide_userid,
        added_at,
        state,
        start_type,
        row_number() over (
            partition by external_userid, guide_userid
            order by added_at
        ) as interval_seq,
        lead(added_at) over (
            partition by external_userid, guide_userid
            order by added_at
        ) as next_added_at
    from starts

),

---------- interval ends: a delete callback, else the first snapshot no longer listing it

-- on a tie in the same second the delete counts as later than the add
first_deletes as (

    select
        intervals.external_userid,
        intervals.guide_userid,
        intervals.added_at,
        delete_callbacks.change_type,
        delete_callbacks.event_at,
        delete_callbacks.event_date,
        row_number() over (
            partition by intervals.external_userid, intervals.guide_userid, intervals.added_at
            order by delete_callbacks.event_at, delete_callbacks.change_type
        ) as delete_rank
    from intervals
    inner join delete_callbacks
        on
            intervals.external_userid = delete_callbacks.external_userid
            and intervals.guide_userid = delete_callbacks.guide_userid
            and intervals.added_at <= delete_callbacks.event_at
            and (
                intervals.next_added_at is null
                or intervals.next_added_at > delete_callbacks.event_at
            )

),

-- a snapshot dated D lists what was alive at the end of D: it sees an interval
-- [added_at, next_added_at) when added_at's date <= D < next_added_at's date
interval_spans as (

    select
        intervals.external_userid,
        intervals.guide_userid,
        intervals.added_at,
        intervals.next_added_at,
        contact_list_spans.first_snapshot_date,
        contact_list_spans.last_snapshot_date
    from intervals
    inner join contact_list_spans
        on
            intervals.external_userid = contact_list_spans.external_userid
            and intervals.guide_userid = contact_list_spans.guide_userid
            and {{ to_business_date('intervals.added_at') }}
            <= contact_list_spans.last_snapshot_date
            and (
                intervals.next_added_at is null
                or {{ to_business_date('intervals.next_added_at') }}
                > contact_list_spans.first_snapshot_date
            )

),

-- a span running past the interval's end: its last snapshot inside the interval, if any
last_listings_of_straddling_spans as (

    select
        interval_spans.external_userid,
        interval_spans.guide_userid,
        interval_spans.added_at,
        max(snapshots.snapshot_date) as last_listed_date
    from interval_spans
    inner join snapshots
        on
            interval_spans.first_snapshot_date <= snapshots.snapshot_date
            and {{ to_business_date('interval_spans.added_at') }} <= snapshots.snapshot_date
            and {{ to_business_date('interval_spans.next_added_at') }} > snapshots.snapshot_date
    where
        interval_spans.last_snapshot_date
        >= {{ to_business_date('interval_spans.next_added_at') }}
    group by interval_spans.external_userid, interval_spans.guide_userid, interval_spans.added_at

),

last_listings as (

    select
        external_userid,
        guide_userid,
        added_at,
        max(last_listed_date) as last_listed_date
    from (
        select
            external_userid,
            guide_userid,
            added_at,
            last_snapshot_date as last_listed_date
        from interval_spans
        where
            next_added_at is null
            or last_snapshot_date < {{ to_business_date('next_added_at') }}
        union all
        select
            external_userid,
            guide_userid,
            added_at,
            last_listed_date
        from last_listings_of_straddling_spans
    ) as listed
    group by external_userid, guide_userid, added_at

),

-- an interval never listed ends at the first snapshot that could have listed it
first_snapshots_of_unlisted as (

    select
        intervals.external_userid,
        intervals.guide_userid,
        intervals.added_at,
        min(snapshots.snapshot_date) as unlisted_date
    from intervals
    left join last_listings
        on
            intervals.external_userid = last_listings.external_userid
            and intervals.guide_userid = last_listings.guide_userid
            and intervals.added_at = last_listings.added_at
    inner join snapshots
        on
            snapshots.snapshot_date >= {{ to_business_date('intervals.added_at') }}
            and (
                intervals.next_added_at is null
                or snapshots.snapshot_date < {{ to_business_date('intervals.next_added_at') }}
            )
    where last_listings.last_listed_date is null
    group by intervals.external_userid, intervals.guide_userid, intervals.added_at

),

-- a listed interval ends at the next snapshot after its last listing, if that is before a re-add
first_unlistings as (

    select
        last_listings.external_userid,
        last_listings.guide_userid,
        last_listings.added_at,
        snapshots.next_snapshot_date as unlisted_date
    from last_listings
    inner join intervals
        on
            last_listings.external_userid = intervals.external_userid
            and last_listings.guide_userid = intervals.guide_userid
            and last_listings.added_at = intervals.added_at
    inner join snapshots
        on last_listings.last_listed_date = snapshots.snapshot_date
    where
        snapshots.next_snapshot_date is not null
        and (
            intervals.next_added_at is null
            or snapshots.next_snapshot_date < {{ to_business_date('intervals.next_added_at') }}
        )
    union all
    select
        external_userid,
        guide_userid,
        added_at,
        unlisted_date
    from first_snapshots_of_unlisted

),

joined as (

    select
        intervals.external_userid,
        intervals.guide_userid,
        intervals.interval_seq,
        intervals.added_at as valid_from,
        intervals.start_type,
        intervals.state as add_state,
        case
            when first_deletes.change_type is not null then first_deletes.change_type
            when first_unlistings.unlisted_date is not null then 'contact_list'
            when intervals.next_added_at is not null then 'readded'
        end as end_type,
        case
            when first_deletes.change_type is not null then first_deletes.event_at
            when first_unlistings.unlisted_date is not null
                then cast(
                    {{ dbt.dateadd('day', 1, 'first_unlistings.unlisted_date') }} as timestamp
                )
            else intervals.next_added_at
        end as valid_to,
        case
            when first_deletes.change_type is not null then first_deletes.event_date
            when first_unlistings.unlisted_date is not null then first_unlistings.unlisted_date
            else {{ to_business_date('intervals.next_added_at') }}
        end as ended_date
    from intervals
    left join first_deletes
        on
            intervals.external_userid = first_deletes.external_userid
            and intervals.guide_userid = first_deletes.guide_userid
            and intervals.added_at = first_deletes.added_at
            and first_deletes.delete_rank = 1
    left join first_unlistings
        on
            intervals.external_userid = first_unlistings.external_userid
            and intervals.guide_userid = first_unlistings.guide_userid
            and intervals.added_at = first_unlistings.added_at

),

final as (

    select
        cast(joined.external_userid as {{ dbt.type_string() }}) as external_userid,
        cast(joined.guide_userid as {{ dbt.type_string() }}) as guide_userid,
        cast(joined.valid_from as timestamp) as valid_from,
        cast(joined.valid_to as timestamp) as valid_to,
        joined.valid_to is null as is_current,
        cast(oneid_map.oneid as {{ dbt.type_string() }}) as oneid,
        cast(joined.interval_seq as bigint) as interval_seq,
        cast({{ to_business_date('joined.valid_from') }} as date) as added_date,
        cast(joined.ended_date as date) as ended_date,
        cast(joined.start_type as {{ dbt.type_string() }}) as start_type,
        cast(joined.add_state as {{ dbt.type_string() }}) as add_state,
        cast(joined.end_type as {{ dbt.type_string() }}) as end_type,
        cast(
            case joined.end_type
                when 'del_follow_user' then 'customer'
                when 'del_external_contact' then 'guide'
            end as {{ dbt.type_string() }}
        ) as ended_by,
        joined.start_type = 'contact_list'
        or coalesce(joined.end_type in ('contact_list', 'readded'), false) as is_repaired,
        cast(
            case
                when joined.end_type in ('del_follow_user', 'del_external_contact')
                    -- a double divided, not a decimal: Spark would round a decimal quotient
                    then
                        cast(
                            {{ dbt.datediff('joined.valid_from', 'joined.valid_to', 'second') }}
                            as double
                        )
                        / 86400.0
            end as double
        ) as retention_days
    from joined
    left join oneid_map
        on
            oneid_map.identifier_type = 'wecom_external_userid'
            and joined.external_userid = oneid_map.identifier_value

)

select * from final
