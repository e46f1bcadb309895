"""Microsoft Presidio as a column classifier, offline, for comparison.

Presidio analyses text, not columns, so each sampled value is analysed with the
column-name tokens as context words, and the column takes the entity found in
at least half of its non-empty values (score >= 0.4). The NLP engine is a blank
spaCy pipeline (no NER model can be downloaded here), so PERSON/LOCATION/NRP
come only from pattern recognisers; tldextract is pointed at its bundled
suffix snapshot so that nothing is fetched.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

__all__ = ["ENTITY_MAP", "PresidioColumnClassifier"]

ENTITY_MAP = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "PERSON": "PERSON_NAME",
    "LOCATION": "CITY",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS",
    "US_SSN": "US_SSN",
    "URL": "URL",
    "DATE_TIME": "DATE_OF_BIRTH",
    "US_DRIVER_LICENSE": "DRIVER_LICENSE",
    "US_PASSPORT": "PASSPORT_NUMBER",
    "US_BANK_NUMBER": "BANK_ACCOUNT",
    "ES_NIF": "ES_DNI",
    "ES_NIE": "ES_NIE",
    "IT_FISCAL_CODE": "IT_CODICE_FISCALE",
    "PL_PESEL": "PL_PESEL",
    "US_ITIN": "TAX_ID",
    "NRP": "NATIONALITY",
    "UK_NINO": "UK_NINO",
    "MEDICAL_LICENSE": "MEDICAL_RECORD_NUMBER",
    "IT_VAT_CODE": "TAX_ID",
    "IT_PASSPORT": "PASSPORT_NUMBER",
    "IT_DRIVER_LICENSE": "DRIVER_LICENSE",
    "UK_NHS": "MEDICAL_RECORD_NUMBER",
}


class PresidioColumnClassifier:
    def __init__(self) -> None:
        import spacy
        import tldextract
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import SpacyNlpEngine

        offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        tldextract.tldextract.TLD_EXTRACTOR = offline
        tldextract.extract = offline  # type: ignore[assignment]

        class BlankSpacy(SpacyNlpEngine):
            def __init__(self) -> None:
                super().__init__(models=[{"lang_code": "en", "model_name": "blank"}])

            def load(self) -> None:
                self.nlp = {"en": spacy.blank("en")}  # type: ignore[assignment]

        engine = BlankSpacy()
        engine.load()
        self.analyzer: Any = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])

    def classify(self, column_name: str, values: list[str]) -> str:
        context = [
            t
            for t in re.split(
                r"[^a-z0-9]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", column_name).lower()
            )
            if t
        ]
        present = [v for v in values if v]
        if not present:
            return "NONE"
        votes: Counter[str] = Counter()
        for value in present:
            results = self.analyzer.analyze(
                text=value, language="en", context=context, score_threshold=0.4
            )
            if results:
                best = max(results, key=lambda x: (x.score, x.end - x.start))
                votes[best.entity_type] += 1
        if not votes:
            return "NONE"
        entity, count = votes.most_common(1)[0]
        if count < 0.5 * len(present):
            return "NONE"
        return ENTITY_MAP.get(entity, "NONE")
