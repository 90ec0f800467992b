"""Mini-program live room console exports (viewers and orders)."""
