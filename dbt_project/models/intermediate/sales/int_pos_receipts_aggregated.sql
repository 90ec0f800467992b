with

pos_receipt_lines as (

    select * from {{ ref('stg_pos__receipt_lines') }}

),

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

receipts as (

    select
        store_id,
        receipt_no,
        min(sold_at) as sold_at,
        min(business_date) as business_date,
        max(member_card_no) as member_card_no,
        max(phone_hash) as phone_hash,
        max(guide_staff_id) as guide_staff_id,
        count(*) as line_count,
        cast(sum(quantity) as bigint) as total_quantity,
        cast(sum(line_amount) as decimal(18, 2)) as net_amount
    from pos_receipt_lines
    group by store_id, receipt_no

),

---------- the receipt's customer: the oneid of its member card, else of its phone

resolved as (

    select
        receipts.*,
        member_card_map.oneid as member_card_oneid,
        phone_map.oneid as phone_oneid
    from receipts
    left join oneid_map as member_card_map
        on
            member_card_map.identifier_type = 'pos_member_card'
            and receipts.member_card_no = member_card_map.identifier_value
    left join oneid_map as phone_map
        on
            phone_map.identifier_type = 'phone_hash'
            and receipts.phone_hash = phone_map.identifier_value

),

final as (

    select
        store_id,
        receipt_no,
        coalesce(member_card_oneid, phone_oneid) as oneid,
        member_card_no,
        phone_hash,
        guide_staff_id,
        sold_at,
        business_date,
        line_count,
        total_quantity,
        net_amount,
        net_amount > 0 as is_sale,
        net_amount < 0 as is_return
    from resolved

)

select * from final
