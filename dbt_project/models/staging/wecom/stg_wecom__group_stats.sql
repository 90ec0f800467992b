with

source as (

    select * from {{ source('wecom', 'group_stats') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(['stat_date', 'chat_id']) }} as load_rank
    from source

),

latest as (

    select * from ranked
    where load_rank = 1

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
