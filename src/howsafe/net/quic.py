"""SNI from a QUIC v1 client Initial packet (RFC 9001 section 5).

The Initial is encrypted with keys derived from the client's Destination Connection ID and a
published salt, so any observer can decrypt it: remove header protection (AES-128-ECB mask),
decrypt with AES-128-GCM, gather the CRYPTO frames and read the ClientHello inside. This runs once
per UDP/443 flow, so its cost does not matter for throughput. Needs the ``cryptography`` package;
without it QUIC flows are still counted, only unnamed by QUIC.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from howsafe.errors import PayloadError, QuicError
from howsafe.net.payload import client_hello_sni

log = logging.getLogger(__name__)

V1_SALT = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
MAX_CRYPTO = 65536

try:  # optional: QUIC naming is skipped without it
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where cryptography is absent
    AVAILABLE = False


def _hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def _expand_label(secret: bytes, label: str, length: int) -> bytes:
    full = b"tls13 " + label.encode()
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + b"\x00"
    out = b""
    block = b""
    i = 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def _varint(b: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(b):
        raise QuicError("varint past the end")
    first = b[pos]
    size = 1 << (first >> 6)
    if pos + size > len(b):
        raise QuicError("varint past the end")
    val = first & 0x3F
    for i in range(1, size):
        val = (val << 8) | b[pos + i]
    return val, pos + size


def is_initial(payload: bytes) -> bool:
    """Long header, type Initial, version 1."""
    return len(payload) > 20 and payload[0] & 0xF0 == 0xC0 and payload[1:5] == b"\x00\x00\x00\x01"


def initial_sni(payload: bytes) -> str | None:
    """SNI of the ClientHello in a client Initial; None if it holds none. Raises QuicError."""
    if not AVAILABLE:
        return None
    if not is_initial(payload):
        raise QuicError("not a QUIC v1 Initial")
    pos = 5
    dcid_len = payload[pos]
    pos += 1
    if dcid_len > 20 or pos + dcid_len >= len(payload):
        raise QuicError("bad destination connection id")
    dcid = payload[pos : pos + dcid_len]
    pos += dcid_len
    scid_len = payload[pos]
    pos += 1 + scid_len
    token_len, pos = _varint(payload, pos)
    pos += token_len
    length, pos = _varint(payload, pos)
    pn_offset = pos
    if pn_offset + length > len(payload) or length < 20:
        raise QuicError("Initial length exceeds the datagram")

    secret = _hkdf_extract(V1_SALT, dcid)
    client = _expand_label(secret, "client in", 32)
    key = _expand_label(client, "quic key", 16)
    iv = _expand_label(client, "quic iv", 12)
    hp = _expand_label(client, "quic hp", 16)

    sample = payload[pn_offset + 4 : pn_offset + 20]
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()  # noqa: S305 - RFC 9001 header protection
    mask = enc.update(sample) + enc.finalize()
    first = payload[0] ^ (mask[0] & 0x0F)
    pn_len = (first & 0x03) + 1
    pn_bytes = bytes(payload[pn_offset + i] ^ mask[1 + i] for i in range(pn_len))
    header = bytes([first]) + payload[1:pn_offset] + pn_bytes
    pn = int.from_bytes(pn_bytes, "big")
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big"), strict=True))
    ciphertext = payload[pn_offset + pn_len : pn_offset + length]
    try:
        plain = AESGCM(key).decrypt(nonce, ciphertext, header)
    except Exception as exc:  # cryptography raises InvalidTag; anything else is equally "not decryptable"
        raise QuicError("Initial does not decrypt") from exc
    return _sni_from_frames(plain)


def _sni_from_frames(plain: bytes) -> str | None:
    chunks: dict[int, bytes] = {}
    pos = 0
    n = len(plain)
    while pos < n:
        ftype = plain[pos]
        if ftype in (0x00, 0x01):  # PADDING, PING
            pos += 1
            continue
        if ftype == 0x06:  # CRYPTO
            off, pos = _varint(plain, pos + 1)
            ln, pos = _varint(plain, pos)
            if pos + ln > n or off + ln > MAX_CRYPTO:
                raise QuicError("CRYPTO frame length exceeds the packet")
            if ln:  # a zero-length CRYPTO frame adds nothing (and would stall the reassembly below)
                chunks.setdefault(off, plain[pos : pos + ln])
            pos += ln
            continue
        if ftype in (0x02, 0x03):  # ACK: skip its ranges
            _, pos = _varint(plain, pos + 1)
            _, pos = _varint(plain, pos)
            count, pos = _varint(plain, pos)
            _, pos = _varint(plain, pos)
            for _ in range(min(count, 256)):
                _, pos = _varint(plain, pos)
                _, pos = _varint(plain, pos)
            if ftype == 0x03:
                for _ in range(3):
                    _, pos = _varint(plain, pos)
            continue
        break  # any other frame: stop, use what we have
    data = b""
    while len(data) in chunks and len(data) < MAX_CRYPTO:
        data += chunks.pop(len(data))
    if not data:
        return None
    try:
        hs_len = (data[1] << 16) | (data[2] << 8) | data[3] if len(data) >= 4 else 0
        return client_hello_sni(data, complete=len(data) >= hs_len + 4)
    except PayloadError as exc:
        raise QuicError(str(exc)) from exc
