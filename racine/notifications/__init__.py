"""Outbound notifications: signed webhook deliveries, and the background wiring
of the governance areas (compliance evaluation, quality runs, deliveries)."""
