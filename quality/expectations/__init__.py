"""great-expectations suites on the warehouse: staging loads, freshness and the marts."""
