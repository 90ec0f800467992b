with

latest as (

    {{ latest_copies(
        source('outbound', 'call_results'),
        ['campaign_id', 'phone_hash', 'called_at'],
    ) }}

),

final as (

    select
        ---------- ids
        trim(campaign_id) as campaign_id,
        phone_hash,
        nullif(trim(campaign_name), '') as campaign_name,

        ---------- call
        connected as is_connected,
        duration_seconds,
        nullif(trim(intent), '') as intent,
        coalesce(intent = 'E勿扰', false) as is_do_not_call,
        nullif(trim(hangup_reason), '') as hangup_reason,

        ---------- timestamps (Asia/Shanghai wall-clock)
        called_at,
        {{ to_business_date('called_at') }} as call_date,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
