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

ranked as (

    select
        *,
        {{ latest_load_rank(['spend_date', 'channel_code', 'campaign']) }} as load_rank
    from renamed

),

latest as (

    select * from ranked
    where load_rank = 1

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
