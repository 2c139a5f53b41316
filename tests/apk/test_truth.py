"""The scanner against the fixture truth: trackers, manifest fields, class counts, splits."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from apk.apk_truth import TRUTH, VALID, fixture_path
from apk.apk_truth import scanned as all_scanned


def _short(name: str) -> str:
    """truth names howsafe-only SDKs like 'Google Ads (εxodus id 71): ...': keep the SDK name."""
    return name.split(" (")[0]


@pytest.mark.parametrize("key", VALID)
def test_exodus_trackers_exactly(key: str) -> None:
    scanned = all_scanned()
    rep, exp = scanned[key], TRUTH[key]
    assert rep.error is None
    found = sorted(h.exodus_id for h in rep.trackers if h.origin == "exodus")  # type: ignore[type-var]
    assert found == sorted(exp["tracker_ids"])
    names = sorted(h.name for h in rep.trackers if h.origin == "exodus")
    assert names == sorted(exp["tracker_names"])  # names exactly as in the εxodus list


@pytest.mark.parametrize("key", VALID)
def test_sdks_without_exodus_signature(key: str) -> None:
    scanned = all_scanned()
    rep, exp = scanned[key], TRUTH[key]
    own = sorted(h.name for h in rep.trackers if h.origin == "howsafe")
    assert own == sorted(_short(t["name"]) for t in exp["trackers_without_exodus_signature"])


@pytest.mark.parametrize("key", VALID)
def test_manifest_and_classes(key: str) -> None:
    scanned = all_scanned()
    rep, exp = scanned[key], TRUTH[key]
    assert rep.package == exp["package"]
    assert rep.version_code == exp["version_code"]
    assert rep.version_name == exp["version_name"]
    assert rep.min_sdk == exp["min_sdk"]
    assert rep.target_sdk == exp["target_sdk"]
    assert list(rep.permissions) == exp["permissions"]
    assert rep.classes_scanned == exp["class_count"]
    assert len(rep.signer_sha256) >= 1 and all(len(s) == 64 for s in rep.signer_sha256)
    if exp["kind"] == "apk":
        assert dict(rep.dex_files) == {n: d["class_count"] for n, d in exp["dex_files"].items()}


def test_evidence_names_defined_classes() -> None:
    scanned = all_scanned()
    exp = {t["name"]: t for t in TRUTH["trackers/many-trackers.apk"]["trackers"]}
    for hit in scanned["trackers/many-trackers.apk"].trackers:
        if hit.origin != "exodus":
            continue
        assert hit.class_count == exp[hit.name]["matched_class_count"]
        assert set(hit.signatures) == set(exp[hit.name]["matched_signatures"])
        assert all(any(s in c for s in hit.signatures) for c in hit.classes)


def test_prefix_collision_is_doubtful() -> None:
    scanned = all_scanned()
    [tune] = scanned["trackers/prefix-collision.apk"].trackers
    assert (tune.name, tune.exodus_id, tune.confidence) == ("Tune", 38, "low")
    assert "com.tunecraft.player" in tune.reason and "com.tune" in tune.reason


def test_real_trackers_are_not_doubtful() -> None:
    """Shaded copies inside the app's own package still count: the signature is not in the package name."""
    scanned = all_scanned()
    for key in VALID:
        if key != "trackers/prefix-collision.apk":
            assert all(h.confidence == "high" for h in scanned[key].trackers), key


def test_split_forms_agree() -> None:
    scanned = all_scanned()
    forms = [k for k in VALID if "skyferry" in k]
    assert len(forms) == 3
    results = {(tuple(h.name for h in scanned[k].trackers), scanned[k].classes_scanned) for k in forms}
    assert len(results) == 1
    kinds = {scanned[k].kind for k in forms}
    assert kinds == {"split_dir", "bundle_apks", "bundle_xapk"}
    for k in forms:
        assert len(scanned[k].parts) == 3
        assert {p.split for p in scanned[k].parts} == {None, "config.arm64_v8a", "feature_ads"}


def test_labels_read_inline_or_resolved_from_resources() -> None:
    scanned = all_scanned()
    assert scanned["trackers/lone-stub-short-signature.apk"].label == "Petit Marché"
    # the manifest says @0x7f110020; resources.arsc resolves it (checked with aapt dump badging)
    assert scanned["apks/airtest-1.4.3_Yosemite.apk"].label == "Yosemite"


V1_SIGNED = [k for k in VALID if TRUTH[k]["kind"] == "apk" and "v1" in TRUTH[k]["signature"]["schemes"]]


@pytest.mark.parametrize("key", V1_SIGNED)
def test_signer_digest_is_the_certificate_in_the_v1_signature(key: str) -> None:
    """The digest users match against cert indicators: SHA-256 of the DER certificate, checked here
    with an independent PKCS#7 reader (cryptography) on the JAR signature block."""
    with zipfile.ZipFile(fixture_path(key)) as zf:
        blocks = [
            n for n in zf.namelist() if n.startswith("META-INF/") and n.rsplit(".", 1)[-1] in ("RSA", "DSA", "EC")
        ]
        certs = [c for n in blocks for c in pkcs7.load_der_pkcs7_certificates(zf.read(n))]
    assert certs, key
    expected = sorted({hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest() for c in certs})
    assert sorted(all_scanned()[key].signer_sha256) == expected


def test_v1_signed_fixtures_are_checked() -> None:
    assert len(V1_SIGNED) >= 12  # the 2 real v1-signed APKs and the synthetic tracker apps
