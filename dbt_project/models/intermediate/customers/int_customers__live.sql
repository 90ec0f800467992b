{#-
    The live-room (直播间) engagement of every person who watched one: rooms watched, rooms
    commented in, comments, likes and watch time. A viewer is known by their openid in the
    brand's mini-program (the live rooms run in it).
-#}

with

oneid_map as (

    select * from {{ ref('stg_identity__oneid_map') }}

),

live_viewers as (

    select * from {{ ref('stg_live__viewers') }}

),

viewer_customers as (

    select
        oneid_map.oneid,
        live_viewers.room_id,
        live_viewers.watch_seconds,
        live_viewers.comment_count,
        live_viewers.like_count
    from live_viewers
    inner join oneid_map
        on
            oneid_map.identifier_type = 'mall_openid'
            and '{{ var("mall_appid") }}' || '/' || live_viewers.openid
            = oneid_map.identifier_value

),

final as (

    select
        oneid,
        count(distinct room_id) as live_rooms_watched,
        count(distinct case when comment_count > 0 then room_id end) as live_rooms_commented,
        sum(comment_count) as live_comments,
        sum(like_count) as live_likes,
        sum(coalesce(watch_seconds, 0)) as live_watch_seconds
    from viewer_customers
    group by oneid

)

select * from final
