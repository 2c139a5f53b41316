"""Every indicator kind MVT matches on an androidqf acquisition, matched by howsafe too.

The bundles are written here in MVT's format (a malware object, indicator objects with
single-comparison patterns, ``indicates`` relationships); the acquisition is laid out as androidqf
writes it (``packages.json`` with per-file hashes and certificate digests, ``processes.json``,
``files.json``, a full ``dumpsys.txt``), on top of the real fixture device's getprop.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from howsafe.cli import main
from howsafe.iocs import build_set, load_indicator_set, snapshot_observables
from howsafe.iocs.match import match
from howsafe.iocs.model import IocType
from howsafe.sources import load_path
from sources.test_dump_formats import GETPROP, dumpsys_text

CERT_SHA256 = "c8a2e9bccf597c2fb6dc66bee293fc13f2fc47ec77bc6b2b0d52c11f51192ab8"
CERT_SHA1 = "61ed377e85d386a8dfee6b864bd85b0bfaa5af81"
CERT_MD5 = "8ddb342f2da5408402d7568af21e29f9"
APK_SHA256 = "5e0b5a1bd0c0b0d3f1a3e2b9d1c6f7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
APK_SHA1 = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
APK_MD5 = "00112233445566778899aabbccddeeff"
DROPPED_SHA256 = "ab" * 32


def bundle(name: str, patterns: list[str]) -> dict[str, object]:
    """A STIX2 bundle as MVT's indicator repositories write them."""
    malware_id = f"malware--{name.lower()}-0000-0000-0000-000000000000"
    objects: list[dict[str, object]] = [
        {"type": "malware", "spec_version": "2.1", "id": malware_id, "name": name, "is_family": False}
    ]
    for i, pattern in enumerate(patterns):
        ind_id = f"indicator--{name.lower()}-{i:04d}-0000-0000-000000000000"
        objects.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": ind_id,
                "pattern": pattern,
                "pattern_type": "stix",
                "valid_from": "2024-01-01T00:00:00Z",
            }
        )
        objects.append(
            {
                "type": "relationship",
                "spec_version": "2.1",
                "id": f"relationship--{i:04d}",
                "relationship_type": "indicates",
                "source_ref": ind_id,
                "target_ref": malware_id,
            }
        )
    return {"type": "bundle", "id": "bundle--0", "objects": objects}


PATTERNS = {
    "app:cert.md5": f"[app:cert.md5='{CERT_MD5.upper()}']",
    "app:cert.sha1": f"[app:cert.sha1='{CERT_SHA1}']",
    "app:cert.'SHA-256'": f"[app:cert.'SHA-256'='{CERT_SHA256}']",
    "file:hashes.sha256": f"[file:hashes.sha256='{APK_SHA256}']",
    "file:hashes.'SHA-1'": f"[file:hashes.'SHA-1'='{APK_SHA1}']",
    "file:hashes.md5": f"[file:hashes.md5='{APK_MD5}']",
    "files.json sha256": f"[file:hashes.'SHA-256'='{DROPPED_SHA256}']",
    "file:path prefix": "[file:path='/data/local/tmp/.spy/']",
    "file:name": "[file:name='libspyhook.so']",
    "process (truncated)": "[process:name='com.spy.agent.servicehost']",
    "process (kernel thread)": "[process:name='spyworker']",
    "process (basename)": "[process:name='spyd']",
    "app:id in appops": "[app:id='com.gone.spyware']",
    "app:id case": "[app:id='Com.Example.Flashlight']",
}
UNSUPPORTED = [
    "[app:id='com.a' AND app:id='com.b']",
    "[x-custom:thing='1']",
]


