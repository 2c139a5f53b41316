"""androidqf acquisitions, bugreports, zipped outputs, single files and saved snapshots."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from msgspec.structs import replace

from conftest import DEVICES
from howsafe.errors import CorruptInputError, InputError
from howsafe.model import SNAPSHOT_SCHEMA_VERSION, SourceKind
from howsafe.sources import load_path, snapshot_to_json
from parse import samples

LMI = DEVICES / "redmi-lmi-V14.0.4.0.SJKCNXM"
GETPROP = (LMI / "getprop.txt").read_text(encoding="utf-8")
CERT = "c8a2e9bccf597c2fb6dc66bee293fc13f2fc47ec77bc6b2b0d52c11f51192ab8"


def dumpsys_text() -> str:
    return "".join(
        "-------------------------------------------------------------------------------\n"
        f"DUMP OF SERVICE {name}:\n{body}"
        for name, body in (
            ("accessibility", samples.ACCESSIBILITY),
            ("backup", samples.BACKUP),
            ("device_policy", samples.DEVICE_POLICY),
            ("notification", samples.NOTIFICATION),
            ("package", samples.DUMPSYS_PACKAGE),
        )
    )


def androidqf_files(*, with_getprop: bool = True) -> dict[str, bytes]:
    """An acquisition laid out as androidqf writes it (module file names and JSON shapes)."""
    packages = [
        {
            "name": "com.miui.analytics",
            "files": [{"path": "/system/app/AnalyticsCore/AnalyticsCore.apk", "sha256": "00" * 32,
                       "certificate": {"Md5": "x", "Sha1": "y", "Sha256": CERT.upper()}}],
            "installer": "null", "uid": 10145, "disabled": False, "system": True, "third_party": False,
        },
        {
            "name": "com.example.flashlight",
            "files": [{"path": "/data/app/~~Q==/com.example.flashlight-R==/base.apk", "sha256": "11" * 32}],
            "installer": "com.android.vending", "uid": 10231, "disabled": True, "system": False,
            "third_party": True,
        },
        {"name": "com.secondspace.only", "files": [], "installer": "", "uid": 1010300, "user_id": 10},
    ]  # fmt: skip
    files = {
        "acquisition.json": json.dumps(
            {"uuid": "5f0c", "androidqf_version": "v1.7.0", "started": "2024-05-01T10:00:00.123Z"}
        ).encode(),
        "packages.json": json.dumps(packages).encode(),
        "settings_secure.txt": samples.SETTINGS_SECURE.encode(),
        "settings_global.txt": samples.SETTINGS_GLOBAL.encode(),
        "settings_system.txt": samples.SETTINGS_SYSTEM.encode(),
        "dumpsys.txt": dumpsys_text().encode(),
        "processes.txt": samples.PS_A.encode(),
        "selinux.txt": b"Enforcing\n",
        "root_binaries.json": b"[]",
        "mounts.json": b'["/dev/block/dm-4 on /system type erofs (ro)"]',
    }
    if with_getprop:
        files["getprop.txt"] = GETPROP.encode()
    return files


def write_zip(path: Path, files: dict[str, bytes], prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(prefix + name, data)
    return path


def bugreport_bytes() -> bytes:
    text = (
        "========================================================\n"
        "== dumpstate: 2024-05-01 10:00:00\n"
        "========================================================\n\n"
        "Build: SKQ1.211006.001 test-keys\n"
        f"Kernel: {samples.PROC_VERSION}"
        "------ SYSTEM PROPERTIES (getprop) ------\n"
        f"{GETPROP}"
        "------ 0.040s was the duration of 'SYSTEM PROPERTIES' ------\n"
        "------ PROCESSES AND THREADS (ps -A -T -Z -O pri,nice,rtprio,sched,pcy,time) ------\n"
        "LABEL USER PID TID PPID VSZ RSS WCHAN ADDR S PRI NI RTPRIO SCH PCY TIME CMD\n"
        "u:r:init:s0 root 1 1 0 1 1 0 0 S 19 0 - 0 fg 00:00:01 init\n"
        "u:r:system_server:s0 system 1234 1234 1 1 1 0 0 S 18 -2 - 0 fg 00:10:01 system_server\n"
        "------ DUMPSYS (/system/bin/dumpsys) ------\n"
        f"{dumpsys_text()}"
        "-------------------------------------------------------------------------------\n"
        "DUMP OF SERVICE settings:\n"
        "GLOBAL SETTINGS (user 0)\n  _id:12 name:adb_enabled pkg:android value:1 default:0\n"
        "SECURE SETTINGS (user 0)\n  _id:7 name:android_id pkg:android value:8f2c4e6a1b3d5f70\n"
        "SYSTEM SETTINGS (user 0)\n  _id:3 name:screen_brightness pkg:android value:102\n"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("main_entry.txt", "bugreport-lmi-SKQ1.211006.001-2024-05-01-10-00-00.txt")
        zf.writestr("bugreport-lmi-SKQ1.211006.001-2024-05-01-10-00-00.txt", text)
        zf.writestr("version.txt", "2.0")
        zf.writestr("FS/data/misc/big.bin", b"\0" * 1000)
    return buf.getvalue()


def check_androidqf(snap_kind: SourceKind, snap: object) -> None:
    from howsafe.model import Snapshot

    assert isinstance(snap, Snapshot)
    assert snap.source.kind is snap_kind
    assert snap.device.model == "Redmi K30 Pro"
    ids = [p.id for p in snap.packages or ()]
    assert ids == ["com.miui.analytics", "com.example.flashlight"]  # user 10's package left out
    analytics = snap.package("com.miui.analytics")
    flashlight = snap.package("com.example.flashlight")
    assert analytics is not None and flashlight is not None
    assert analytics.signer_sha256 == (CERT,)
    assert analytics.system is True and flashlight.system is False
    assert flashlight.enabled is False and analytics.enabled is True
    assert flashlight.installer == "com.android.vending" and analytics.installer is None
    assert analytics.version_name == "6.2.7"  # from dumpsys.txt's package section
    assert snap.integrity.selinux == "enforcing"
    assert snap.integrity.root_binaries == ()
    assert snap.special_access.device_admins and snap.backup.enabled is True
    assert {m.item for m in snap.missing} == {"kernel"}


def test_androidqf_folder(tmp_path: Path) -> None:
    for name, data in androidqf_files().items():
        (tmp_path / name).write_bytes(data)
    snap = load_path(tmp_path)
    check_androidqf(SourceKind.ANDROIDQF, snap)
    assert snap.source.tool == "androidqf v1.7.0"
    assert snap.source.collected_at is not None and snap.source.collected_at.year == 2024


def test_androidqf_zip_under_a_top_folder(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "5f0c.zip", androidqf_files(), prefix="5f0c/")
    check_androidqf(SourceKind.ANDROIDQF, load_path(path))


def test_androidqf_without_getprop_reads_its_bugreport(tmp_path: Path) -> None:
    files = androidqf_files(with_getprop=False)
    files["bugreport.zip"] = bugreport_bytes()
    snap = load_path(write_zip(tmp_path / "acq.zip", files))
    assert snap.device.model == "Redmi K30 Pro"
    assert snap.device.kernel_version == "5.10.209-android12-9-00019-g3b1d3f4a5b6c-ab11612345"  # bugreport Kernel:
    assert any(f.startswith("bugreport.zip:") for f in snap.source.files)


def test_bugreport_zip(tmp_path: Path) -> None:
    path = tmp_path / "bugreport-lmi.zip"
    path.write_bytes(bugreport_bytes())
    snap = load_path(path)
    assert snap.source.kind is SourceKind.BUGREPORT
    assert snap.device.brand == "Redmi" and snap.device.security_patch == dt.date(2023, 4, 1)  # real getprop
    assert snap.device.kernel_version == "5.10.209-android12-9-00019-g3b1d3f4a5b6c-ab11612345"
    assert [p.name for p in snap.processes or ()] == ["init", "system_server"]
    assert snap.settings["global"]["adb_enabled"] == "1"
    assert snap.settings["secure"]["android_id"] == "<redacted>"
    assert snap.special_access.notification_listeners
    assert {m.item for m in snap.missing} == {"selinux", "root_binaries"}
    assert snap.source.collected_at == dt.datetime(2024, 5, 1, 10, 0)  # "== dumpstate: 2024-05-01 10:00:00"


def test_bugreport_text_file(tmp_path: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(bugreport_bytes())) as zf:
        name = zf.read("main_entry.txt").decode()
        (tmp_path / "br.txt").write_bytes(zf.read(name))
    assert load_path(tmp_path / "br.txt").source.kind is SourceKind.BUGREPORT


def test_zip_of_saved_outputs_and_single_getprop(tmp_path: Path) -> None:
    folder = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    from_zip = load_path(write_zip(tmp_path / "garnet.zip", files))
    from_dir = load_path(folder)
    assert from_zip.source.kind is SourceKind.FIRMWARE
    assert replace(from_zip, source=from_dir.source) == from_dir
    zipped_folder = load_path(write_zip(tmp_path / "garnet-folder.zip", files, prefix="garnet/"))
    assert replace(zipped_folder, source=from_dir.source) == from_dir
    single = tmp_path / "getprop-utf16.txt"
    single.write_bytes((DEVICES / "vivo-PD2309-compiler08161131" / "getprop.raw.txt").read_bytes())
    snap = load_path(single)
    assert snap.device.brand == "vivo" and snap.packages is None


def test_snapshot_json_round_trip(tmp_path: Path) -> None:
    files = androidqf_files()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    snap = load_path(tmp_path)
    out = tmp_path / "snap.json"
    out.write_text(snapshot_to_json(snap), encoding="utf-8")
    again = load_path(out)
    assert again == snap
    assert snapshot_to_json(again) == snapshot_to_json(snap)


def test_snapshot_json_wrong_version_or_shape(tmp_path: Path) -> None:
    snap = load_path(LMI)
    raw = json.loads(snapshot_to_json(snap))
    raw["schema_version"] = SNAPSHOT_SCHEMA_VERSION + 1
    path = tmp_path / "future.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(InputError, match="schema_version"):
        load_path(path)
    raw["schema_version"] = SNAPSHOT_SCHEMA_VERSION
    raw["device"]["sdk"] = "thirty"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CorruptInputError, match=r"device\.sdk"):
        load_path(path)
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="not a howsafe snapshot"):
        load_path(path)
