"""Migration 0012 backfills fingerprints and digests exactly as the code computes them."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

from racine.domain.compliance.model import evidence_digest, evidence_text, finding_fingerprint
from racine.persistence.migrate import upgrade


def test_existing_findings_get_the_fingerprint_and_digest_the_code_computes(tmp_path: Path) -> None:
    # Given a database at 0011 holding a finding
    path = tmp_path / "m.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0011")
    asset = uuid.uuid4()
    evidence = {"tags": ["pii"], "check": "pan-masked", "failed": [{"op": "has_tag"}]}
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO compliance_findings (id, framework, control_id, check_id, asset_id, "
        "source_id, asset_name, severity, evidence, status, first_seen, last_seen) "
        "VALUES (?, 'PCI_DSS', '3.4', 'pan-masked', ?, NULL, 's.t.c', 'CRITICAL', ?, 'OPEN', "
        "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')",
        (uuid.uuid4().hex, asset.hex, json.dumps(evidence)),
    )
    conn.commit()
    conn.close()
    # When it is upgraded to head
    upgrade(url)
    # Then the finding has the fingerprint and digest a fresh evaluation would compute
    conn = sqlite3.connect(path)
    fingerprint, digest = conn.execute(
        "SELECT fingerprint, evidence_digest FROM compliance_findings"
    ).fetchone()
    conn.close()
    assert fingerprint == finding_fingerprint("PCI_DSS", "3.4", "pan-masked", asset)
    assert digest == evidence_digest("CRITICAL", evidence_text(evidence))
