"""Dagster only: when and in what order. The work lives in ingestion/, identity/, quality/."""
