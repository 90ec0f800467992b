{#-
    The live-room (直播间) engagement of every person who watched one: rooms watched, rooms
    commented in, comments, likes and watch time. A viewer is known by their openid in the
    brand's mini-program (the live rooms run in it).
-#}

with

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

---------- one row per viewer openid (a staged row is one room × openid: plain counts are distinct)

viewer_openids as (

    select
        openid,
        count(room_id) as rooms_watched,
        count(case when comment_count > 0 then room_id end) as rooms_commented,
        sum(comment_count) as comment_total,
        sum(like_count) as like_total,
        sum(coalesce(watch_seconds, 0)) as watch_seconds_total
    from {{ ref('stg_live__viewers') }}
    group by openid

),

viewer_oneids as (

    select
        viewer_openids.*,
        oneid_map.oneid,
        count(*) over (partition by oneid_map.oneid) as oneid_openids
    from viewer_openids
    inner join oneid_map
        on
            oneid_map.identifier_type = 'mall_openid'
            and '{{ var("mall_appid") }}' || '/' || viewer_openids.openid
            = oneid_map.identifier_value

),

---------- a person with one openid: their openid's counts; with several, rooms counted once

single_openid_people as (

    select
        oneid,
        rooms_watched as live_rooms_watched,
        rooms_commented as live_rooms_commented,
        comment_total as live_comments,
        like_total as live_likes,
        watch_seconds_total as live_watch_seconds
    from viewer_oneids
    where oneid_openids = 1

),

several_openid_people as (

    select
        viewer_oneids.oneid,
        count(distinct live_viewers.room_id) as live_rooms_watched,
        count(distinct case when live_viewers.comment_count > 0 then live_viewers.room_id end)
            as live_rooms_commented,
        sum(live_viewers.comment_count) as live_comments,
        sum(live_viewers.like_count) as live_likes,
        sum(coalesce(live_viewers.watch_seconds, 0)) as live_watch_seconds
    from {{ ref('stg_live__viewers') }} as live_viewers
    inner join viewer_oneids
        on
            live_viewers.openid = viewer_oneids.openid
            and viewer_oneids.oneid_openids > 1
    group by viewer_oneids.oneid

),

final as (

    select * from single_openid_people
    union all
    select * from several_openid_people

)

select * from final
