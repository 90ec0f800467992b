"""A saved mall API page: `{"code":0,"message":"ok","data":{"items":[...],...}}`."""

from ingestion.json_pages import JsonPages

# an error page (code other than 0) or one without an item list must not pass as empty
MALL_PAGES = JsonPages(
    records="$.data.items",
    status="$.code",
    status_label="code",
    ok_status="0",
    missing_status_is_ok=False,
    records_required=True,
)
