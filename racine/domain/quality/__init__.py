"""Data-quality assertions on tables and columns (NOT_NULL … CUSTOM_SQL), run on
demand, on a cron schedule or after scans, with results history and a quality
score per asset."""
