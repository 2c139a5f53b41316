"""APK v1 (JAR) signatures read as Android reads them, and compression method 21.

The signature blocks are made here with real keys (``cryptography``'s PKCS#7 builder), the way
apksig's and androguard's test APKs exercise the same three cases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from howsafe.apk.signer import _children, _tlv, signer_digests
from howsafe.apk.zipread import ZipArchive

SF = b"Signature-Version: 1.0\r\nCreated-By: test\r\n\r\n"


def _cert(cn: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _fp(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _block(signer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], decoy: x509.Certificate) -> bytes:
    """A detached PKCS#7 over the .SF whose certificate bag lists the decoy FIRST."""
    der = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(SF)
        .add_signer(signer[0], signer[1], hashes.SHA256())
        .add_certificate(decoy)
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
    _, c, _e = _tlv(der, 0)
    _, _oc, oe = _tlv(der, c)
    _, c, _e = _tlv(der, oe)
    _, c, e = _tlv(der, c)
    bag = next(x for x in _children(der, c, e) if x[0] == 0xA0)
    certs = _children(der, bag[2], bag[3])
    assert len(certs) == 2
    parts = [der[s:ce] for _t, s, _cs, ce in certs]
    first_is_signer = parts[0] == signer[0].public_bytes(serialization.Encoding.DER)
    ordered = parts[::-1] if first_is_signer else parts
    out = der[: bag[2]] + b"".join(ordered) + der[bag[3] :]
    assert len(out) == len(der)
    return out


def _apk(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_the_signer_is_the_certificate_that_signs_the_sf_not_the_first_in_the_bag() -> None:
    signer, decoy = _cert("Real Signer"), _cert("Decoy in the bag")
    block = _block(signer, decoy[0])
    apk = _apk({"AndroidManifest.xml": b"\x03\x00", "META-INF/CERT.SF": SF, "META-INF/CERT.RSA": block})
    assert signer_digests(ZipArchive(apk)) == (_fp(signer[0]),)


def test_an_orphan_signature_block_without_its_sf_is_not_a_signer() -> None:
    signer, decoy = _cert("Real Signer"), _cert("Orphan")
    apk = _apk({
        "AndroidManifest.xml": b"\x03\x00",
        "META-INF/CERT.SF": SF, "META-INF/CERT.RSA": _block(signer, decoy[0]),
        "META-INF/ORPHAN.RSA": _block(decoy, signer[0]),  # no ORPHAN.SF beside it
    })  # fmt: skip
    assert signer_digests(ZipArchive(apk)) == (_fp(signer[0]),)
    only_orphan = _apk({"AndroidManifest.xml": b"\x03\x00", "META-INF/ORPHAN.RSA": _block(decoy, signer[0])})
    assert signer_digests(ZipArchive(only_orphan)) == ()


def _set_method(data: bytes, name: bytes, method: int) -> bytes:
    out = bytearray(data)
    for sig, method_at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        p = out.find(sig)
        while p >= 0:
            name_at = p + (30 if sig == b"PK\x03\x04" else 46)
            nlen = struct.unpack_from("<H", out, p + (26 if sig == b"PK\x03\x04" else 28))[0]
            if bytes(out[name_at : name_at + nlen]) == name:
                struct.pack_into("<H", out, p + method_at, method)
            p = out.find(sig, p + 4)
    return bytes(out)


def test_compression_method_21_is_inflated_as_deflate() -> None:
    dex = b"dex\n035\x00" + bytes(range(256)) * 40
    apk = _set_method(_apk({"AndroidManifest.xml": b"\x03\x00" * 100, "classes.dex": dex}), b"classes.dex", 21)
    with zipfile.ZipFile(io.BytesIO(apk)) as zf:
        assert zf.getinfo("classes.dex").compress_type == 21
    assert bytes(ZipArchive(apk).read("classes.dex")) == dex
