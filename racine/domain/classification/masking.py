"""Masking of sample and profile values shown for sensitive columns.

Where the tail helps a human recognise a record without revealing it (card,
account, phone and ID numbers) the last four characters stay, ``****1234``;
emails keep their domain; everything else is masked whole. Short values are
masked whole too: four visible characters of a six-character ID are too many.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from racine.domain.classification.labels import Label, LabelState
from racine.domain.classification.types import BUILTIN_TYPES, Sensitivity

__all__ = ["FULL_MASK", "mask_value", "mask_values"]

FULL_MASK = "****"
_TAIL_TYPES = frozenset(
    {
        "CREDIT_CARD",
        "IBAN",
        "BANK_ACCOUNT",
        "PHONE",
        "US_SSN",
        "UK_NINO",
        "DE_TAX_ID",
        "FR_NIR",
        "ES_DNI",
        "ES_NIE",
        "NL_BSN",
        "PL_PESEL",
        "BR_CPF",
        "BR_CNPJ",
        "PASSPORT_NUMBER",
        "DRIVER_LICENSE",
        "TAX_ID",
        "IMEI",
        "VIN",
        "MEDICAL_RECORD_NUMBER",
        "US_ROUTING_NUMBER",
        "IT_CODICE_FISCALE",
    }
)


def mask_value(value: object, type_key: str) -> str | None:
    """Masked text for one value of a column classified as ``type_key``."""
    if value is None:
        return None
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = text.strip()
    if type_key == "EMAIL" and "@" in text and len(text) < 320:
        return FULL_MASK + "@" + text.rsplit("@", 1)[1]
    if type_key in _TAIL_TYPES:
        alnum = [c for c in text if c.isalnum()]
        if len(alnum) >= 10:
            return FULL_MASK + "".join(alnum[-4:])
    return FULL_MASK


def mask_values(
    values: Sequence[object],
    labels: Iterable[Label],
    minimum: Sensitivity = Sensitivity.INTERNAL,
) -> list[object]:
    """Mask a column's sample values when a live label at ``minimum`` or above applies."""
    live = [lb for lb in labels if lb.state is not LabelState.REJECTED]
    ranked = sorted(
        live,
        key=lambda lb: (
            -(
                BUILTIN_TYPES[lb.type_key].sensitivity
                if lb.type_key in BUILTIN_TYPES
                else Sensitivity.CONFIDENTIAL
            )
        ),
    )
    if not ranked:
        return list(values)
    top = ranked[0]
    level = (
        BUILTIN_TYPES[top.type_key].sensitivity
        if top.type_key in BUILTIN_TYPES
        else Sensitivity.CONFIDENTIAL
    )
    if level < minimum:
        return list(values)
    return [mask_value(v, top.type_key) for v in values]
