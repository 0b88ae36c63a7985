"""The client's IP address, for rate limits and visitor hashes."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(meta) -> str:
    """REMOTE_ADDR, unless DANGJIAN_CLIENT_IP_HEADER names the header a trusted proxy in front
    sets (X-Real-IP from our nginx config). Any client can send such a header itself, so it
    is only read when the operator says a proxy replaces it. For X-Forwarded-For the last
    entry is taken: the one the trusted proxy appended."""
    if settings.CLIENT_IP_META_KEY:
        value = meta.get(settings.CLIENT_IP_META_KEY, "")
        if value:
            return value.rsplit(",", 1)[-1].strip()
    return meta.get("REMOTE_ADDR", "")


def client_network(ip: str) -> str:
    """What limits per address count against: an IPv4 address, or the /64 an IPv6 address is
    in (one subscriber gets a whole /64 and can pick any of its 2^64 addresses)."""
    return _network(ip, 32, 64)


def client_prefix(ip: str) -> str:
    """The wider block around it, for limits that many addresses share: the IPv4 /24 (a
    hosting subnet, a carrier's pool) or the IPv6 /48 (one site's allocation)."""
    return _network(ip, 24, 48)


def _network(ip: str, v4_bits: int, v6_bits: int) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6 and address.ipv4_mapped is not None:  # ::ffff:1.2.3.4 is the IPv4 address
        address = address.ipv4_mapped
    bits = v4_bits if address.version == 4 else v6_bits
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))
