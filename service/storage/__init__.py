"""Storage shared by every worker and replica: ``keyvalue`` (short-lived entries with a TTL),
``database`` (the relational database: alert outbox, CDS Hooks feedback; migrations).
"""
