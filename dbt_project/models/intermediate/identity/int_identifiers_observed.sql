{#-
    Every sighting of an identifier in a source record: one row per (source_table, record_key,
    identifier_type, identifier_value). Both identity models are built from this one list, so
    a node and the edges touching it always come from the same records.
-#}

with

tmall_orders as (

    select * from {{ ref('stg_tmall__orders') }}

),

pos_receipt_lines as (

    select * from {{ ref('stg_pos__receipt_lines') }}

),

wecom_contact_events as (

    select * from {{ ref('stg_wecom__contact_events') }}

),

wecom_contacts as (

    select * from {{ ref('stg_wecom__contacts') }}

),

---------- source records: where and when each was seen, with the identifiers it carries

-- a Tmall order: the buyer nick (an isolated node: masked phones cannot link)
tmall_order_rows as (

    select
        'tmall' as source_system,
        'raw.tmall__orders' as source_table,
        order_no as record_key,
        created_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        buyer_nick_hash
    from tmall_orders

),

-- a POS receipt line: the member card and the phone typed at the till
pos_line_rows as (

    select
        'pos' as source_system,
        'raw.pos__receipt_lines' as source_table,
        store_id
        || '|' || receipt_no
        || '|' || cast(line_seq as {{ dbt.type_string() }}) as record_key,
        sold_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        member_card_no,
        phone_hash
    from pos_receipt_lines

),

-- a WeCom callback: the external_userid of the event
wecom_event_rows as (

    select
        'wecom' as source_system,
        'raw.wecom__contact_events' as source_table,
        external_userid
        || '|' || guide_userid
        || '|' || change_type
        || '|' || cast(event_at_epoch as {{ dbt.type_string() }}) as record_key,
        event_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        external_userid
    from wecom_contact_events

),

-- a WeCom contact-list row: external_userid, unionid and each remark phone; dated by its add
-- time (follow_info.createtime), else its snapshot date
wecom_contact_rows as (

    select
        'wecom' as source_system,
        'raw.wecom__contacts' as source_table,
        cast(snapshot_date as {{ dbt.type_string() }})
        || '|' || external_userid
        || '|' || guide_userid as record_key,
        coalesce(added_at, cast(snapshot_date as timestamp)) as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        external_userid,
        unionid,
        remark_phone_hashes
    from wecom_contacts

),

---------- sightings: one row per (record, identifier type), for each pair in this list

{%- set sightings = [
    ('tmall_order_rows', 'tmall_buyer_nick_hash', 'buyer_nick_hash'),
    ('pos_line_rows', 'pos_member_card', 'member_card_no'),
    ('pos_line_rows', 'phone_hash', 'phone_hash'),
    ('wecom_event_rows', 'wecom_external_userid', 'external_userid'),
    ('wecom_contact_rows', 'wecom_external_userid', 'external_userid'),
    ('wecom_contact_rows', 'unionid', 'unionid'),
    ('wecom_contact_rows', 'phone_hash', unnest_list('remark_phone_hashes')),
] %}

unioned as (
    {% for record_rows, identifier_type, identifier_value in sightings %}
        select
            source_system,
            source_table,
            record_key,
            observed_at,
            source_file,
            source_row,
            '{{ identifier_type }}' as identifier_type,
            {{ identifier_value }} as identifier_value
        from {{ record_rows }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

---------- all sightings, blanks dropped, one row per identifier per record

final as (

    select distinct
        source_system,
        source_table,
        record_key,
        observed_at,
        source_file,
        source_row,
        identifier_type,
        trim(identifier_value) as identifier_value
    from unioned
    where nullif(trim(identifier_value), '') is not null

)

select * from final
