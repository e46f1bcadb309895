"""Users, roles, API tokens and the authorisation policy."""

from racine.domain.access.model import ApiToken, Principal, Role, User
from racine.domain.access.tokens import generate_token, hash_token

__all__ = ["ApiToken", "Principal", "Role", "User", "generate_token", "hash_token"]
