"""Survey tool answer exports (NPS)."""