def acquisition(root: Path) -> Path:
    root.mkdir()
    packages = [
        {"name": "com.miui.analytics", "installer": "null", "uid": 10145, "system": True,
         "files": [{"path": "/system/app/AnalyticsCore/AnalyticsCore.apk", "sha256": "00" * 32,
                    "certificate": {"Md5": CERT_MD5, "Sha1": CERT_SHA1.upper(), "Sha256": CERT_SHA256.upper()}}]},
        {"name": "com.example.flashlight", "installer": "com.android.vending", "uid": 10231, "third_party": True,
         "files": [{"path": "/data/app/~~Q==/com.example.flashlight-R==/base.apk",
                    "md5": APK_MD5, "sha1": APK_SHA1, "sha256": APK_SHA256}]},
    ]  # fmt: skip
    processes = [
        {"pid": 1, "ppid": 0, "uid": 0, "filename": "(init)", "command_line": ["/system/bin/init"]},
        {"pid": 2, "ppid": 0, "uid": 0, "filename": "(kthreadd)", "command_line": []},
        {"pid": 77, "ppid": 2, "uid": 0, "filename": "(spyworker)", "command_line": []},
        {"pid": 900, "ppid": 1, "uid": 0, "filename": "(spyd)", "command_line": ["/data/local/tmp/spyd", "-d"]},
        # the kernel keeps 16 characters of a long process name
        {"pid": 4321, "ppid": 1, "uid": 10300, "filename": "(com.spy.agent.se)", "command_line": ["com.spy.agent.se"]},
    ]
    files = [
        {"path": "/data/local/tmp/.spy/payload.bin", "size": 4096, "mode": "-rwxr-xr-x", "sha256": "cd" * 32},
        {"path": "/sdcard/Download/libspyhook.so", "size": 100, "mode": "-rw-rw----"},
        {"path": "/sdcard/Download/dropped.dex", "size": 10, "mode": "-rw-rw----", "sha256": DROPPED_SHA256},
        {"path": "/data/local/tmp/.spyware-not-this", "size": 1, "mode": "-rw-------"},
    ]
    appops = (
        "-------------------------------------------------------------------------------\n"
        "DUMP OF SERVICE appops:\nCurrent AppOps Service state:\n  Uid u0a300:\n    state=cch\n"
        "    Package com.gone.spyware:\n      READ_SMS (allow):\n          Access: [fg-s] 2024-04-30 10:00:00.000\n"
    )
    info = {"androidqf_version": "v1.8.0", "started": "2024-05-01T10:00:00Z"}
    (root / "acquisition.json").write_text(json.dumps(info))
    (root / "packages.json").write_text(json.dumps(packages))
    (root / "processes.json").write_text(json.dumps(processes))
    (root / "files.json").write_text("\n".join(json.dumps(f) for f in files))  # one object per line
    (root / "getprop.txt").write_text(GETPROP, encoding="utf-8")
    (root / "dumpsys.txt").write_text(dumpsys_text() + appops, encoding="utf-8")
    return root


@pytest.fixture
def bundles(tmp_path: Path) -> Path:
    folder = tmp_path / "bundles"
    folder.mkdir()
    (folder / "spy.stix2").write_text(json.dumps(bundle("SpyFamily", [*PATTERNS.values(), *UNSUPPORTED])))
    return folder


def test_each_kind_mvt_matches_is_matched(tmp_path: Path, bundles: Path) -> None:
    snap = load_path(acquisition(tmp_path / "aqf"), redact=False)
    iset = build_set([bundles])
    assert len(iset.unsupported) == 2
    hits = match(iset, snapshot_observables(snap))
    matched = {(h.indicator.type, h.indicator.value) for h in hits}
    for label, pattern in PATTERNS.items():
        from howsafe.iocs.stix import parse_pattern

        [(t, v)] = parse_pattern(pattern)
        assert (t, v) in matched, label
    by_value: dict[str, set[str]] = {}
    for h in hits:
        by_value.setdefault(h.indicator.value, set()).add(f"{h.observable.evidence.kind}:{h.observable.evidence.key}")
    # MVT's rule is a plain string prefix of the indicator without its trailing slash, so the
    # look-alike sibling matches too (documented in docs/mvt-parity.md): parity, not precision.
    assert by_value["/data/local/tmp/.spy/"] == {
        "file:/data/local/tmp/.spy/payload.bin",
        "file:/data/local/tmp/.spyware-not-this",
    }
    assert by_value["com.gone.spyware"] == {"dumpsys:com.gone.spyware"}
    assert by_value["spyworker"] == {"process:spyworker"}
    assert by_value["spyd"] == {"process:/data/local/tmp/spyd"}
    assert by_value["libspyhook.so"] == {"file:/sdcard/Download/libspyhook.so"}
    assert by_value[DROPPED_SHA256] == {"file hash:/sdcard/Download/dropped.dex"}
    assert by_value[APK_MD5] == {"file hash:/data/app/~~Q==/com.example.flashlight-R==/base.apk"}


