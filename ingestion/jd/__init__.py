"""JD merchant back-office exports."""
