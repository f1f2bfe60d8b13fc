"""Which IP addresses the platform may connect to on a caller's say-so (pure).

Anything a caller names (a did:web host, a webhook URL) must lead only to the public
internet; loopback, private, link-local (cloud metadata) and reserved ranges are refused,
including when an IPv6 form wraps one of them.
"""

from __future__ import annotations

import ipaddress

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(ip: IpAddress) -> bool:
    """True only for globally routable unicast, looking inside IPv6 forms that embed IPv4."""
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return all(is_public_address(inner) for inner in embedded if inner is not None)
    return True