def test_process_rules_as_mvt(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "p.stix2").write_text(
        json.dumps(
            bundle(
                "P",
                [
                    "[process:name='kworkerspy']",
                    "[process:name='com.spy.agent.servicehost']",
                    "[process:name='short']",
                ],
            )
        )
    )
    iset = build_set([folder])
    assert iset.lookup_process("com.spy.agent.s") == []  # 15 characters: not a truncation
    assert [i.value for i in iset.lookup_process("com.spy.agent.se")] == ["com.spy.agent.servicehost"]
    assert iset.lookup_process("shor") == []
    from howsafe.iocs.match import process_name

    assert process_name("[kworkerspy]") == "kworkerspy"
    assert process_name("/system/bin/short") == "short"


def test_the_audit_reports_matches_unsupported_patterns_and_only_present_kinds(
    tmp_path: Path, bundles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aqf = acquisition(tmp_path / "aqf")
    assert main(["audit", str(aqf), "--iocs", str(bundles), "--format", "json", "--profile", "at-risk"]) == 1
    report = json.loads(capsys.readouterr().out)
    findings = [f for f in report["findings"] if f["check"] == "compromise.iocs"]
    assert {f["outcome"] for f in findings} == {"fail"}
    assert len({f["id"] for f in findings}) >= len(PATTERNS)


def test_clean_audit_names_the_kinds_seen_and_the_patterns_not_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "x.stix2").write_text(json.dumps(bundle("Nothing", ["[app:id='com.never.installed']", *UNSUPPORTED])))
    assert main(["audit", str(acquisition(tmp_path / "aqf")), "--iocs", str(folder), "--format", "json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    [finding] = [f for f in report["findings"] if f["check"] == "compromise.iocs"]
    assert finding["outcome"] == "pass"
    summary = finding["summary"]
    assert "signing certificates" in summary and "file hashes" in summary and "app ids named in dumpsys" in summary
    assert "2 indicator pattern(s) could not be evaluated" in summary
    assert [e["key"] for e in finding["evidence"] if e["kind"] == "indicator not evaluated"] == UNSUPPORTED


def test_iocs_add_keeps_two_bundles_with_the_same_malware_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.stix2", tmp_path / "b.stix2"
    a.write_text(json.dumps(bundle("Pegasus", ["[domain-name:value='first.example']"])))
    b.write_text(json.dumps(bundle("Pegasus", ["[domain-name:value='second.example']", *UNSUPPORTED])))
    assert main(["iocs", "add", str(a)]) == 0
    out = capsys.readouterr().out
    assert "Pegasus: 1 indicators from" in out and "stored as Pegasus-" in out
    assert main(["iocs", "add", str(b), str(a)]) == 0
    out = capsys.readouterr().out
    assert "2 pattern(s) howsafe cannot evaluate" in out and "already stored as" in out
    assert main(["iocs", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(c["by_type"].get("domain-name:value") for c in listed["collections"]) == [1, 1]
    assert sorted(len(c["unsupported"]) for c in listed["collections"]) == [0, 2]
    iset = load_indicator_set()
    assert iset is not None
    assert iset.lookup_domain("first.example") and iset.lookup_domain("second.example")
    assert main(["iocs", "list"]) == 0
    assert "cannot evaluate" in capsys.readouterr().out


@pytest.mark.parametrize(
    "bad",
    [
        "[url:value='http://[::1']",  # an authority urlsplit refuses
        "[app:id='com.\\ud800.evil']",  # a lone surrogate cannot be written to a report
        "[app:id='']",
    ],
)
def test_one_bad_indicator_never_poisons_the_store(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "mixed.stix2"
    f.write_text(
        json.dumps(bundle("Mixed", ["[app:id='com.example.flashlight']", bad])).replace("\\\\ud800", "\\ud800")
    )
    assert main(["iocs", "add", str(f)]) == 0
    capsys.readouterr()
    assert main(["iocs", "list", "--format", "json"]) == 0
    json.loads(capsys.readouterr().out)
    assert main(["audit", str(acquisition(tmp_path / "aqf")), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert any(f["check"] == "compromise.iocs" and f["outcome"] == "fail" for f in report["findings"])


def test_iocs_add_stores_nothing_when_one_bundle_is_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.stix2"
    good.write_text(json.dumps(bundle("Good", ["[app:id='com.a.b']"])))
    bad = tmp_path / "bad.stix2"
    bad.write_text(json.dumps(bundle("Bad", UNSUPPORTED)))
    assert main(["iocs", "add", str(good), str(bad)]) == 2
    assert "no indicator howsafe can use" in capsys.readouterr().err
    assert load_indicator_set() is None
    assert IocType.APP_ID.value == "app:id"
