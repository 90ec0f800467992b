{#-
    One row per full contact list (snapshot): its date and its place in the sequence. Read from
    the source itself: keeping the latest copy of each listed row never removes a snapshot date,
    and a scan of one date column is cheap where the deduplicated list is not.
-#}

with

source as (

    select snapshot_date from {{ source('wecom', 'contacts') }}

),

snapshot_dates as (

    select distinct snapshot_date
    from source
    where snapshot_date is not null

),

final as (

    select
        snapshot_date,
        cast(row_number() over (order by snapshot_date) as bigint) as snapshot_seq,
        lead(snapshot_date) over (order by snapshot_date) as next_snapshot_date
    from snapshot_dates

)

select * from final
