"""Predictive customer lifetime value: BG/NBD purchases and dropout, Gamma-Gamma spend.

Framework-free: the models work on numpy arrays, the summary and the writes on a DuckDB
connection; the Dagster asset in orchestration/defs/clv is a thin wrapper.
"""
