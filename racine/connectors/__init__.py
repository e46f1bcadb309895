"""Connectors to external data sources: implementations of ``SourceConnector``."""

from racine.connectors.factory import connector_for
from racine.connectors.sql import SqlConnector
from racine.connectors.url import redact_url

__all__ = ["SqlConnector", "connector_for", "redact_url"]
