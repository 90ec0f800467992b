{{ config(materialized='view') }}

with

latest as (

    {{ latest_copies(
        source('wecom', 'contacts'),
        ['snapshot_date', 'external_userid', 'guide_userid'],
        repeated_keys=ref('stg_wecom__contact_list_repeated_keys'),
    ) }}

),

final as (

    select
        ---------- ids
        snapshot_date,
        external_userid,
        guide_userid,
        nullif(trim(unionid), '') as unionid,
        remark_phone_hashes,

        ---------- relationship
        contact_type,
        add_way,
        nullif(trim(state), '') as state,
        added_at_epoch,
        {{ epoch_to_local_timestamp('added_at_epoch') }} as added_at,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
