"""Layouts MVT reads that howsafe accepts the same way: an extracted bugreport folder,
``dumpsys_packages.txt``, and an androidqf zip with one unsafe entry."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from msgspec.structs import replace

from conftest import DEVICES
from howsafe.cli import main
from howsafe.model import SourceKind
from howsafe.sources import load_path
from parse import samples
from sources.test_dump_formats import androidqf_files, bugreport_bytes, check_androidqf

LMI = DEVICES / "redmi-lmi-V14.0.4.0.SJKCNXM"


def test_an_extracted_bugreport_folder_reads_like_its_zip(tmp_path: Path) -> None:
    data = bugreport_bytes()
    (tmp_path / "br.zip").write_bytes(data)
    folder = tmp_path / "br"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
    from_zip = load_path(tmp_path / "br.zip", redact=False)
    from_dir = load_path(folder, redact=False)
    assert from_dir.source.kind is SourceKind.BUGREPORT
    assert replace(from_dir, source=from_zip.source) == from_zip
    assert from_dir.device.model == "Redmi K30 Pro" and from_dir.processes


def test_dumpsys_packages_txt_is_read_like_dumpsys_package_txt(tmp_path: Path) -> None:
    for name in ("dumpsys_package.txt", "dumpsys_packages.txt"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copyfile(LMI / "getprop.txt", folder / "getprop.txt")
        (folder / name).write_text(samples.DUMPSYS_PACKAGE, encoding="utf-8")
    a = load_path(tmp_path / "dumpsys_package.txt", redact=False)
    b = load_path(tmp_path / "dumpsys_packages.txt", redact=False)
    assert b.packages and a.packages == b.packages
    assert "dumpsys_packages.txt" in b.source.files


def test_an_androidqf_zip_with_one_unsafe_entry_skips_it(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "acq.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in androidqf_files().items():
            zf.writestr(f"5f0c/{name}", data)
        zf.writestr("5f0c/../../../etc/cron.d/evil", b"* * * * * root sh\n")
    out = tmp_path / "snap.json"
    assert main(["collect", str(path), "-o", str(out)]) == 0
    assert "skipped the unsafe member name '5f0c/../../../etc/cron.d/evil'" in caplog.text
    snap = load_path(out)
    check_androidqf(SourceKind.ANDROIDQF, load_path(path))
    assert json.loads(out.read_text())["source"]["skipped"] == [
        "5f0c/../../../etc/cron.d/evil: unsafe member name (absolute or '..')"
    ]
    assert snap.packages
