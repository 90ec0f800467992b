-- A relationship is listed at most once per snapshot: two spans of it never share a snapshot (the
-- contact list's own key, tested here because the list is a view; see stg_wecom__contacts).

with

contact_list_spans as (

    select * from {{ ref('int_wecom_contact_list_spans') }}

),

spans_in_order as (

    select
        external_userid,
        guide_userid,
        first_snapshot_date,
        lag(last_snapshot_date) over (
            partition by external_userid, guide_userid
            order by first_snapshot_date
        ) as previous_last_snapshot_date
    from contact_list_spans

)

select *
from spans_in_order
where previous_last_snapshot_date >= first_snapshot_date
