"""Dagster only: when and in what order. The work itself lives in ingestion/, identity/, quality/."""
