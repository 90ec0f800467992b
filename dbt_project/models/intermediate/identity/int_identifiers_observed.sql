{#-
    Every identifier seen in a source, one row per identifier per identifier set: the records of
    a table that carry the same identifiers (a contact on every weekly list, a buyer's orders)
    are one row, with the first of those records, the last time one was seen and how many there
    are. Both identity models are built from this one list, so a node and the edges touching it
    always come from the same records.
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

wecom_contact_list_spans as (

    select * from {{ ref('int_wecom_contact_list_spans') }}

),

mall_orders as (

    select * from {{ ref('stg_mall__orders') }}

),

mall_members as (

    select * from {{ ref('stg_mall__members') }}

),

live_viewers as (

    select * from {{ ref('stg_live__viewers') }}

),

live_orders as (

    select * from {{ ref('stg_live__orders') }}

),

oa_followers as (

    select * from {{ ref('stg_oa__followers') }}

),

wecom_group_members as (

    select * from {{ ref('stg_wecom__group_members') }}

),

tmall_members as (

    select * from {{ ref('stg_tmall__members') }}

),

jd_orders as (

    select * from {{ ref('stg_jd__orders') }}

),

douyin_orders as (

    select * from {{ ref('stg_douyin__orders') }}

),

nps_responses as (

    select * from {{ ref('stg_surveys__nps_responses') }}

),

outbound_call_results as (

    select * from {{ ref('stg_outbound__call_results') }}

),

referral_invites as (

    select * from {{ ref('stg_referral__invites') }}

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

-- a WeCom contact-list span (consecutive lists naming the same contact alike): external_userid,
-- unionid and each remark phone; dated by its add time (follow_info.createtime), else by the
-- snapshot dates it spans, and counted as the list rows it stands for
wecom_contact_rows as (

    select
        'wecom' as source_system,
        'raw.wecom__contacts' as source_table,
        cast(first_snapshot_date as {{ dbt.type_string() }})
        || '|' || external_userid
        || '|' || guide_userid as record_key,
        coalesce(added_at, cast(first_snapshot_date as timestamp)) as observed_at,
        coalesce(added_at, cast(last_snapshot_date as timestamp)) as last_observed_at,
        listing_count,
        first_source_file as source_file,
        first_row_number as source_row,
        external_userid,
        unionid,
        remark_phone_hashes
    from wecom_contact_list_spans

),

-- a mall order or member: the mini-program openid (scoped by its appid), unionid and bound phone
mall_rows as (

    select
        'mall' as source_system,
        source_table,
        record_key,
        updated_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        coalesce(appid, '{{ var("mall_appid") }}') || '/' || openid as mall_openid,
        unionid,
        phone_hash
    from (
        select
            'raw.mall__orders' as source_table,
            order_no as record_key,
            updated_at,
            _source_file,
            _row_number,
            appid,
            openid,
            unionid,
            phone_hash
        from mall_orders
        union all
        select
            'raw.mall__members' as source_table,
            member_id as record_key,
            updated_at,
            _source_file,
            _row_number,
            appid,
            openid,
            unionid,
            phone_hash
        from mall_members
    ) as mall_records

),

-- a live viewer or live order: the viewer's openid in the brand's mini-program, and unionid
live_rows as (

    select
        'live' as source_system,
        source_table,
        -- keyed by file and row once grouped: not concatenated for each of 25M viewer rows
        cast(null as {{ dbt.type_string() }}) as record_key,
        observed_at,
        _source_file as source_file,
        _row_number as source_row,
        '{{ var("mall_appid") }}' || '/' || openid as mall_openid,
        unionid
    from (
        select
            'raw.live__viewers' as source_table,
            first_entered_at as observed_at,
            _source_file,
            _row_number,
            openid,
            unionid
        from live_viewers
        union all
        select
            'raw.live__orders' as source_table,
            ordered_at as observed_at,
            _source_file,
            _row_number,
            openid,
            unionid
        from live_orders
    ) as live_records

),

-- an official-account follower: its openid and unionid
oa_follower_rows as (

    select
        'oa' as source_system,
        'raw.oa__followers' as source_table,
        cast(snapshot_date as {{ dbt.type_string() }}) || '|' || openid as record_key,
        coalesce(subscribed_at, cast(snapshot_date as timestamp)) as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        openid as oa_openid,
        unionid
    from oa_followers

),

-- a customer-group member who is a customer (not staff): external_userid and unionid
group_member_rows as (

    select
        'wecom' as source_system,
        'raw.wecom__group_members' as source_table,
        cast(snapshot_date as {{ dbt.type_string() }})
        || '|' || chat_id
        || '|' || member_id as record_key,
        coalesce(joined_at, cast(snapshot_date as timestamp)) as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        external_userid,
        unionid
    from wecom_group_members
    where external_userid is not null

),

-- a Tmall membership (会员通): the buyer nick and the phone the member authorised
tmall_member_rows as (

    select
        'tmall' as source_system,
        'raw.tmall__members' as source_table,
        buyer_nick_hash as record_key,
        joined_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        buyer_nick_hash,
        phone_hash
    from tmall_members

),

-- a JD or Douyin order: the platform's buyer id, an isolated node (phones are masked)
jd_order_rows as (

    select
        'jd' as source_system,
        'raw.jd__orders' as source_table,
        order_no as record_key,
        ordered_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        jd_pin_hash
    from jd_orders

),

douyin_order_rows as (

    select
        'douyin' as source_system,
        'raw.douyin__orders' as source_table,
        order_id as record_key,
        created_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        douyin_open_id
    from douyin_orders

),

-- an NPS answer: the phone the respondent left and their unionid
nps_response_rows as (

    select
        'survey' as source_system,
        'raw.survey__nps_responses' as source_table,
        survey_id || '|' || response_no as record_key,
        submitted_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        phone_hash,
        unionid
    from nps_responses

),

-- an outbound call: the phone called (a node: a call proves nothing about other ids)
outbound_call_rows as (

    select
        'outbound' as source_system,
        'raw.outbound__call_results' as source_table,
        cast(null as {{ dbt.type_string() }}) as record_key,
        called_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        phone_hash
    from outbound_call_results

),

-- a referral invite: the invitee's openid and unionid (the inviter is another person)
referral_invitee_rows as (

    select
        'referral' as source_system,
        'raw.referral__invites' as source_table,
        event_id as record_key,
        invited_at as observed_at,
        _source_file as source_file,
        _row_number as source_row,
        '{{ var("mall_appid") }}' || '/' || invitee_openid as mall_openid,
        invitee_unionid as unionid
    from referral_invites

),

---------- records grouped by the identifiers they carry (see the identifier_set_groups macro)

{%- set identifier_sets = {
    'tmall_order_rows': ['buyer_nick_hash'],
    'pos_line_rows': ['member_card_no', 'phone_hash'],
    'wecom_event_rows': ['external_userid'],
    'wecom_contact_rows': ['external_userid', 'unionid', 'remark_phone_hashes'],
    'mall_rows': ['mall_openid', 'unionid', 'phone_hash'],
    'live_rows': ['mall_openid', 'unionid'],
    'oa_follower_rows': ['oa_openid', 'unionid'],
    'group_member_rows': ['external_userid', 'unionid'],
    'tmall_member_rows': ['buyer_nick_hash', 'phone_hash'],
    'jd_order_rows': ['jd_pin_hash'],
    'douyin_order_rows': ['douyin_open_id'],
    'nps_response_rows': ['phone_hash', 'unionid'],
    'outbound_call_rows': ['phone_hash'],
    'referral_invitee_rows': ['mall_openid', 'unionid'],
} %}

{% for record_rows, identifier_columns in identifier_sets.items() %}
    {{ record_rows }}_grouped as (
        {%- if record_rows == 'wecom_contact_rows' %}
            {{ identifier_set_groups(
                record_rows, identifier_columns, 'last_observed_at', 'listing_count'
            ) }}
        {%- else %}
            {{ identifier_set_groups(record_rows, identifier_columns) }}
        {%- endif %}
    ),
{% endfor %}

---------- sightings: one row per (identifier set, identifier type), for each pair in this list

{%- set sightings = [
    ('tmall_order_rows', 'tmall_buyer_nick_hash', 'buyer_nick_hash'),
    ('pos_line_rows', 'pos_member_card', 'member_card_no'),
    ('pos_line_rows', 'phone_hash', 'phone_hash'),
    ('wecom_event_rows', 'wecom_external_userid', 'external_userid'),
    ('wecom_contact_rows', 'wecom_external_userid', 'external_userid'),
    ('wecom_contact_rows', 'unionid', 'unionid'),
    ('wecom_contact_rows', 'phone_hash', unnest_list('remark_phone_hashes')),
    ('mall_rows', 'mall_openid', 'mall_openid'),
    ('mall_rows', 'unionid', 'unionid'),
    ('mall_rows', 'phone_hash', 'phone_hash'),
    ('live_rows', 'mall_openid', 'mall_openid'),
    ('live_rows', 'unionid', 'unionid'),
    ('oa_follower_rows', 'oa_openid', 'oa_openid'),
    ('oa_follower_rows', 'unionid', 'unionid'),
    ('group_member_rows', 'wecom_external_userid', 'external_userid'),
    ('group_member_rows', 'unionid', 'unionid'),
    ('tmall_member_rows', 'tmall_buyer_nick_hash', 'buyer_nick_hash'),
    ('tmall_member_rows', 'phone_hash', 'phone_hash'),
    ('jd_order_rows', 'jd_pin_hash', 'jd_pin_hash'),
    ('douyin_order_rows', 'douyin_open_id', 'douyin_open_id'),
    ('nps_response_rows', 'phone_hash', 'phone_hash'),
    ('nps_response_rows', 'unionid', 'unionid'),
    ('outbound_call_rows', 'phone_hash', 'phone_hash'),
    ('referral_invitee_rows', 'mall_openid', 'mall_openid'),
    ('referral_invitee_rows', 'unionid', 'unionid'),
] %}

{#- records with no key of their own: named by file and row (file#row), unique in their table -#}
{%- set lineage_keyed_rows = ['live_rows', 'outbound_call_rows'] %}

unioned as (
    {% for record_rows, identifier_type, identifier_value in sightings %}
        select
            {{ record_rows }}_grouped.source_system,
            {{ record_rows }}_grouped.source_table,
            {% if record_rows in lineage_keyed_rows -%}
                {{ record_rows }}_grouped.first_record.first_file || '#' || cast(
                    {{ record_rows }}_grouped.first_record.first_row as {{ dbt.type_string() }}
                ) as record_key,
            {%- else -%}
                {{ record_rows }}_grouped.first_record.first_key as record_key,
            {%- endif %}
            {{ record_rows }}_grouped.first_record.first_at as observed_at,
            {{ record_rows }}_grouped.last_observed_at,
            {{ record_rows }}_grouped.record_count,
            {{ record_rows }}_grouped.first_record.first_file as source_file,
            {{ record_rows }}_grouped.first_record.first_row as source_row,
            '{{ identifier_type }}' as identifier_type,
            {{ identifier_value }} as identifier_value
        from {{ record_rows }}_grouped
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

---------- blanks dropped, one row per identifier per identifier set

final as (

    select distinct
        source_system,
        source_table,
        record_key,
        observed_at,
        last_observed_at,
        record_count,
        source_file,
        source_row,
        identifier_type,
        trim(identifier_value) as identifier_value
    from unioned
    -- DuckDB runs this filter on every raw row (25M live viewers): one trim per value, and none
    -- for a mall openid, never blank behind its appid prefix (6 s at 1M customers)
    where
        identifier_value is not null
        and (identifier_type = 'mall_openid' or trim(identifier_value) <> '')

)

select * from final
