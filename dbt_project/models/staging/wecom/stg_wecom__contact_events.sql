with

latest as (

    {{ latest_copies(
        source('wecom', 'contact_events'),
        ['external_userid', 'guide_userid', 'change_type', 'event_at_epoch'],
    ) }}

),

final as (

    select
        ---------- ids
        external_userid,
        guide_userid,
        corp_id,

        ---------- event
        event as event_type,
        change_type,
        nullif(trim(state), '') as state,

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
