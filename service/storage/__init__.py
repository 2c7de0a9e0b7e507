"""Storage shared by every worker and replica: ``keyvalue`` (short-lived entries with a TTL)."""
