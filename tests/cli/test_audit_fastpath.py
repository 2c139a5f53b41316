"""What `howsafe audit` of a dump imports and validates (and what not): its start-up budget.

An androidqf folder made from a real 222-package listing (the xiaomi-vince fixture), audited in a
fresh interpreter twice with one user cache folder: the first run validates the vendor package
files, parses the TOML knowledge and writes the compiled copies; the second reads the compiled
copies and validates and parses none. Neither
imports the capture readers or the APK scanner when no capture and no APK was given.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DEVICES

VINCE = DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM"


def _androidqf(dest: Path) -> Path:
    dest.mkdir()
    (dest / "getprop.txt").write_bytes((VINCE / "getprop.txt").read_bytes())
    packages = []
    for line in (VINCE / "packages-f.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("package:"):
            path, name = line[len("package:") :].rsplit("=", 1)
            system = not path.startswith("/data/")
            packages.append({"name": name, "files": [{"path": path}], "system": system, "third_party": not system})
    (dest / "packages.json").write_text(json.dumps(packages), encoding="utf-8")
    (dest / "acquisition.json").write_text(json.dumps({"uuid": "t", "androidqf_version": "v1.7.0"}), encoding="utf-8")
    return dest


def _audit(folder: Path, cache: Path) -> tuple[dict[str, object], set[str], int]:
    """(report, modules imported, vendor files validated) of one audit in a fresh interpreter."""
    code = (
        "import sys, io, contextlib, json\n"
        "import howsafe.kb.packages as p\n"
        "calls = []\n"
        "parse = p.parse_vendor_file\n"
        "p.parse_vendor_file = lambda raw, name: calls.append(name) or parse(raw, name)\n"
        "from howsafe._entry import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        f"    rc = main(['audit', {str(folder)!r}, '--format', 'json'])\n"
        "print(json.dumps({'out': buf.getvalue(), 'mods': sorted(sys.modules), 'validated': len(calls)}))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    doc = json.loads(proc.stdout.splitlines()[-1])
    return json.loads(doc["out"]), set(doc["mods"]), int(doc["validated"])


def test_audit_of_a_dump_reads_compiled_knowledge_and_skips_what_it_does_not_need(tmp_path: Path) -> None:
    folder = _androidqf(tmp_path / "androidqf")
    cache = tmp_path / "cache"
    first, mods_first, validated_first = _audit(folder, cache)
    assert validated_first == 11  # every vendor family file, once
    assert (cache / "howsafe" / "compiled" / "packages.marshal").is_file()
    second, mods, validated = _audit(folder, cache)
    assert validated == 0
    assert first["findings"] and len(first["findings"]) > 20  # type: ignore[arg-type]
    first.pop("generated_at"), second.pop("generated_at")
    assert second == first  # the compiled knowledge gives the same report
    unwanted = {
        "howsafe.net.analyse",
        "howsafe.net.packets",
        "howsafe.net.attribution",
        "howsafe.apk.scan",
        "howsafe.apk.model",
    }
    # no indicators installed: neither the STIX reader, the matcher nor SQLite; the kernel XML
    # reader belongs to `kb update`
    unwanted |= {"howsafe.iocs.stix", "howsafe.iocs.match", "howsafe.iocs.store", "sqlite3", "xml.etree.ElementTree"}
    assert not unwanted & (mods | mods_first), unwanted & (mods | mods_first)
    # the first run parsed the TOML knowledge and kept it compiled; the second parses none
    assert "tomllib" in mods_first and "tomllib" not in mods
    findings = second["findings"]
    assert isinstance(findings, list)
    iocs = [f for f in findings if f["check"] == "compromise.iocs"]
    assert [f["outcome"] for f in iocs] == ["not_available"]  # "not checked", never "clean"
