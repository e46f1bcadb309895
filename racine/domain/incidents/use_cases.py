"""Incidents: opened by their cause, deduplicated while open, fixed when the cause
goes away; people move them through TRIAGE → INVESTIGATING → FIXED and assign them.

``open_incidents`` and ``resolve_incidents`` run inside the caller's unit of work
(an evaluation, an assertion run) and return the alerts to raise with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.errors import Conflict, NotFound
from racine.domain.incidents.alerts import capped, raise_alerts
from racine.domain.incidents.model import (
    Alert,
    AlertKind,
    CauseKind,
    Incident,
    IncidentStage,
    Priority,
    utcnow,
)
from racine.domain.incidents.ports import IncidentsUnitOfWork

__all__ = [
    "Cause",
    "assign_incident",
    "move_incident",
    "open_incidents",
    "resolve_incidents",
]


@dataclass(frozen=True)
class Cause:
    kind: CauseKind
    id: uuid.UUID
    title: str
    severity: str
    asset_ids: tuple[uuid.UUID, ...] = ()


async def open_incidents(
    uow: IncidentsUnitOfWork, causes: Sequence[Cause], *, new_causes: bool = False
) -> list[Alert]:
    """Open one incident per cause unless one is already open for it (then count
    the occurrence). Returns INCIDENT_OPENED alerts for the new ones (capped:
    the most severe, then one summary).

    ``new_causes``: the causes were created in this transaction (new findings),
    so no incident can be open for them yet and none is looked up."""
    opened: list[tuple[Cause, Incident]] = []
    by_kind: dict[CauseKind, list[Cause]] = {}
    for cause in causes:
        by_kind.setdefault(cause.kind, []).append(cause)
    now = utcnow()
    for kind, items in by_kind.items():
        current: dict[uuid.UUID, Incident] = (
            {} if new_causes else await uow.incidents.open_for_causes(kind, [c.id for c in items])
        )
        fresh: list[Incident] = []
        seen: list[Incident] = []
        for cause in items:
            found = current.get(cause.id)
            if found is not None:
                found.occurrences += 1
                found.updated_at = now
                seen.append(found)
                continue
            incident = Incident(
                title=cause.title,
                cause_kind=cause.kind,
                cause_id=cause.id,
                severity=cause.severity,
                priority=Priority.for_severity(cause.severity),
                asset_ids=list(cause.asset_ids),
                opened_at=now,
                updated_at=now,
            )
            fresh.append(incident)
            current[cause.id] = incident
            opened.append((cause, incident))
        await uow.incidents.add_many(fresh)
        if seen:
            await uow.incidents.save_many(seen)

    def alert(item: tuple[Cause, Incident]) -> Alert:
        cause, incident = item
        return Alert(
            AlertKind.INCIDENT_OPENED,
            cause.severity,
            incident.title,
            incident.id,
            cause.asset_ids,
            {
                "priority": incident.priority.value,
                "cause": cause.kind.value,
                "causeId": str(cause.id),
            },
        )

    # Alerts are raised for the most severe only (see ``capped``): none is built
    # for the others (a first evaluation opens 1,857 in the benchmark).
    return capped(
        AlertKind.INCIDENT_OPENED,
        opened,
        alert,
        lambda i: i[0].severity,
        lambda i: i[1].id,
        "incidents opened",
    )


async def resolve_incidents(
    uow: IncidentsUnitOfWork, kind: CauseKind, cause_ids: Sequence[uuid.UUID], resolution: str
) -> list[Alert]:
    """Move the open incidents of these causes to FIXED (the cause went away)."""
    if not cause_ids:
        return []
    now = utcnow()
    alerts = []
    current: dict[uuid.UUID, Incident] = await uow.incidents.open_for_causes(kind, cause_ids)
    for incident in current.values():
        incident.stage, incident.fixed_at, incident.updated_at = IncidentStage.FIXED, now, now
        incident.resolution = resolution
        alerts.append(_resolved(incident))
    await uow.incidents.save_many(list(current.values()))
    return alerts


def _resolved(incident: Incident) -> Alert:
    return Alert(
        AlertKind.INCIDENT_RESOLVED,
        incident.severity,
        incident.title,
        incident.id,
        tuple(incident.asset_ids),
        {"resolution": incident.resolution},
    )


_NEXT = {
    IncidentStage.TRIAGE: {IncidentStage.INVESTIGATING, IncidentStage.FIXED},
    IncidentStage.INVESTIGATING: {IncidentStage.TRIAGE, IncidentStage.FIXED},
    IncidentStage.FIXED: set(),
}


async def move_incident(
    uow: IncidentsUnitOfWork,
    actor: Principal,
    incident_id: uuid.UUID,
    stage: IncidentStage,
    note: str | None = None,
) -> Incident:
    """EDITOR or above. TRIAGE ⇄ INVESTIGATING → FIXED; a FIXED incident stays fixed
    (a recurrence of its cause opens a new one)."""
    actor.require(Role.EDITOR)
    async with uow:
        incident = await uow.incidents.get(incident_id)
        if incident is None:
            raise NotFound("Incident", incident_id, field="id")
        if stage is incident.stage:
            return incident
        if stage not in _NEXT[incident.stage]:
            raise Conflict(
                f"an incident cannot move from {incident.stage.value} to {stage.value}",
                field="stage",
            )
        before = incident.stage
        now = utcnow()
        incident.stage, incident.updated_at = stage, now
        alerts = []
        if stage is IncidentStage.FIXED:
            incident.fixed_at, incident.resolution = now, note or "fixed by hand"
            alerts.append(_resolved(incident))
        await uow.incidents.save(incident)
        await record(
            uow,
            actor,
            "incident.move",
            "Incident",
            incident.id,
            {"stage": [before.value, stage.value], "note": note},
        )
        await raise_alerts(uow, alerts)
        await uow.commit()
    return incident


async def assign_incident(
    uow: IncidentsUnitOfWork,
    actor: Principal,
    incident_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
) -> Incident:
    """EDITOR or above; ``assignee_id`` None unassigns. The assignee must exist."""
    actor.require(Role.EDITOR)
    async with uow:
        incident = await uow.incidents.get(incident_id)
        if incident is None:
            raise NotFound("Incident", incident_id, field="id")
        if assignee_id is not None and await uow.users.get(assignee_id) is None:
            raise NotFound("User", assignee_id, field="assigneeId")
        before = incident.assignee_id
        incident.assignee_id, incident.updated_at = assignee_id, utcnow()
        await uow.incidents.save(incident)
        await record(
            uow,
            actor,
            "incident.assign",
            "Incident",
            incident.id,
            {"assignee": [before, assignee_id]},
        )
        await uow.commit()
    return incident
