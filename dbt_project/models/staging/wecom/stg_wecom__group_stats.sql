with

latest as (

    {{ latest_copies(source('wecom', 'group_stats'), ['stat_date', 'chat_id']) }}

),

final as (

    select
        ---------- ids
        stat_date,
        chat_id,

        ---------- activity
        member_total,
        member_has_msg,
        msg_total,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from latest

)

select * from final
