"""Audit trail: every mutation records who did what to which object, and the outcome."""

from racine.domain.audit.model import AuditEvent, AuditFilter
from racine.domain.audit.record import record

__all__ = ["AuditEvent", "AuditFilter", "record"]
