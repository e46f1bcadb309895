"""The catalogue of built-in classification types.

A type is only metadata here (key, display name, category, default
sensitivity); how it is detected lives in ``rules.py`` so that the API can list
types without importing the detection machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = [
    "BUILTIN_TYPES",
    "Category",
    "ClassificationType",
    "Sensitivity",
]


class Category(StrEnum):
    """Broad family of a type; drives default sensitivity and compliance mapping."""

    PERSONAL = "PERSONAL"
    FINANCIAL = "FINANCIAL"
    HEALTH = "HEALTH"
    CREDENTIALS = "CREDENTIALS"
    TECHNICAL = "TECHNICAL"


class Sensitivity(IntEnum):
    """Ordered so that ``max()`` gives the roll-up of several labels."""

    PUBLIC = 0
    INTERNAL = 1
    CONFIDENTIAL = 2
    RESTRICTED = 3


@dataclass(frozen=True, slots=True)
class ClassificationType:
    """A kind of sensitive data that a column can hold."""

    key: str
    name: str
    category: Category
    sensitivity: Sensitivity
    description: str = ""


_P, _F, _H, _C, _T = (
    Category.PERSONAL,
    Category.FINANCIAL,
    Category.HEALTH,
    Category.CREDENTIALS,
    Category.TECHNICAL,
)
_PUB, _INT, _CONF, _RES = (
    Sensitivity.PUBLIC,
    Sensitivity.INTERNAL,
    Sensitivity.CONFIDENTIAL,
    Sensitivity.RESTRICTED,
)

_ROWS: tuple[tuple[str, str, Category, Sensitivity, str], ...] = (
    ("EMAIL", "Email address", _P, _CONF, "RFC 5322-like mailbox address"),
    ("PHONE", "Phone number", _P, _CONF, "National or international phone number"),
    ("PERSON_NAME", "Person name", _P, _CONF, "Full name of a natural person"),
    ("FIRST_NAME", "First name", _P, _CONF, "Given name"),
    ("LAST_NAME", "Last name", _P, _CONF, "Family name"),
    ("STREET_ADDRESS", "Street address", _P, _CONF, "Street, house number, line of an address"),
    ("CITY", "City", _P, _INT, "City or locality"),
    ("POSTAL_CODE", "Postal code", _P, _INT, "ZIP or postal code"),
    ("COUNTRY", "Country", _P, _PUB, "Country name or ISO code"),
    ("NATIONALITY", "Nationality", _P, _CONF, "Citizenship of a person"),
    ("DATE_OF_BIRTH", "Date of birth", _P, _CONF, "Birth date of a person"),
    ("AGE", "Age", _P, _INT, "Age in years"),
    ("GENDER", "Gender", _P, _CONF, "Gender or sex of a person"),
    ("US_SSN", "US Social Security number", _P, _RES, "United States SSN"),
    ("UK_NINO", "UK National Insurance number", _P, _RES, "United Kingdom NINO"),
    ("DE_TAX_ID", "German tax identifier", _P, _RES, "Steuerliche Identifikationsnummer"),
    ("FR_NIR", "French social security number", _P, _RES, "NIR / numéro de sécurité sociale"),
    ("ES_DNI", "Spanish DNI", _P, _RES, "Documento Nacional de Identidad"),
    ("ES_NIE", "Spanish NIE", _P, _RES, "Número de Identidad de Extranjero"),
    ("IT_CODICE_FISCALE", "Italian codice fiscale", _P, _RES, "Italian personal tax code"),
    ("NL_BSN", "Dutch BSN", _P, _RES, "Burgerservicenummer"),
    ("PL_PESEL", "Polish PESEL", _P, _RES, "Polish national identification number"),
    ("BR_CPF", "Brazilian CPF", _P, _RES, "Cadastro de Pessoas Físicas"),
    ("BR_CNPJ", "Brazilian CNPJ", _F, _INT, "Brazilian company registration number"),
    ("PASSPORT_NUMBER", "Passport number", _P, _RES, "Travel document number"),
    ("DRIVER_LICENSE", "Driver licence number", _P, _RES, "Driving licence number"),
    ("TAX_ID", "Tax identifier", _F, _CONF, "Generic tax / VAT identifier"),
    ("CREDIT_CARD", "Payment card number", _F, _RES, "Primary account number (PAN)"),
    ("CARD_CVV", "Card verification code", _F, _RES, "CVV / CVC security code"),
    ("IBAN", "IBAN", _F, _CONF, "International bank account number"),
    ("SWIFT_BIC", "SWIFT/BIC code", _F, _INT, "Bank identifier code"),
    ("BANK_ACCOUNT", "Bank account number", _F, _CONF, "Domestic bank account number"),
    ("US_ROUTING_NUMBER", "US routing number", _F, _INT, "ABA routing transit number"),
    ("SALARY", "Salary", _F, _CONF, "Pay or compensation amount"),
    ("IP_ADDRESS", "IP address", _T, _INT, "IPv4 or IPv6 address"),
    ("MAC_ADDRESS", "MAC address", _T, _INT, "Hardware address"),
    ("IMEI", "IMEI", _T, _CONF, "Mobile device identifier"),
    ("URL", "URL", _T, _INT, "Web address"),
    ("USERNAME", "Username", _C, _CONF, "Login or handle"),
    ("PASSWORD_HASH", "Password hash", _C, _RES, "Stored password digest"),
    ("API_KEY", "API key or secret token", _C, _RES, "Access key, secret or bearer token"),
    ("GEO_COORDINATES", "Geographic coordinates", _P, _CONF, "Latitude / longitude"),
    ("VIN", "Vehicle identification number", _P, _CONF, "ISO 3779 VIN"),
    ("ICD10_CODE", "ICD-10 diagnosis code", _H, _RES, "Diagnosis code"),
    ("MEDICAL_RECORD_NUMBER", "Medical record number", _H, _RES, "Patient record identifier"),
    ("BLOOD_TYPE", "Blood type", _H, _RES, "ABO / Rh blood group"),
    ("MEDICAL_CONDITION", "Medical condition", _H, _RES, "Diagnosis or condition in words"),
)

BUILTIN_TYPES: dict[str, ClassificationType] = {
    key: ClassificationType(key, name, cat, sens, desc) for key, name, cat, sens, desc in _ROWS
}
