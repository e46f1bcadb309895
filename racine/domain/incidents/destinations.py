"""Where webhooks may send: the destination policy against server-side request forgery.

A webhook makes the server POST to a URL an admin typed. Unchecked, that URL
could reach the server's own loopback interface, the private network behind
it, or the cloud metadata endpoint (``169.254.169.254``). So a destination is
judged by the addresses its host *resolves to*, not by its spelling: every
address must be public, unless it falls in a network the operator allows
(``RACINE_WEBHOOK_ALLOWED_NETWORKS``).

Refused: loopback, private (RFC 1918, IPv6 unique-local, and the other ranges
Python's ``ipaddress`` calls private), link-local, carrier-grade NAT
(100.64.0.0/10), multicast, reserved, unspecified and IPv6 site-local
addresses, including IPv4 addresses wrapped in IPv6 (IPv4-mapped, 6to4, Teredo).
A host with several addresses is refused if any one of them is.

The check runs at ``createWebhook`` and again at every delivery attempt (DNS
can change). :meth:`DestinationPolicy.resolve` returns the checked addresses
so the delivery connects to one of those very addresses: no second lookup that
a rebinding DNS server could answer differently. Lookups use the event loop's
``getaddrinfo`` (a thread), never blocking the loop.

Messages never name the resolved addresses: they would tell an admin what
internal names resolve to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from racine.domain.errors import ValidationFailed

__all__ = ["REFUSED", "UNRESOLVED", "DestinationPolicy", "refused_address"]

REFUSED = (
    "url resolves to a loopback, private, link-local or otherwise non-public "
    "address, which webhooks may not reach (an operator can allow a network with "
    "RACINE_WEBHOOK_ALLOWED_NETWORKS)"
)
UNRESOLVED = "url host does not resolve to any address"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_LOOKUP_TIMEOUT_S = 5.0


def _embedded(address: IPAddress) -> list[IPAddress]:
    """What to judge: an IPv4-mapped address is its IPv4 address (a connection to
    it reaches that IPv4 host); other IPv6 addresses, plus any IPv4 address they
    carry (6to4, Teredo)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
    return found


def _non_public(address: IPAddress) -> bool:
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT)
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


def refused_address(address: IPAddress, allowed: Iterable[IPNetwork] = ()) -> bool:
    """True when ``address`` (or an IPv4 address inside it) is non-public and in no
    allowed network."""
    nets = list(allowed)

    def allowed_one(a: IPAddress) -> bool:
        return any(a.version == n.version and a in n for n in nets)

    return any(_non_public(a) and not allowed_one(a) for a in _embedded(address))


class DestinationPolicy:
    """The operator's allowlist (CIDRs) and the checks that use it."""

    def __init__(self, allowed_networks: Iterable[str] = ()) -> None:
        self.allowed: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(n.strip(), strict=False) for n in allowed_networks
        )

    def refuses(self, address: IPAddress) -> bool:
        return refused_address(address, self.allowed)

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for ``host`` (an IP literal or an ASCII name),
        in resolver order, after checking every one of them. Raises ``ValidationFailed``
        on field ``url`` when the host does not resolve or is refused."""
        literal = host.strip("[]")
        try:
            addresses = [ipaddress.ip_address(literal)]
        except ValueError:
            addresses = await self._lookup(literal, port)
        if not addresses:
            raise ValidationFailed(UNRESOLVED, field="url")
        if any(self.refuses(a) for a in addresses):
            raise ValidationFailed(REFUSED, field="url")
        return [str(a) for a in addresses]

    async def check_url(self, url: str) -> None:
        """``resolve`` for a whole http(s) URL (the host IDNA-encoded)."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            ascii_host = host.encode("idna").decode("ascii")
        except (ValueError, UnicodeError):
            raise ValidationFailed("url has an invalid host or port", field="url") from None
        await self.resolve(ascii_host, port)

    @staticmethod
    async def _lookup(host: str, port: int) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(_LOOKUP_TIMEOUT_S):
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError, UnicodeError):
            return []
        found: list[IPAddress] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            # scope ids ("fe80::1%eth0") are dropped: the address alone is judged
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in found:
                found.append(address)
        return found
