"""Publish the marts and the customer 360 to the read-only BI database and Parquet files.

Framework-free: `writer` builds a new DuckDB file and Parquet files from the warehouse,
`swap` renames them into place atomically and keeps the last good copy, `recover` restores a
damaged BI file. The Dagster asset (orchestration/defs/publish/) decides when. See
docs/publish.md.
"""
