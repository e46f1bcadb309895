"""Rule packs and the evaluator over hand-built facts snapshots (no database)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from racine.domain.compliance.custom import parse_check
from racine.domain.compliance.evaluate import evaluate
from racine.domain.compliance.facts import AssetFact, FactIndex, Facts
from racine.domain.compliance.model import (
    FindingStatus,
    TallyRow,
    evidence_digest,
    evidence_text,
    finding_fingerprint,
)
from racine.domain.compliance.packs import parse_pack, shipped_packs
from racine.domain.compliance.reconcile import StoredFinding, reconcile
from racine.domain.compliance.rules import RulePack
from racine.domain.compliance.scoring import score_frameworks
from racine.domain.errors import NotFound, ValidationFailed

NOW = datetime(2025, 6, 1, tzinfo=UTC)


class Catalog:
    """A tiny catalog builder: source → schema → tables → columns."""

    def __init__(self, source_props: dict | None = None) -> None:
        self.source = uuid.uuid4()
        self.facts = Facts(assets={}, taken_at=NOW, source_names={self.source: "shop"})
        self._add(self.source, "DATA_SOURCE", "shop", None, source_props or {})
        self.schema = self._add(uuid.uuid4(), "SCHEMA", "shop.public", self.source, {})

    def _add(self, ident, kind, qn, parent, props) -> uuid.UUID:
        self.facts.assets[ident] = AssetFact(
            ident, kind, qn.rsplit(".", 1)[-1], qn, self.source, parent, props
        )
        return ident

    def table(self, name: str, **props) -> uuid.UUID:
        return self._add(uuid.uuid4(), "TABLE", f"shop.public.{name}", self.schema, props)

    def column(self, table: uuid.UUID, name: str, labels=(), tags=(), **props) -> uuid.UUID:
        qn = f"{self.facts.assets[table].qualified_name}.{name}"
        ident = self._add(uuid.uuid4(), "COLUMN", qn, table, props)
        if labels:
            self.facts.labels[ident] = tuple(labels)
        if tags:
            self.facts.tags[ident] = frozenset(tags)
        return ident

    def own(self, asset: uuid.UUID) -> None:
        self.facts.owners[asset] = (uuid.uuid4(),)

    def run(self, *frameworks: str):
        return evaluate(FactIndex(self.facts), shipped_packs(frameworks), now=NOW)


def failed(result, control: str, asset: uuid.UUID) -> list:
    return [v for v in result.violations if v.control_id == control and v.asset_id == asset]


def test_all_five_frameworks_load_and_validate() -> None:
    packs = {p.framework: p for p in shipped_packs()}
    assert set(packs) == {"GDPR", "CCPA", "HIPAA", "PCI_DSS", "SOC2"}
    pci = {c.id: c for c in packs["PCI_DSS"].controls}
    assert pci["3.4"].requirement == "PCI DSS 3.2.1 Req. 3.4"
    assert {c.id for c in pci["3.4"].checks} == {"pan-masked", "pan-restricted"}


def test_a_pack_with_an_unknown_field_fails_with_the_path() -> None:
    data = shipped_packs(["SOC2"])[0].model_dump(mode="json")
    data["controls"][0]["checks"][0]["scope"]["kindz"] = ["TABLE"]
    with pytest.raises(ValidationFailed) as err:
        parse_pack(data, origin="soc2.json")
    assert "soc2.json" in err.value.message
    assert "controls.0.checks.0.scope.kindz" in err.value.message
    assert "Extra inputs are not permitted" in err.value.message


def test_a_pack_with_an_unknown_operator_or_type_fails() -> None:
    data = shipped_packs(["PCI_DSS"])[0].model_dump(mode="json")
    data["controls"][0]["checks"][0]["conditions"] = [{"op": "run_python", "code": "1"}]
    with pytest.raises(ValidationFailed):
        parse_pack(data)
    data = shipped_packs(["PCI_DSS"])[0].model_dump(mode="json")
    data["controls"][0]["checks"][0]["scope"]["classification_types"] = ["NOT_A_TYPE"]
    with pytest.raises(ValidationFailed, match="NOT_A_TYPE"):
        parse_pack(data)


def test_unknown_framework_is_not_found() -> None:
    with pytest.raises(NotFound):
        shipped_packs(["ISO27001"])


def test_pci_34_flags_an_unmasked_card_column_with_evidence() -> None:
    cat = Catalog()
    orders = cat.table("orders")
    card = cat.column(orders, "card_number", labels=["CREDIT_CARD"])
    masked = cat.column(orders, "card_masked", labels=["CREDIT_CARD"], tags=["masked"])
    by_prop = cat.column(orders, "card_tok", labels=["CREDIT_CARD"], transformation="tokenized")
    result = cat.run("PCI_DSS")
    (v,) = [x for x in failed(result, "3.4", card) if x.check_id == "pan-masked"]
    assert v.severity.value == "CRITICAL"
    assert v.evidence["asset"] == "shop.public.orders.card_number"
    assert v.evidence["labels"] == ["CREDIT_CARD"]
    assert v.evidence["failed"][0]["op"] == "any_of"
    assert not failed(result, "3.4", masked)
    assert not failed(result, "3.4", by_prop)


def test_pci_34_requires_restricted_sensitivity() -> None:
    cat = Catalog()
    t = cat.table("orders")
    col = cat.column(
        t, "pan", labels=["CREDIT_CARD"], tags=["encrypted"], sensitivity="CONFIDENTIAL"
    )
    (v,) = failed(cat.run("PCI_DSS"), "3.4", col)
    assert v.check_id == "pan-restricted"
    assert v.evidence["failed"] == [
        {"op": "sensitivity_at_least", "required": "RESTRICTED", "actual": "CONFIDENTIAL"}
    ]


def test_gdpr_art30_needs_owner_purpose_and_retention_with_inheritance() -> None:
    cat = Catalog()
    bare = cat.table("customers")
    cat.column(bare, "email", labels=["EMAIL"])
    good = cat.table("members", purpose="billing", retention_days=365)
    cat.column(good, "email", labels=["EMAIL"])
    cat.own(cat.source)  # the source's owner covers its tables
    plain = cat.table("plain")
    cat.column(plain, "n")
    result = cat.run("GDPR")
    (v,) = failed(result, "Art.30", bare)
    assert {f["key"] for f in v.evidence["failed"]} == {"purpose", "retention_days"}
    assert not failed(result, "Art.30", good)
    assert not failed(result, "Art.30", plain)  # holds no personal data: out of scope
    assert failed(result, "Art.5(1)(e)", bare)


def test_hipaa_health_data_only_in_covered_sources() -> None:
    uncovered = Catalog()
    t = uncovered.table("visits")
    c = uncovered.column(t, "diagnosis", labels=["ICD10_CODE"])
    assert failed(uncovered.run("HIPAA"), "164.308(a)(1)", c)
    covered = Catalog(source_props={"hipaa_covered": True})
    t2 = covered.table("visits", allowed_roles=["clinician"])
    c2 = covered.column(t2, "diagnosis", labels=["ICD10_CODE"])
    result = covered.run("HIPAA")
    assert not failed(result, "164.308(a)(1)", c2)
    assert not failed(result, "164.312(a)(1)", t2)
    bad_roles = covered.table("exports", allowed_roles=["clinician", "marketing"])
    covered.column(bad_roles, "dx", labels=["ICD10_CODE"])
    assert failed(covered.run("HIPAA"), "164.312(a)(1)", bad_roles)


def test_soc2_cc61_access_review_must_be_recent() -> None:
    cat = Catalog()
    fresh = cat.table("a", last_access_review=(NOW - timedelta(days=10)).date().isoformat())
    stale = cat.table("b", last_access_review=(NOW - timedelta(days=200)).date().isoformat())
    for t in (fresh, stale):
        cat.column(t, "email", labels=["EMAIL"])
        cat.own(t)
    result = cat.run("SOC2")
    assert not failed(result, "CC6.1", fresh)
    (v,) = failed(result, "CC6.1", stale)
    assert v.evidence["failed"][0]["ageDays"] == 200.0


def test_gdpr_lineage_flags_personal_data_flowing_into_ungoverned_dataset() -> None:
    cat = Catalog()
    src = cat.table("customers")
    email = cat.column(src, "email", labels=["EMAIL"])
    copy = cat.table("export")
    copied = cat.column(copy, "mail")
    governed = cat.table("crm")
    gov_col = cat.column(governed, "mail", labels=["EMAIL"])
    cat.own(governed)
    cat.facts.edges = [(email, copied), (email, gov_col)]
    (v,) = [x for x in failed(cat.run("GDPR"), "Art.5(2)-lineage", src)]
    assert v.evidence["failed"][0]["assets"] == ["shop.public.export"]


def test_custom_rule_with_a_missing_type_is_a_typed_error() -> None:
    with pytest.raises(ValidationFailed, match="NO_SUCH_TYPE") as err:
        parse_check(
            {
                "scope": {"kinds": ["COLUMN"]},
                "conditions": [{"op": "has_classification", "types": ["NO_SUCH_TYPE"]}],
            }
        )
    assert err.value.field == "definition"
    with pytest.raises(ValidationFailed, match="Extra inputs"):
        parse_check(
            {
                "scope": {"kinds": ["COLUMN"]},
                "conditions": [{"op": "has_owner"}],
                "code": "import os",
            }
        )


def test_custom_rule_evaluates_like_a_pack() -> None:
    cat = Catalog()
    t = cat.table("payroll")
    salary = cat.column(t, "salary", labels=["SALARY"])
    check = parse_check(
        {
            "scope": {"kinds": ["COLUMN"], "classification_types": ["SALARY"]},
            "conditions": [{"op": "has_tag", "any_of": ["hr-approved"]}],
        }
    )
    pack = RulePack.model_validate(
        {
            "framework": "CUSTOM",
            "name": "c",
            "version": "1",
            "controls": [
                {
                    "id": "salary-approved",
                    "title": "t",
                    "requirement": "r",
                    "severity": "LOW",
                    "checks": [check.model_dump()],
                }
            ],
        }
    )
    result = evaluate(FactIndex(cat.facts), [pack], now=NOW)
    assert [v.asset_id for v in result.violations] == [salary]


def test_reconcile_resolves_what_is_not_reproduced_and_scores_follow_status() -> None:
    cat = Catalog()
    t = cat.table("orders")
    card = cat.column(t, "card", labels=["CREDIT_CARD"])
    index = FactIndex(cat.facts)
    first = evaluate(index, shipped_packs(["PCI_DSS"]), now=NOW)
    run1 = uuid.uuid4()
    changes = reconcile(
        {}, first.violations, cat.facts.assets, run_id=run1, now=NOW, in_scope=lambda f: True
    )
    assert changes.new and all(f.status is FindingStatus.OPEN for f in changes.new)
    existing = {f.key: f for f in changes.new}
    tallies = [
        TallyRow("PCI_DSS", c, cat.source, t.evaluated) for (_, c), t in first.tallies.items()
    ]

    def score() -> float:
        fails = Counter(
            (f.framework, f.control_id, f.source_id) for f in existing.values() if f.status.failing
        )
        return score_frameworks(["PCI_DSS"], tallies, fails)["PCI_DSS"].total.score

    before = score()
    pan = next(f for f in existing.values() if f.check_id == "pan-masked")
    pan.status = FindingStatus.ACCEPTED_RISK
    assert score() > before
    # The card column gets masked: its masking finding is resolved on the next run.
    cat.facts.tags[card] = frozenset({"masked"})
    index2 = FactIndex(cat.facts)
    second = evaluate(index2, shipped_packs(["PCI_DSS"]), now=NOW)
    stored = {
        f.fingerprint: StoredFinding(f.id, f.framework, f.source_id, f.status, f.digest)
        for f in existing.values()
    }
    changes2 = reconcile(
        stored,
        second.violations,
        cat.facts.assets,
        run_id=uuid.uuid4(),
        now=NOW,
        in_scope=lambda f: True,
    )
    assert changes2.resolved == [pan.id]
    assert not changes2.new and not changes2.refreshed and not changes2.reopened
    assert changes2.touched == len(second.violations)


def test_evidence_is_written_as_the_canonical_json_of_its_dictionary() -> None:
    # Names with quotes, backslashes, control characters and non-ASCII text, a
    # sensitivity override, tags and labels: the evaluator writes evidence piece by
    # piece; it must be exactly ``evidence_text`` of the same dictionary (stored
    # digests were made from that).
    cat = Catalog()
    t = cat.table('ord"ers\\é', sensitivity="restricted", purpose="x\ty")
    cat.column(t, "cärd\u2028", labels=["CREDIT_CARD", "EMAIL"], tags=["pii", "zz"])
    cat.column(t, "dob", labels=["DATE_OF_BIRTH"], transformation=["masked", 3])
    cat.column(t, "diag", labels=["ICD10_CODE"], hipaa_covered="yes")
    result = evaluate(FactIndex(cat.facts), shipped_packs(), now=NOW)
    assert len(result.violations) > 5
    for v in result.violations:
        assert v.evidence_json == evidence_text(v.evidence)
        assert v.digest == evidence_digest(v.severity.value, v.evidence_json)
        assert v.fingerprint == finding_fingerprint(
            v.framework, v.control_id, v.check_id, v.asset_id
        )
