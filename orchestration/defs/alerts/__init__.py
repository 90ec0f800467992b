"""Retries, mart freshness checks, the alert hook and the sensors that run them for the daemon."""
