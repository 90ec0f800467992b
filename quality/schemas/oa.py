"""Rules for the official account (公众号) raw tables: follower snapshots and follow callbacks."""

import pandera.pandas as pa

OA_EVENTS = ("subscribe", "unsubscribe", "SCAN")
# WeChat adds scenes now and then (ADD_SCENE_CHANNELS came late): check the shape, not a list
SUBSCRIBE_SCENE = r"^ADD_SCENE_[A-Z_]+$"

oa_follower_rules = pa.DataFrameSchema(
    {
        "snapshot_date": pa.Column(nullable=False),
        "openid": pa.Column(nullable=False),
        "subscribed": pa.Column(nullable=False),
        # a follower who has left comes back with `subscribe` 0 and nothing else
        "subscribe_time_epoch": pa.Column(nullable=True, checks=pa.Check.gt(1_000_000_000)),
        "subscribe_scene": pa.Column(nullable=True, checks=pa.Check.str_matches(SUBSCRIBE_SCENE)),
    },
    name="oa__followers",
)

oa_event_rules = pa.DataFrameSchema(
    {
        "oa_id": pa.Column(nullable=False),
        "openid": pa.Column(nullable=False),
        "event_at_epoch": pa.Column(nullable=False, checks=pa.Check.gt(1_000_000_000)),
        "event": pa.Column(nullable=False, checks=pa.Check.isin(OA_EVENTS)),
    },
    name="oa__events",
)
