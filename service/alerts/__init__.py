"""Alerts to the spine team: the outbox, its delivery worker and senders, signed webhooks, and
the Subscription notifications that trigger assessments (docs/alerts.md)."""
