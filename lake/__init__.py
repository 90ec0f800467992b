"""The lake: Parquet copies of the warehouse's input tables that DuckDB and Spark both read."""
