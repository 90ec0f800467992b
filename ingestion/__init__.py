"""Framework-free ingestion: read each platform's real export format and land it in raw tables."""
