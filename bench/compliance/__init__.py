"""Compliance benchmark: ``python -m bench.compliance``."""
