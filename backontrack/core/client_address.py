"""The client's address, as used for sign-in lockouts (and later the audit trail)."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind N trusted reverse proxies the Nth entry from the right of
    X-Forwarded-For (entries further left are written by the client and can be forged).
    IPv6 addresses are reduced to their /64 network: one subscriber usually holds a whole
    /64, so counting single addresses would let them rotate past the lockout."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.BACKONTRACK_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return ""  # never store what a client wrote in place of an address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        # The network's first address: still a valid address for Axes' address column.
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)
