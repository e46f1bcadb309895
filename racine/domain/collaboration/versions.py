"""Named versions: capture, list, diff (difflib) and restore-as-a-new-update."""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass

from racine.domain.access.model import Principal
from racine.domain.audit.record import record
from racine.domain.collaboration import crdt
from racine.domain.collaboration.activity import note_activity
from racine.domain.collaboration.documents import load_updates
from racine.domain.collaboration.membership import document_access
from racine.domain.collaboration.model import Document, DocumentVersion, WorkspaceRole
from racine.domain.collaboration.ports import CollabUnitOfWork as UnitOfWork
from racine.domain.errors import NotFound, ValidationFailed

__all__ = [
    "MAX_DIFF_LINES",
    "Restore",
    "create_version",
    "diff_versions",
    "restore_version",
]

MAX_DIFF_LINES = 5000


async def create_version(
    uow: UnitOfWork, actor: Principal, document_id: uuid.UUID, name: str
) -> DocumentVersion:
    """EDITORs name the current state (as durably stored) of a document."""
    label = name.strip()
    if not label or len(label) > 120:
        raise ValidationFailed("name must be 1-120 characters", field="name")
    async with uow:
        await document_access(uow, actor, document_id, WorkspaceRole.EDITOR, writing=True)
    document, updates = await load_updates(uow, document_id)
    doc = crdt.build_doc(updates)
    version = DocumentVersion(
        document_id=document_id,
        name=label,
        author_id=actor.user_id,
        author_name=actor.name,
        state=doc.get_update(),
        text=crdt.project(doc, document.format),
    )
    async with uow:
        await uow.documents.add_version(version)
        await record(uow, actor, "document.version", "Document", document_id, {"name": label})
        await note_activity(
            uow,
            actor,
            document.workspace_id,
            "document.version",
            "Document",
            document_id,
            f"{actor.name} saved version {label}",
        )
        await uow.commit()
    return version


async def _version(
    uow: UnitOfWork, actor: Principal, version_id: uuid.UUID, field: str
) -> tuple[DocumentVersion, Document]:
    version = await uow.documents.get_version(version_id)
    if version is None:
        raise NotFound("DocumentVersion", version_id, field=field)
    try:
        access = await document_access(uow, actor, version.document_id)
    except NotFound:
        raise NotFound("DocumentVersion", version_id, field=field) from None
    return version, access.document


async def diff_versions(
    uow: UnitOfWork, actor: Principal, from_id: uuid.UUID, to_id: uuid.UUID | None
) -> str:
    """Unified text diff from one version to another (or to the current text)."""
    async with uow:
        old, document = await _version(uow, actor, from_id, "fromVersionId")
        if to_id is None:
            new_text, new_name = document.text, "current"
        else:
            new, other = await _version(uow, actor, to_id, "toVersionId")
            if other.id != document.id:
                raise ValidationFailed(
                    "both versions must belong to one document", field="toVersionId"
                )
            new_text, new_name = new.text, new.name
    lines = difflib.unified_diff(
        old.text.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=old.name,
        tofile=new_name,
    )
    out = []
    for i, line in enumerate(lines):
        if i >= MAX_DIFF_LINES:
            out.append(f"... diff truncated at {MAX_DIFF_LINES} lines\n")
            break
        out.append(line if line.endswith("\n") else line + "\n")
    return "".join(out)


@dataclass(frozen=True)
class Restore:
    document: Document
    version: DocumentVersion
    update: bytes


async def restore_version(uow: UnitOfWork, actor: Principal, version_id: uuid.UUID) -> Restore:
    """The update that brings the document back to a version's content.

    The caller applies it through the live path (stored, then broadcast) like any
    edit: history is never rewritten.
    """
    async with uow:
        version, document = await _version(uow, actor, version_id, "versionId")
        await document_access(uow, actor, document.id, WorkspaceRole.EDITOR, writing=True)
        await record(
            uow, actor, "document.restore", "Document", document.id, {"version": version.name}
        )
        await note_activity(
            uow,
            actor,
            document.workspace_id,
            "document.restore",
            "Document",
            document.id,
            f"{actor.name} restored version {version.name}",
        )
        await uow.commit()
    _, updates = await load_updates(uow, document.id)
    doc = crdt.build_doc(updates)
    return Restore(document, version, crdt.restore_update(doc, document.format, version.text))
