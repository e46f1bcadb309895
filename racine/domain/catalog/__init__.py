"""Catalog area of the domain."""
