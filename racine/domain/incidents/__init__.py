"""Incidents, alerts, webhooks and notification preferences.

Failing quality assertions and critical compliance findings open incidents
(deduplicated while open); alerts go live on ``Channels.ALERTS`` and to webhooks.
"""
