"""The GraphQL schema: strawberry types per area, assembled in :mod:`racine.schema.root`."""
