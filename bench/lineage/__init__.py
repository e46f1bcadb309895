"""Lineage traversal benchmark: ``python -m bench.lineage`` (see RESULTS.md)."""
