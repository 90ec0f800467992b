"""Douyin shop open-API pages, saved as received."""
