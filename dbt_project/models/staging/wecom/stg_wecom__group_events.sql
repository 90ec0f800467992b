with

source as (

    select * from {{ source('wecom', 'group_events') }}

),

changed_members as (

    select
        _load_id,
        _source_file,
        _row_number,
        {{ unnest_list('member_ids') }} as member_id
    from source

),

-- a callback without members (create, dismiss, a rename) keeps one row with no member
event_members as (

    select
        source.*,
        changed_members.member_id
    from source
    left join changed_members
        on
            source._load_id = changed_members._load_id
            and source._source_file = changed_members._source_file
            and source._row_number = changed_members._row_number

),

latest as (

    {{ latest_copies(
        'event_members',
        ['chat_id', 'event_at_epoch', 'change_type', 'update_detail', 'member_id'],
    ) }}

),

final as (

    select
        ---------- ids
        chat_id,
        member_id,
        corp_id,

        ---------- event
        change_type,
        update_detail,
        join_scene,
        quit_scene,
        member_change_count,

        ---------- timestamps
        event_at_epoch,
        {{ epoch_to_local_timestamp('event_at_epoch') }} as event_at,
        {{ to_business_date(epoch_to_local_timestamp('event_at_epoch')) }} as event_date,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
