{#-
    The weekly full contact lists as spans: one row per unbroken run of consecutive snapshots
    that list the same relationship (customer × guide) with the same attributes. Every list
    repeats almost every contact of the week before; the relationship and identity models need
    only where a listing starts, ends and changes, not each copy (46M list rows at 1M customers).
-#}

with

snapshots as (

    select * from {{ ref('stg_wecom__contact_list_snapshots') }}

),

{%- set attributes = [
    'external_userid', 'guide_userid', 'unionid', 'remark_phone_hashes', 'contact_type',
    'add_way', 'state', 'added_at_epoch', 'added_at',
] %}

{#- two CTEs scan the (view) list each: a CTE read twice is materialised whole, 46M rows -#}
{%- set listings_select -%}
    select
        {% for column in attributes %}wecom_contacts.{{ column }},
        {% endfor -%}
        snapshots.snapshot_seq,
        {{ key_hash(attributes, 'wecom_contacts') }} as attribute_set_hash,
        {{ ordered_struct([
            ('seq', 'snapshot_seq'),
            ('source_file', 'wecom_contacts._source_file'),
            ('row_number', 'wecom_contacts._row_number'),
            ('load_id', 'wecom_contacts._load_id'),
        ]) }} as listing
    from {{ ref('stg_wecom__contacts') }} as wecom_contacts
    inner join snapshots
        on wecom_contacts.snapshot_date = snapshots.snapshot_date
{%- endset %}

listings as (

    {{ listings_select }}

),

-- a set listed once per snapshot from its first to its last is one span: most of them
attribute_sets as (

    select
        {{ attributes | join(',\n        ') }},
        min(attribute_set_hash) as attribute_set_hash,
        min(snapshot_seq) as first_seq,
        max(snapshot_seq) as last_seq,
        count(*) as listing_count,
        min(listing) as first_listing
    from listings
    group by {{ attributes | join(', ') }}

),

gapped_set_hashes as (

    select attribute_set_hash
    from attribute_sets
    where listing_count < last_seq - first_seq + 1

),

-- the rest split where a snapshot left them out: seq minus rank is constant along a run
listings_again as (

    {{ listings_select }}

),

gapped_listings as (

    select
        listings_again.*,
        listings_again.snapshot_seq - row_number() over (
            partition by {{ attributes | join(', ') }}
            order by listings_again.snapshot_seq
        ) as run_id
    from listings_again
    where
        listings_again.attribute_set_hash in (
            select gapped_set_hashes.attribute_set_hash from gapped_set_hashes
        )

),

gapped_runs as (

    select
        {{ attributes | join(',\n        ') }},
        min(snapshot_seq) as first_seq,
        max(snapshot_seq) as last_seq,
        count(*) as listing_count,
        min(listing) as first_listing
    from gapped_listings
    group by {{ attributes | join(', ') }}, run_id

),

{%- set run_columns = attributes + ['first_seq', 'last_seq', 'listing_count', 'first_listing'] %}

runs as (

    select
        {{ run_columns | join(',\n        ') }}
    from attribute_sets
    where
        attribute_set_hash not in (
            select gapped_set_hashes.attribute_set_hash from gapped_set_hashes
        )
    union all
    select
        {{ run_columns | join(',\n        ') }}
    from gapped_runs

),

runs_with_lineage as (

    select
        runs.*,
        runs.first_listing.source_file as first_source_file,
        runs.first_listing.row_number as first_row_number,
        runs.first_listing.load_id as first_load_id
    from runs

),

final as (

    select
        runs.external_userid,
        runs.guide_userid,
        runs.unionid,
        runs.remark_phone_hashes,
        runs.contact_type,
        runs.add_way,
        runs.state,
        runs.added_at_epoch,
        runs.added_at,
        first_snapshots.snapshot_date as first_snapshot_date,
        last_snapshots.snapshot_date as last_snapshot_date,
        last_snapshots.next_snapshot_date as unlisted_snapshot_date,
        cast(runs.listing_count as bigint) as listing_count,
        runs.first_source_file,
        runs.first_row_number,
        runs.first_load_id
    from runs_with_lineage as runs
    inner join snapshots as first_snapshots
        on runs.first_seq = first_snapshots.snapshot_seq
    inner join snapshots as last_snapshots
        on runs.last_seq = last_snapshots.snapshot_seq

)

select * from final
