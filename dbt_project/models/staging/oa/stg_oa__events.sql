with

latest as (

    {{ latest_copies(source('oa', 'events'), ['openid', 'event_at_epoch', 'event']) }}

),

final as (

    select
        ---------- ids
        openid,
        oa_id,

        ---------- event
        event as event_type,
        nullif(trim(event_key), '') as event_key,
        -- the parametric QR scene: prefixed `qrscene_` on a subscribe, bare on a SCAN
        case
            when event = 'subscribe' and substring(event_key, 1, 8) = 'qrscene_'
                then nullif(substring(event_key, 9), '')
            when event = 'SCAN' then nullif(trim(event_key), '')
        end as qr_scene,
        event = 'unsubscribe' as withdraws_marketing_consent,

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
