"""The domain: Racine's rules and use cases, free of frameworks.

Nothing here imports strawberry, SQLAlchemy or redis; adapters implement the
Protocols in :mod:`racine.domain.ports`.
"""
