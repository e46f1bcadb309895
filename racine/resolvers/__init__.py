"""Thin resolvers: parse input, build a command, call a domain use case, map the result."""
