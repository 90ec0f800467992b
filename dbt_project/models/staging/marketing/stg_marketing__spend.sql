with

source as (

    select * from {{ source('marketing', 'spend') }}

),

renamed as (

    select
        ---------- ids
        spend_date,
        trim(channel_code) as channel_code,
        -- spend without a named campaign still counts for its channel and day
        coalesce(nullif(trim(campaign), ''), '(none)') as campaign,

        ---------- amounts
        cast(cost as decimal(18, 2)) as cost_amount,

        ---------- lineage
        _load_id,
        _source_file,
        _row_number,
        _loaded_at

    from source

),

latest as (

    {{ latest_copies('renamed', ['spend_date', 'channel_code', 'campaign']) }}

),

final as (

    select
        spend_date,
        channel_code,
        campaign,
        cost_amount,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from latest

)

select * from final
