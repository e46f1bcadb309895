"""Rule specifications: how each built-in type is recognised by name and value.

``strength`` says how much a value match alone proves:

* STRONG - a checksum or an unambiguous structure (Luhn + issuer range, mod-97,
  national-ID check digits, ``user@host.tld``): values alone can confirm.
* MEDIUM - a distinctive format that look-alikes rarely share (dashed SSN,
  ICD-10, ``lat, lon``): values alone suggest, values plus name confirm.
* WEAK - a shape shared with plenty of harmless data (5 digits, one capitalised
  word): only fires when the column name agrees.

Negative name patterns (``email_verified``, ``order_number``) veto weak and
medium rules and cut strong ones: that is where name context helps the most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["GENERIC_NEGATIVE", "RULE_SPECS", "RuleSpec", "Strength", "normalize_name"]


class Strength(StrEnum):
    STRONG = "STRONG"
    MEDIUM = "MEDIUM"
    WEAK = "WEAK"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """Detection recipe for one type. Patterns run on the normalised column name."""

    type_key: str
    name: re.Pattern[str] | None
    strength: Strength
    negative: re.Pattern[str] | None = None
    min_distinct: int | None = None  # overrides the config's for naturally tiny domains
    unnamed_check: str | None = None  # stricter validator when the name gives no context


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_name(name: str) -> str:
    """``customerEmail-Addr`` -> ``_customer_email_addr_`` (underscores bound tokens)."""
    snake = _CAMEL.sub("_", name[:200]).lower()
    return "_" + _NON_ALNUM.sub("_", snake).strip("_") + "_"


def _n(pattern: str) -> re.Pattern[str]:
    # Token-bounded: every alternative must start and end on an underscore.
    return re.compile(rf"_(?:{pattern})_")


def _c(pattern: str) -> re.Pattern[str]:
    # Contains-anywhere, for tokens glued into longer identifiers.
    return re.compile(pattern)


# Flags, counters and metadata *about* a value, never the value itself.
GENERIC_NEGATIVE = _c(
    r"_(?:is|has|was|can|should|allow|count|cnt|total|len|length|flag|verified|"
    r"validated|valid|confirmed|enabled|disabled|opt|optin|optout|consent|status|"
    r"format|template|pattern|regex|mask|masked|bounced|sent|domain|config|settings|pref|"
    r"preference|policy|provider|attempts|retries|tries|qty|quantity|views|clicks|visits|"
    r"rank|score|days|hours|minutes|seconds|duration|size|level|version|year|month)_"
)

S, M, W = Strength.STRONG, Strength.MEDIUM, Strength.WEAK

RULE_SPECS: dict[str, RuleSpec] = {
    spec.type_key: spec
    for spec in (
        RuleSpec("EMAIL", _c(r"e_?mail|courriel|correo|posta_elettronica"), S),
        RuleSpec(
            "PHONE",
            _c(
                r"phone|mobile|_cell|_tel_|telephone|telefon|tlf|fax|_msisdn|"
                r"handy|portable|celular|telefono"
            ),
            M,
            unnamed_check="phone_strict",
        ),
        RuleSpec(
            "PERSON_NAME",
            _n(
                r"(?:full_|person_|customer_|contact_|user_|patient_|"
                r"employee_|client_|owner_|holder_|cardholder_|display_)?"
                r"name|fullname|nom_complet|nombre_completo|"
                r"nome_completo|imie_nazwisko|naam|cardholder"
            ),
            W,
            _c(
                r"_(?:first|last|given|family|sur|user|file|host|product|company|"
                r"table|column|db|domain|street|city|country|brand|item|bank|"
                r"schema|app|display_name_id|middle)_?name|sur_?name|_name_id_"
            ),
        ),
        RuleSpec(
            "FIRST_NAME",
            _c(
                r"first_?name|given_?name|fore_?name|forename|fname|"
                r"_prenom|_vorname|_nombre_|_nome_|_imie_|voornaam|fornavn|fornamn|"
                r"etunimi|_jmeno|prenume"
            ),
            W,
        ),
        RuleSpec(
            "LAST_NAME",
            _c(
                r"last_?name|sur_?name|family_?name|lname|_nom_|nachname|"
                r"apellido|cognome|nazwisko|achternaam|sobrenome|efternamn|"
                r"etternavn|efternavn|sukunimi|prijmeni|_nume_"
            ),
            W,
        ),
        RuleSpec(
            "STREET_ADDRESS",
            _c(
                r"address|addr|street|_line_?[12]_|_rue_|strasse|"
                r"straße|calle|direccion|indirizzo|adres|endereco"
            ),
            M,
            _c(r"email|e_mail|ip_?addr|mac_?addr|_url|web|wallet"),
            unnamed_check="address_keyword",
        ),
        RuleSpec(
            "CITY",
            _c(
                r"city|town|locality|_ville_|_ort_|stadt|ciudad|citta|"
                r"miasto|cidade|plaats|municipality"
            ),
            W,
            _c(r"ethnicity|capacity|velocity|electricity|authenticity|_city_id"),
        ),
        RuleSpec(
            "POSTAL_CODE",
            _c(
                r"postal|post_?code|zip|_plz_|code_?postal|_cp_|_cap_|"
                r"postcode|kod_pocztowy|_cep_|postleitzahl"
            ),
            W,
        ),
        RuleSpec(
            "COUNTRY",
            _c(
                r"country|_pays_|_land_|pais|paese|kraj|nation_code|"
                r"country_code"
            ),
            M,
            _c(r"countryside"),
            unnamed_check="country_name",
        ),
        RuleSpec(
            "NATIONALITY",
            _c(
                r"nationality|citizenship|nationalite|"
                r"staatsangehoerigkeit|nacionalidad"
            ),
            W,
        ),
        RuleSpec(
            "DATE_OF_BIRTH",
            _c(
                r"birth|_dob_|_bday_|born|geburt|naissance|"
                r"nacimiento|nascita|urodzenia|nascimento"
            ),
            M,
            _c(r"birth_?place|place_of_birth|birth_?country|birth_?city"),
        ),
        RuleSpec(
            "AGE",
            _n(
                r"age|age_years|age_in_years|alter|edad|eta|wiek|idade|"
                r"customer_age|patient_age|user_age"
            ),
            W,
        ),
        RuleSpec(
            "GENDER",
            _c(
                r"gender|_sex_|geschlecht|genre|sexo|sesso|plec|"
                r"geslacht|salutation|anrede"
            ),
            W,
            None,
            2,
        ),
        RuleSpec("US_SSN", _c(r"ssn|social_?sec|_sin_"), M),
        RuleSpec("UK_NINO", _c(r"nino|national_?insurance|_ni_?num"), S),
        RuleSpec("DE_TAX_ID", _c(r"steuer|_idnr|tax_?id|steuerid|_tin_"), S),
        RuleSpec("FR_NIR", _c(r"_nir_|secu|insee|social_?sec"), S),
        RuleSpec("ES_DNI", _c(r"_dni|_nif_|documento"), S),
        RuleSpec("ES_NIE", _c(r"_nie_|extranjero"), S),
        RuleSpec("IT_CODICE_FISCALE", _c(r"codice_?fiscale|_cf_|fiscal_?code|codfisc"), S),
        RuleSpec("NL_BSN", _c(r"_bsn|burgerservice|sofi"), S),
        RuleSpec("PL_PESEL", _c(r"pesel"), S),
        RuleSpec("BR_CPF", _c(r"_cpf"), S),
        RuleSpec("BR_CNPJ", _c(r"cnpj"), S),
        RuleSpec(
            "PASSPORT_NUMBER",
            _c(
                r"passport|passeport|reisepass|pasaporte|"
                r"passaporto|paszport|passaporte"
            ),
            W,
        ),
        RuleSpec(
            "DRIVER_LICENSE",
            _c(
                r"driv(?:er|ing)_?li[cs]en[cs]e|_dl_|licen[cs]e_?(?:no|num)|"
                r"fuehrerschein|permis_?conduire|permiso_?conducir|"
                r"patente|prawo_?jazdy"
            ),
            W,
        ),
        RuleSpec("TAX_ID", _c(r"tax|_tin_|_vat|_ein_|_nif|_ust_?id|_partita_iva|steuernummer"), W),
        RuleSpec(
            "CREDIT_CARD",
            _c(
                r"card|_pan_|_cc_|ccnum|creditcard|carte|tarjeta|carta|"
                r"karte|kart"
            ),
            S,
            _c(
                r"order|invoice|tracking|_sku|reference|_ref_|confirmation|_txn|"
                r"transaction|shipment|ticket|serial|_gift_|loyalty|_member|_sim_|"
                r"cardinal|_id_$|_card_type|_card_brand"
            ),
        ),
        RuleSpec("CARD_CVV", _c(r"cvv|cvc|_csc_|cid_code|security_code"), W),
        RuleSpec("IBAN", _c(r"iban"), S),
        RuleSpec("SWIFT_BIC", _c(r"swift|_bic_|bic_?code|bank_?code"), M),
        RuleSpec(
            "BANK_ACCOUNT",
            _c(
                r"account_?(?:no|num|number)|acct_?(?:no|num)|"
                r"bank_?account|_konto|_compte|cuenta|conto|rekening"
            ),
            W,
            _c(r"_account_id_|user_?account|account_?type|account_?status"),
        ),
        RuleSpec("US_ROUTING_NUMBER", _c(r"routing|_aba_|_rtn_"), S),
        RuleSpec(
            "SALARY",
            _c(
                r"salary|wage|_pay_?rate|compensation|gehalt|salaire|salario|"
                r"stipendio|wynagrodzenie|annual_?pay|_income"
            ),
            W,
        ),
        RuleSpec("IP_ADDRESS", _c(r"_ip_|ip_?addr|_ipv[46]|client_ip|remote_?addr|host_?ip"), S),
        RuleSpec("MAC_ADDRESS", _c(r"_mac_|mac_?addr|hw_?addr|hardware_?addr"), S),
        RuleSpec("IMEI", _c(r"imei|device_?id"), S),
        RuleSpec("URL", _c(r"url|_uri_|link|website|homepage|_href_|web_?page"), M),
        RuleSpec(
            "USERNAME",
            _c(
                r"user_?name|login|_handle_|screen_?name|nick_?name|"
                r"_uname_|_userid_|account_?name"
            ),
            W,
        ),
        RuleSpec(
            "PASSWORD_HASH",
            _c(
                r"password|passwd|_pwd_|pass_?hash|_pw_|"
                r"password_?digest|mot_de_passe|contrasena|passwort"
            ),
            M,
            _c(r"password_?(?:changed|updated|reset|expir|set_at|policy|hint_id)"),
            unnamed_check="hash_structured",
        ),
        RuleSpec(
            "API_KEY",
            _c(
                r"api_?key|secret|_token|access_?key|auth_?key|bearer|"
                r"client_?secret|private_?key|credential"
            ),
            M,
            _c(r"token_?(?:type|expir|count)|_key_id_$|secret_?question"),
            unnamed_check="known_key",
        ),
        RuleSpec(
            "GEO_COORDINATES",
            _c(
                r"_lat_|_lng_|_lon_|latitude|longitude|geo|coord|"
                r"location|_gps_|lat_?lon|lat_?lng"
            ),
            M,
            unnamed_check="geo_pair",
        ),
        RuleSpec("VIN", _c(r"_vin_|vehicle_?id|chassis|fahrgestell"), S),
        RuleSpec("ICD10_CODE", _c(r"icd|diagnos|_dx_|condition_?code|disease_?code"), M),
        RuleSpec(
            "MEDICAL_RECORD_NUMBER",
            _c(
                r"_mrn_|medical_?record|patient_?(?:id|no|num)|"
                r"health_?record|chart_?(?:no|num)|ehr_?id"
            ),
            W,
        ),
        RuleSpec(
            "BLOOD_TYPE",
            _c(r"blood|abo_?rh|blutgruppe|groupe_?sanguin"),
            M,
            None,
            2,
            unnamed_check="blood_rh",
        ),
        RuleSpec(
            "MEDICAL_CONDITION",
            _c(
                r"diagnosis|condition|disease|illness|allerg|"
                r"medical_?history|symptom|treatment"
            ),
            W,
            _c(r"_code_|condition_?(?:id|type)|terms?_and_?conditions|weather"),
        ),
    )
}
