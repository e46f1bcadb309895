"""The webhook destination policy: which resolved addresses are refused, and the allowlist."""

from __future__ import annotations

import ipaddress

import pytest

from racine.domain.errors import ValidationFailed
from racine.domain.incidents.destinations import REFUSED, DestinationPolicy, refused_address

REFUSED_ADDRESSES = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",  # loopback, RFC 1918
    "169.254.169.254",
    "fe80::1",  # link-local (cloud metadata)
    "100.64.0.1",  # carrier-grade NAT
    "224.0.0.1",
    "ff02::1",  # multicast
    "240.0.0.1",
    "0.0.0.0",
    "::",  # reserved, unspecified
    "::1",
    "fd00::1",
    "fec0::1",  # IPv6 loopback, unique-local, site-local
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",  # IPv4-mapped
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refused_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert not refused_address(ipaddress.ip_address(address))


def test_the_allowlist_lets_its_networks_through_and_no_others() -> None:
    policy = DestinationPolicy(["127.0.0.0/8", "fd00::/8"])
    assert not policy.refuses(ipaddress.ip_address("127.0.0.1"))
    assert not policy.refuses(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not policy.refuses(ipaddress.ip_address("fd12::1"))
    assert policy.refuses(ipaddress.ip_address("::1"))
    assert policy.refuses(ipaddress.ip_address("169.254.169.254"))


async def test_a_name_is_judged_by_what_it_resolves_to() -> None:
    with pytest.raises(ValidationFailed) as caught:
        await DestinationPolicy().check_url("http://localhost:8080/hook")
    assert caught.value.field == "url" and caught.value.message == REFUSED
    assert "127.0.0.1" not in caught.value.message
    assert "127.0.0.1" in await DestinationPolicy(["127.0.0.0/8", "::1/128"]).resolve(
        "localhost", 8080
    )
