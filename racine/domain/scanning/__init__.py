"""Scanning area of the domain."""
