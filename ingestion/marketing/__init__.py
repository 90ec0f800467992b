"""Finance's marketing spend sheets."""
