"""Names inside application payloads: TLS ClientHello SNI and the HTTP Host header.

Every length read from the wire is checked against the bytes actually present; a lying length
raises ``PayloadError`` (counted as a skip by the caller), never an IndexError or a long loop.
"""

from __future__ import annotations

import ipaddress

from howsafe.errors import PayloadError
from howsafe.parse.numbers import strict_int

HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ")
MAX_HTTP_HEAD = 8192
MAX_EXTENSIONS = 128


def _u16(b: bytes, i: int) -> int:
    return (b[i] << 8) | b[i + 1]


def client_hello_sni(hs: bytes, *, complete: bool = True) -> str | None:
    """SNI from a TLS handshake message (starting at the handshake type byte); None if absent.

    Raises PayloadError when a length field points past the data or the message is not a
    ClientHello. With ``complete=False`` (first TCP segment of a longer record) a length running past
    the data means "not here yet" and gives None instead of an error.
    """
    n = len(hs)
    if n < 4 or hs[0] != 1:
        raise PayloadError("not a ClientHello")
    pos = 4 + 2 + 32  # type, length(3), version, random
    if pos >= n:
        raise PayloadError("ClientHello too short")
    pos += 1 + hs[pos]  # session id
    if pos + 2 > n:
        raise PayloadError("ClientHello truncated at cipher suites")
    pos += 2 + _u16(hs, pos)  # cipher suites
    if pos >= n:
        raise PayloadError("ClientHello truncated at compression methods")
    pos += 1 + hs[pos]  # compression methods
    if pos + 2 > n:
        return None  # no extensions
    ext_total = _u16(hs, pos)
    pos += 2
    end = pos + ext_total
    if end > n:
        if complete:
            raise PayloadError("TLS extensions length exceeds the ClientHello")
        end = n
    count = 0
    while pos + 4 <= end:
        count += 1
        if count > MAX_EXTENSIONS:
            raise PayloadError("too many TLS extensions")
        etype = _u16(hs, pos)
        elen = _u16(hs, pos + 2)
        pos += 4
        if etype == 0:
            if pos + elen > end:
                if not complete:
                    return None
                raise PayloadError("server_name extension length exceeds the data")
            if elen < 5:
                raise PayloadError("server_name extension too short")
            list_len = _u16(hs, pos)
            if list_len + 2 > elen:
                raise PayloadError("server_name list length exceeds the extension")
            p = pos + 2
            stop = p + list_len
            while p + 3 <= stop:
                ntype = hs[p]
                nlen = _u16(hs, p + 1)
                p += 3
                if p + nlen > stop:
                    raise PayloadError("server name length exceeds the list")
                if ntype == 0:
                    name = hs[p : p + nlen].decode("ascii", "replace").lower().rstrip(".")
                    return name or None
                p += nlen
            return None
        if pos + elen > end:
            if not complete:
                return None
            raise PayloadError("TLS extension length exceeds the data")
        pos += elen
    return None


def tls_record_sni(payload: bytes) -> str | None:
    """SNI from a TCP payload holding a TLS handshake record; None when it is not a ClientHello."""
    if len(payload) < 9 or payload[0] != 0x16 or payload[1] != 3 or payload[5] != 1:
        return None
    rec_len = _u16(payload, 3)
    hs_len = (payload[6] << 16) | (payload[7] << 8) | payload[8]
    complete = 5 + rec_len <= len(payload) and hs_len + 4 <= rec_len
    return client_hello_sni(payload[5 : 5 + rec_len] if complete else payload[5:], complete=complete)


def tls_record_incomplete(payload: bytes) -> bool:
    """A TLS record whose declared length runs past the bytes present (more TCP segments follow)."""
    return len(payload) >= 5 and 5 + _u16(payload, 3) > len(payload)


def is_http_request(payload: bytes) -> bool:
    return payload.startswith(HTTP_METHODS)


def http_host(payload: bytes) -> tuple[str | None, str, bool]:
    """(host without port or None for IP literals, method, carries data) of an HTTP request head.

    "Carries data" means a body (Content-Length > 0 or chunked) or a query string: the cases in
    which plaintext HTTP sends something about the user rather than only fetching a file.
    """
    head = payload[:MAX_HTTP_HEAD]
    eol = head.find(b"\r\n")
    request_line = head[: eol if eol >= 0 else len(head)]
    parts = request_line.split(b" ")
    method = parts[0].decode("ascii", "replace")
    target = parts[1] if len(parts) > 1 else b""
    carries = b"?" in target
    host: str | None = None
    for line in head.split(b"\r\n")[1:]:
        if not line:
            break
        key, _, value = line.partition(b":")
        k = key.strip().lower()
        if k == b"host":
            host = value.strip().decode("ascii", "replace").lower()
        elif k == b"content-length":
            carries = carries or (strict_int(value.strip()) or 0) > 0
        elif k == b"transfer-encoding" and b"chunked" in value.lower():
            carries = True
    return (strip_host(host) if host else None), method, carries


def strip_host(host: str) -> str | None:
    """Drop the port and reject IP literals, so that ``name:8080`` and ``name`` are one host."""
    h = host.strip().rstrip(".")
    if h.startswith("["):
        return None  # IPv6 literal
    if h.count(":") == 1:
        h = h.split(":", 1)[0]
    try:
        ipaddress.ip_address(h)
    except ValueError:
        return h or None
    return None
