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

---------- tmall: the buyer nick of an order (an isolated node: masked phones cannot link)

tmall_buyers as (

    select
        'tmall' as source_system,
        'raw.tmall__orders' as source_table,
        order_no as record_key,
        created_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        'tmall_buyer_nick_hash' as identifier_type,
        buyer_nick_hash as identifier_value
    from tmall_orders

),

---------- pos: the member card and the phone typed on one receipt line

pos_lines as (

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

pos_member_cards as (

    select
        source_system,
        source_table,
        record_key,
        observed_at,
        source_file,
        source_row,
        'pos_member_card' as identifier_type,
        member_card_no as identifier_value
    from pos_lines

),

pos_phones as (

    select
        source_system,
        source_table,
        record_key,
        observed_at,
        source_file,
        source_row,
        'phone_hash' as identifier_type,
        phone_hash as identifier_value
    from pos_lines

),

---------- wecom callbacks: the external_userid of every event

wecom_event_customers as (

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
        'wecom_external_userid' as identifier_type,
        external_userid as identifier_value
    from wecom_contact_events

),

---------- wecom contact list: external_userid, unionid and each remark phone of a contact row
-- A contact row is dated by its add time (follow_info.createtime), else its snapshot date.

contact_rows as (

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

contact_customers as (

    select
        source_system,
        source_table,
        record_key,
        observed_at,
        source_file,
        source_row,
        'wecom_external_userid' as identifier_type,
        external_userid as identifier_value
    from contact_rows

),

contact_unionids as (

    select
        source_system,
        source_table,
        record_key,
        observed_at,
        source_file,
        source_row,
        'unionid' as identifier_type,
        unionid as identifier_value
    from contact_rows

),

contact_remark_phones as (

    select
        source_system,
        source_table,
        record_key,
        observed_at,
        source_file,
        source_row,
        'phone_hash' as identifier_type,
        {{ unnest_list('remark_phone_hashes') }} as identifier_value
    from contact_rows

),

---------- all sightings, blanks dropped, one row per identifier per record

unioned as (

    select * from tmall_buyers
    union all
    select * from pos_member_cards
    union all
    select * from pos_phones
    union all
    select * from wecom_event_customers
    union all
    select * from contact_customers
    union all
    select * from contact_unionids
    union all
    select * from contact_remark_phones

),

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
