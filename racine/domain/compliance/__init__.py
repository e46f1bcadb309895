"""Compliance frameworks as executable checks over the catalog.

Shipped rule packs (``packs/*.json``: GDPR, CCPA, HIPAA, PCI-DSS, SOC 2) and
custom rules share one declarative language (:mod:`.rules`); an evaluation loads
a facts snapshot in a few bulk queries and runs every check over it
(:mod:`.evaluate`), then reconciles findings and scores (:mod:`.evaluation`).
After a scan, call :func:`racine.domain.compliance.hooks.after_scan`.
"""
