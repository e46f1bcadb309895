"""Rule packs shipped with Racine (``packs/*.json``), validated when loaded.

A pack that does not validate (an unknown field, a misspelt operator, a type
that does not exist) raises :class:`~racine.domain.errors.ValidationFailed`
naming the file and the path of the offending field: a framework never runs
with part of its rules silently ignored.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from racine.domain.classification.types import BUILTIN_TYPES
from racine.domain.compliance.rules import RulePack, referenced_types
from racine.domain.errors import NotFound, ValidationFailed

__all__ = ["PACK_DIR", "describe_errors", "load_pack", "parse_pack", "shipped_packs"]

PACK_DIR = Path(__file__).with_name("packs")


def describe_errors(error: ValidationError, limit: int = 3) -> str:
    """``controls.0.checks.1.scope.kindz: Extra inputs are not permitted; ...``"""
    parts = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item.get("loc", ())) or "(root)"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    more = len(error.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def check_types(pack: RulePack, known: Collection[str], origin: str) -> None:
    for control in pack.controls:
        for check in control.checks:
            missing = referenced_types(check.conditions, check.scope) - set(known)
            if missing:
                raise ValidationFailed(
                    f"{origin}: check {control.id}/{check.id} references unknown "
                    f"classification type(s) {', '.join(sorted(missing))}",
                    field="classificationTypes",
                )


def parse_pack(
    data: str | bytes | dict[str, Any],
    origin: str = "rule pack",
    known_types: Collection[str] | None = None,
) -> RulePack:
    """Validate one pack; ``origin`` names it in error messages."""
    try:
        if isinstance(data, dict):
            pack = RulePack.model_validate(data)
        else:
            pack = RulePack.model_validate(json.loads(data))
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"{origin}: not valid JSON ({exc.msg} at line {exc.lineno})", field="pack"
        ) from None
    except ValidationError as exc:
        raise ValidationFailed(f"{origin}: {describe_errors(exc)}", field="pack") from None
    check_types(pack, BUILTIN_TYPES.keys() if known_types is None else known_types, origin)
    ids = [c.id for c in pack.controls]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(f"{origin}: duplicate control ids", field="pack")
    return pack


def load_pack(path: Path) -> RulePack:
    return parse_pack(path.read_bytes(), origin=path.name)


@functools.cache
def _shipped() -> tuple[RulePack, ...]:
    packs = [load_pack(p) for p in sorted(PACK_DIR.glob("*.json"))]
    return tuple(sorted(packs, key=lambda p: p.framework))


def shipped_packs(frameworks: Iterable[str] | None = None) -> list[RulePack]:
    """The shipped packs (all, or those named); an unknown name raises NotFound."""
    packs = list(_shipped())
    if frameworks is None:
        return packs
    wanted = [f.upper() for f in frameworks]
    by_key = {p.framework: p for p in packs}
    for name in wanted:
        if name not in by_key:
            raise NotFound("ComplianceFramework", name, field="framework")
    return [by_key[name] for name in wanted]
