"""The one trustworthy client IP, for REST and for the Reflex socket alike.

`X-Forwarded-For` is a list every proxy appends to: "<what the client claimed>, …, <what our
first proxy saw>". Only the entries our own proxies wrote can be believed, and they are at the
right end. With TRUSTED_PROXY_HOPS = N (the number of our proxies in front of the app) the
client is the Nth entry from the right; anything left of it is whatever the client typed.
With 0 hops the header is ignored and the socket peer is the client.
"""

from __future__ import annotations

import ipaddress

MAX_IP_LENGTH = 45  # the width of the ip columns (an IPv6 address in full)


def client_ip(peer: str | None, forwarded_for: str | None, trusted_hops: int) -> str | None:
    """The client address: the socket peer, or the entry our outermost proxy wrote."""
    peer = peer[:MAX_IP_LENGTH] if peer else None  # the server's own view of the connection
    if trusted_hops <= 0 or not forwarded_for:
        return peer
    entries = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
    if len(entries) < trusted_hops:
        # The request did not come through the whole chain, and the leftmost entry may be
        # the client's own: the peer (one of our proxies) is wrong but cannot be forged.
        return peer
    chosen = _clean(entries[-trusted_hops])
    # A proxy of ours that wrote something that is not an address is misconfigured: again
    # the peer rather than anything the client could have chosen.
    return chosen if chosen is not None else peer


def _clean(value: str) -> str | None:
    """An IP address without port or brackets, or None when it is not one."""
    text = value.strip()
    if text.startswith("["):  # "[2001:db8::1]:443"
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return str(address)[:MAX_IP_LENGTH]


def header_values(raw_headers, name: bytes) -> str | None:
    """All values of a header in an ASGI scope's raw list, joined in order (RFC 9110 §5.3)."""
    values = [value.decode("latin-1") for key, value in raw_headers if key.lower() == name]
    return ", ".join(values) if values else None
