"""The shipped bulletin database is exactly what the builder makes from the real bulletin pages."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import DATA
from howsafe.kb import KnowledgeBase
from howsafe.model import Severity
from howsafe.vulns.build import build, build_from_html
from howsafe.vulns.bulletin_html import parse_bulletin
from howsafe.vulns.db import DB_NAME, dumps, load_db, loads
from howsafe.vulns.model import ComponentKind

ASB = DATA / "vulns" / "asb-html"
STAGEFRIGHT = DATA / "vulns" / "stagefright_cves.json"
FACTS = DATA / "vulns" / "bulletins-2019-2024" / "android_bulletins.json"


@pytest.fixture(scope="module")
def rebuilt():  # type: ignore[no-untyped-def]
    return build_from_html(ASB, STAGEFRIGHT)


@pytest.fixture(scope="module")
def shipped_build():  # type: ignore[no-untyped-def]
    return build(ASB, STAGEFRIGHT, FACTS)


def test_rebuild_matches_shipped_file_byte_for_byte(shipped_build) -> None:  # type: ignore[no-untyped-def]
    shipped = KnowledgeBase().find(DB_NAME)
    assert shipped is not None
    assert dumps(shipped_build) == shipped.read_bytes(), "run scripts/build_bulletin_db.py and commit the result"


def test_database_covers_the_49_monthly_bulletins_and_their_rows(rebuilt) -> None:  # type: ignore[no-untyped-def]
    assert len(rebuilt.bulletins) == 44  # one page a month, 2015-08 .. 2019-03
    assert rebuilt.bulletins[0] == "2015-08-01" and rebuilt.bulletins[-1] == "2019-03-01"
    assert rebuilt.covers_until == dt.date(2019, 3, 5)
    assert len({e.cve for e in rebuilt.entries}) == 2972
    # Android pages and Pixel/Nexus pages are both read
    assert {e.bulletin.startswith("pixel/") for e in rebuilt.entries} == {True, False}


def test_stagefright_cves_are_named(rebuilt) -> None:  # type: ignore[no-untyped-def]
    named = rebuilt.named["StageFright"]
    assert set(named) == {
        "CVE-2015-1538",
        "CVE-2015-1539",
        "CVE-2015-3824",
        "CVE-2015-3826",
        "CVE-2015-3827",
        "CVE-2015-3828",
        "CVE-2015-3829",
        "CVE-2015-3864",
        "CVE-2015-6602",
        "CVE-2015-3876",
    }
    for cve in named:
        rows = rebuilt.by_cve(cve)
        assert rows and all(r.name == "StageFright" for r in rows)


def test_row_facts_from_the_2015_layout(rebuilt) -> None:  # type: ignore[no-untyped-def]
    (e,) = rebuilt.by_cve("CVE-2015-1538")
    assert e.bulletin == "2015-08-01" and e.spl == dt.date(2015, 8, 1)
    assert e.severity is Severity.CRITICAL
    assert e.versions == ("<=5.1",)  # "5.1 and below"
    assert e.kind is ComponentKind.MEDIA  # fixed in platform/frameworks/av
    assert "ANDROID-20139950" in e.references
    assert any("frameworks/av" in u for u in e.fixes)


def test_row_facts_from_the_2019_layout_with_two_patch_levels(rebuilt) -> None:  # type: ignore[no-untyped-def]
    (fw,) = rebuilt.by_cve("CVE-2019-1989")
    assert (fw.spl, fw.type, fw.kind, fw.severity) == (
        dt.date(2019, 3, 1),
        "RCE",
        ComponentKind.MEDIA,
        Severity.CRITICAL,
    )
    assert fw.versions == ("7.0", "7.1.1", "7.1.2", "8.0", "8.1", "9")
    (qc,) = {(e.spl, e.vendor, e.kind) for e in rebuilt.by_cve("CVE-2018-11817")}
    assert qc == (dt.date(2019, 3, 5), "Qualcomm", ComponentKind.VENDOR)
    (k,) = rebuilt.by_cve("CVE-2019-2025")
    assert k.kind is ComponentKind.KERNEL and k.vendor is None and k.versions is None


def test_pixel_rows_are_pixel_only_at_the_05_level(rebuilt) -> None:  # type: ignore[no-untyped-def]
    rows = [e for e in rebuilt.entries if e.bulletin == "pixel/2019-01-01"]
    assert {e.cve for e in rows} == {"CVE-2018-13098", "CVE-2018-13099"}
    assert all(e.pixel_only and e.spl == dt.date(2019, 1, 5) for e in rows)


def test_cell_with_two_cves_gives_two_rows(rebuilt) -> None:  # type: ignore[no-untyped-def]
    # 2017-11 lists "CVE-2017-13077, CVE-2017-13078" (KRACK) in one cell
    assert rebuilt.by_cve("CVE-2017-13077") and rebuilt.by_cve("CVE-2017-13078")


def test_no_security_impact_and_revision_notes_are_not_vulnerabilities(rebuilt) -> None:  # type: ignore[no-untyped-def]
    assert rebuilt.by_cve("CVE-2016-2842") == []  # severity "None*" in 2016-08-01
    # named only in the 2018-07-01 revision notes as removed from the bulletin
    assert rebuilt.by_cve("CVE-2018-5855") == []


def test_rowspan_cve_split_over_types_keeps_each_clause() -> None:
    # pixel/2018-01-01: CVE-2017-13185 spans two rows: ID/Moderate on 7.0-8.0, DoS/High on 5.1.1-6.0.1
    html = (ASB / "pixel" / "2018-01-01.html").read_text(encoding="utf-8")
    rows = [r for r in parse_bulletin(html, "pixel/2018-01-01") if r.cve == "CVE-2017-13185"]
    assert {(r.type, r.severity, r.versions) for r in rows} == {
        ("ID", Severity.MEDIUM, ("7.0", "7.1.1", "7.1.2", "8.0")),
        ("DoS", Severity.HIGH, ("5.1.1", "6.0", "6.0.1")),
    }
    assert all("A-65123471" in r.references for r in rows)


def test_damaged_database_is_a_knowledge_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from howsafe.errors import KnowledgeError

    with pytest.raises(KnowledgeError):
        loads(b"\x1f\x8b not really gzip")
    bad = tmp_path / "vulns"
    bad.mkdir()
    (bad / "bulletins.json.gz").write_bytes(b"garbage")
    with pytest.raises(KnowledgeError):
        load_db(KnowledgeBase(cache_dir=tmp_path))
