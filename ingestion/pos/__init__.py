"""Store point-of-sale daily drops."""
