"""The OSV Android-ecosystem reader on the real records (google/vanir test data)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest

from conftest import DATA
from howsafe.errors import CorruptInputError, TooLargeError
from howsafe.model import Severity
from howsafe.vulns import osv
from howsafe.vulns.db import VulnDB
from howsafe.vulns.match import open_vulns
from howsafe.vulns.model import ComponentKind, DeviceFacts, MatchStatus

SAMPLES = DATA / "vulns" / "osv-android-samples"


def records(name: str) -> list[dict[str, object]]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def test_platform_record_with_release_ranges() -> None:
    (e,) = osv.read_records(records("test_vulnerabilities_platform.json"))
    assert e.cve == "CVE-2021-39630" and e.aliases == ("ASB-A-202768292",)
    assert e.spl == dt.date(2022, 1, 1)  # fixed "12:2022-01-01"
    assert e.versions == ("12",)  # introduced "12:0"
    assert (e.severity, e.type, e.kind) == (Severity.HIGH, "EoP", ComponentKind.FRAMEWORK)
    assert e.url == "https://osv.dev/vulnerability/ASB-A-202768292"
    assert e.references == "https://source.android.com/security/bulletin/2022-01-01"


def test_kernel_records_without_a_release() -> None:
    es = {e.cve: e for e in osv.read_records(records("test_vulnerabilities_kernel.json"))}
    assert set(es) == {"CVE-2018-25020", "CVE-2017-18509", "CVE-2020-0465"}
    assert es["CVE-2018-25020"].spl == dt.date(2022, 6, 5)  # fixed ":2022-06-05"
    assert all(e.versions is None and e.kind is ComponentKind.KERNEL for e in es.values())
    assert es["CVE-2018-25020"].severity is Severity.MEDIUM  # "Moderate"
    assert es["CVE-2020-0465"].aliases == ("PUB-A-160818461",)


def test_soc_vendor_package_and_multi_package_record() -> None:
    es = osv.read_records(records("test_signatures.json"))
    qc = [e for e in es if e.cve == "CVE-2020-0404"]
    assert qc and all(e.vendor == "Qualcomm" and e.kind is ComponentKind.VENDOR for e in qc)
    assert {e.component for e in es if e.cve == "CVE-2023-21277"} == {
        "platform/frameworks/base",
        "platform/packages/apps/Bluetooth",
    }


def test_multi_cve_record_yields_each_cve_once_with_aliases() -> None:
    # the real platform record with a second CVE alias added, as OSV does when one fix closes several CVEs
    rec = records("test_vulnerabilities_platform.json")[0]
    rec["aliases"] = ["CVE-2021-39630", "CVE-2021-39631"]
    es = osv.read_records([rec])
    assert sorted(e.cve for e in es) == ["CVE-2021-39630", "CVE-2021-39631"]
    first = next(e for e in es if e.cve == "CVE-2021-39630")
    assert first.aliases == ("ASB-A-202768292", "CVE-2021-39631")


def test_osv_rows_match_devices_like_bulletin_rows() -> None:
    entries = osv.read_records(
        records("test_vulnerabilities_platform.json") + records("test_vulnerabilities_kernel.json")
    )
    db = VulnDB.build(entries, covers_until=max(e.spl for e in entries))
    a12 = DeviceFacts(release="12", sdk=31, spl=dt.date(2021, 12, 5))
    found = {v.entry.cve for v in open_vulns(db, a12) if v.status is MatchStatus.AFFECTED}
    assert found == {"CVE-2021-39630", "CVE-2018-25020", "CVE-2020-0465"}  # CVE-2017-18509 fixed 2021-02-05
    a11 = DeviceFacts(release="11", sdk=30, spl=dt.date(2021, 12, 5))
    assert "CVE-2021-39630" not in {v.entry.cve for v in open_vulns(db, a11)}  # listed for 12 only


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_all_zip_export_layout() -> None:
    recs = records("test_vulnerabilities_kernel.json") + records("test_vulnerabilities_platform.json")
    data = _zip({f"{r['id']}.json": json.dumps(r).encode() for r in recs})
    assert len(osv.read_zip(data)) == 4


def test_hostile_exports_are_refused() -> None:
    with pytest.raises(CorruptInputError):
        osv.read_zip(b"PK\x03\x04 not a zip")
    with pytest.raises(CorruptInputError):
        osv.read_zip(_zip({"ASB-A-1.json": b"{not json"}))
    bomb = _zip({"ASB-A-2.json": b" " * (osv.MAX_MEMBER_BYTES + 10)})
    with pytest.raises(TooLargeError):
        osv.read_zip(bomb)
    bad_event = records("test_vulnerabilities_platform.json")[0]
    bad_event["affected"][0]["ranges"][0]["events"][1]["fixed"] = "12:not-a-date"  # type: ignore[index]
    with pytest.raises(ValueError):
        osv.read_records([bad_event])
