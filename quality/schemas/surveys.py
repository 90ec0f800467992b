"""Rules for raw.survey__nps_responses (NPS survey answer exports)."""

import pandera.pandas as pa

nps_response_rules = pa.DataFrameSchema(
    {
        "survey_id": pa.Column(nullable=False),
        "response_no": pa.Column(nullable=False, checks=pa.Check.ge(1)),
        "submitted_at": pa.Column(nullable=False),
        "time_taken": pa.Column(nullable=True, checks=pa.Check.ge(0)),
        "score": pa.Column(nullable=False, checks=pa.Check.in_range(0, 10)),
    },
    name="survey__nps_responses",
)
