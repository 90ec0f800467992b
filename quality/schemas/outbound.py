"""Rules for raw.outbound__call_results (outbound call campaign result exports)."""

import pandera.pandas as pa

CALL_INTENTS = ("A有意向", "B一般", "C无意向", "D拒绝", "E勿扰")

outbound_call_result_rules = pa.DataFrameSchema(
    {
        "campaign_id": pa.Column(nullable=False),
        "phone_hash": pa.Column(nullable=False),
        "called_at": pa.Column(nullable=False),
        "connected": pa.Column(nullable=False),
        "duration_seconds": pa.Column(nullable=False, checks=pa.Check.ge(0)),
        # an unanswered call carries no intent label
        "intent": pa.Column(nullable=True, checks=pa.Check.isin(CALL_INTENTS)),
    },
    checks=[
        # a talk time on an unanswered call means the columns are shifted or the export is wrong
        pa.Check(
            lambda df: df["connected"].fillna(True) | df["duration_seconds"].fillna(0).eq(0),
            name="no_duration_when_not_connected",
            element_wise=False,
        )
    ],
    name="outbound__call_results",
)
