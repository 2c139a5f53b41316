"""Signer certificate digests (SHA-256 of the DER certificate, as ``apksigner`` prints them).

Order of preference: the APK Signature Scheme v3 / v2 block (what Android verifies on modern
devices), else the v1 JAR signature (``META-INF/*.RSA|DSA|EC``, a PKCS#7 SignedData). This only
identifies the signer: it does not verify the signature (that is the installer's job, and a
fingerprint for a known-bad signer is what IOC matching needs).
"""

from __future__ import annotations

import hashlib
import struct

from howsafe.apk.zipread import ZipArchive

_BLOCK_MAGIC = b"APK Sig Block 42"
_V2_ID = 0x7109871A
_V3_ID = 0xF05368C0
_MAX_CERTS = 16


class _Bad(Exception):
    pass


def _lp(buf: bytes, p: int, end: int) -> tuple[bytes, int]:
    """A u32 length-prefixed slice at ``p``; returns it and the position after it."""
    if p + 4 > end:
        raise _Bad
    (n,) = struct.unpack_from("<I", buf, p)
    if p + 4 + n > end:
        raise _Bad
    return buf[p + 4 : p + 4 + n], p + 4 + n


def _block_certs(value: bytes) -> list[bytes]:
    """First certificate of each signer in a v2/v3 block value."""
    out: list[bytes] = []
    signers, _ = _lp(value, 0, len(value))
    p = 0
    while p < len(signers) and len(out) < _MAX_CERTS:
        signer, p = _lp(signers, p, len(signers))
        signed_data, _ = _lp(signer, 0, len(signer))
        _digests, q = _lp(signed_data, 0, len(signed_data))
        certs, _ = _lp(signed_data, q, len(signed_data))
        if certs:
            cert, _ = _lp(certs, 0, len(certs))
            out.append(cert)
    return out


def _signing_block_certs(buf: memoryview, cd_offset: int) -> list[bytes]:
    if cd_offset < 32:
        return []
    footer = bytes(buf[cd_offset - 24 : cd_offset])
    if footer[8:] != _BLOCK_MAGIC:
        return []
    (size,) = struct.unpack_from("<Q", footer, 0)
    start = cd_offset - size - 8
    if start < 0 or size > 64 * 1024 * 1024:
        return []
    block = bytes(buf[start + 8 : cd_offset - 24])
    pairs: dict[int, bytes] = {}
    p = 0
    while p + 12 <= len(block):
        (ln,) = struct.unpack_from("<Q", block, p)
        if ln < 4 or p + 8 + ln > len(block):
            break
        (pid,) = struct.unpack_from("<I", block, p + 8)
        pairs[pid] = block[p + 12 : p + 8 + ln]
        p += 8 + ln
    for pid in (_V3_ID, _V2_ID):
        if pid in pairs:
            try:
                return _block_certs(pairs[pid])
            except _Bad:
                continue
    return []


# -- minimal DER walking for v1 PKCS#7 ---------------------------------------------------------
def _tlv(buf: bytes, p: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at ``p``."""
    if p + 2 > len(buf):
        raise _Bad
    tag = buf[p]
    ln = buf[p + 1]
    p += 2
    if ln & 0x80:
        k = ln & 0x7F
        if k == 0 or k > 4 or p + k > len(buf):
            raise _Bad
        ln = int.from_bytes(buf[p : p + k], "big")
        p += k
    if p + ln > len(buf):
        raise _Bad
    return tag, p, p + ln


def _children(der: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, element start, content start, content end) of each DER element in [start, end)."""
    out: list[tuple[int, int, int, int]] = []
    p = start
    while p < end:
        tag, cs, ce = _tlv(der, p)
        out.append((tag, p, cs, ce))
        p = ce
    return out


def _issuer_serial(der: bytes, cert_start: int, cert_end: int) -> tuple[bytes, bytes] | None:
    """(issuer Name DER, serialNumber DER) of a Certificate element."""
    _t, cs, ce = _tlv(der, cert_start)
    tbs = _children(der, cs, ce)
    if not tbs or tbs[0][0] != 0x30:
        return None
    fields = _children(der, tbs[0][2], tbs[0][3])
    if fields and fields[0][0] == 0xA0:  # [0] EXPLICIT version
        fields = fields[1:]
    if len(fields) < 3 or fields[0][0] != 0x02:
        return None
    serial, issuer = fields[0], fields[2]
    return der[issuer[1] : issuer[3]], der[serial[1] : serial[3]]


def _pkcs7_signer_cert(der: bytes) -> bytes | None:
    """The certificate that signed a v1 signature block: the one whose issuer and serial number
    the first SignerInfo names (the bag may hold other certificates, in any order, before it).
    Falls back to the first certificate when the SignerInfo names its key another way."""
    try:
        _, c, _e = _tlv(der, 0)  # ContentInfo SEQUENCE
        _, _oc, oe = _tlv(der, c)  # contentType OID
        tag, c, _e = _tlv(der, oe)  # [0] EXPLICIT
        if tag != 0xA0:
            return None
        _, c, e = _tlv(der, c)  # SignedData SEQUENCE
        certs: list[tuple[int, int, int, int]] = []
        signer_infos: list[tuple[int, int, int, int]] = []
        for tag, _start, cs, ce in _children(der, c, e):
            if tag == 0xA0:  # certificates [0] IMPLICIT SET OF Certificate
                certs = _children(der, cs, ce)
            elif tag == 0x31:  # the last SET is signerInfos (digestAlgorithms is the first)
                signer_infos = _children(der, cs, ce)
        if not certs:
            return None
        if signer_infos:
            info = _children(der, signer_infos[0][2], signer_infos[0][3])
            if len(info) >= 2 and info[1][0] == 0x30:  # issuerAndSerialNumber
                sid = _children(der, info[1][2], info[1][3])
                if len(sid) == 2:
                    wanted = der[sid[0][1] : sid[0][3]], der[sid[1][1] : sid[1][3]]
                    for _t, start, _cs, ce in certs:
                        if _issuer_serial(der, start, ce) == wanted:
                            return der[start:ce]
                    return None  # names a certificate the block does not carry: no signer
        first = certs[0]
        return der[first[1] : first[3]]
    except _Bad:
        return None


def signer_digests(zf: ZipArchive) -> tuple[str, ...]:
    """SHA-256 hex digests of the signer certificates (v3/v2 block, else v1).

    v1: a signature block ``META-INF/NAME.RSA|DSA|EC`` counts only beside its ``NAME.SF`` (an
    orphan block signs nothing, and Android ignores it), and its signer is the certificate the
    SignerInfo names, not the first one in the bag.
    """
    certs = _signing_block_certs(zf.buf, zf.cd_offset)
    if not certs:
        upper = {name.upper(): name for name in zf.members}
        for name in sorted(zf.members):
            up = name.upper()
            if up.startswith("META-INF/") and up.endswith((".RSA", ".DSA", ".EC")) and up.count("/") == 1:
                if up.rsplit(".", 1)[0] + ".SF" not in upper:
                    continue
                try:
                    der = bytes(zf.read(name, cap=1024 * 1024))
                except Exception:  # noqa: S112 - a broken signature file only means "no v1 signer"
                    continue
                cert = _pkcs7_signer_cert(der)
                if cert:
                    certs.append(cert)
    return tuple(dict.fromkeys(hashlib.sha256(c).hexdigest() for c in certs))
