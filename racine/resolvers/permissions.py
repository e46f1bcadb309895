"""Permission classes. Every root field declares one; anything else is denied.

They only ask the domain (``Principal.require``) and raise its typed errors, so
the rules live in one place and the client gets a stable code.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from racine.domain.access.model import Role
from racine.domain.errors import PermissionDenied, Unauthenticated
from racine.resolvers.denials import record_denied

__all__ = ["IsAdmin", "IsAuthenticated", "IsEditor", "IsSteward", "IsViewer"]


class _RolePermission(BasePermission):
    role: Role = Role.ADMIN
    message = "not allowed"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = getattr(info.context, "principal", None)
        if principal is None:
            raise Unauthenticated("authentication required")
        if not principal.has(self.role):
            denied = PermissionDenied(f"requires the {self.role.value} role")
            await record_denied(info, denied)
            raise denied
        return True


class IsViewer(_RolePermission):
    role = Role.VIEWER


IsAuthenticated = IsViewer


class IsEditor(_RolePermission):
    role = Role.EDITOR


class IsSteward(_RolePermission):
    role = Role.STEWARD


class IsAdmin(_RolePermission):
    role = Role.ADMIN
