"""Identifiers are redacted by default on the real keys phones use; --no-redact keeps them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.cli import main
from howsafe.model import SourceInfo, SourceKind
from howsafe.parse import parse_getprop
from howsafe.sources import load_path
from howsafe.sources.assemble import snapshot_from_outputs
from howsafe.sources.redact import REDACTED
from parse import samples

PII_FOLDERS = sorted(
    p.parent for p in DEVICES.glob("*/meta.json") if json.loads(p.read_text(encoding="utf-8")).get("pii_keys")
)


@pytest.mark.parametrize("folder", PII_FOLDERS, ids=lambda p: p.name)
def test_every_listed_pii_key_is_redacted(folder: Path) -> None:
    keys = json.loads((folder / "meta.json").read_text(encoding="utf-8"))["pii_keys"]
    original = parse_getprop((folder / "getprop.txt").read_bytes()).properties
    redacted = load_path(folder)
    kept = load_path(folder, redact=False)
    assert redacted.redacted is True and kept.redacted is False
    for key in keys:
        if original.get(key):
            assert redacted.properties[key] == REDACTED, key
            assert kept.properties[key] == original[key]
    # identity survives redaction
    assert redacted.device == kept.device


def test_settings_identifiers_and_shapes() -> None:
    snap = snapshot_from_outputs(
        {
            "settings_secure": samples.SETTINGS_SECURE,
            "settings_global": samples.SETTINGS_GLOBAL,
            "settings_system": samples.SETTINGS_SYSTEM,
            "getprop": "[gsm.sim.operator.alpha]: [Movistar]\n[persist.radio.msisdn]: [+34600111222]\n"
            "[ro.some.vendor.addr]: [aa:bb:cc:dd:ee:ff]\n[ro.product.model]: [M2101K7AG]\n",
        },
        source=SourceInfo(kind=SourceKind.FOLDER, location="x"),
    )
    secure, glob, system = snap.settings["secure"], snap.settings["global"], snap.settings["system"]
    for key in ("android_id", "bluetooth_address", "bluetooth_name", "lock_screen_owner_info"):
        assert secure[key] == REDACTED
    assert glob["device_name"] == REDACTED
    assert system["miui_cloud_account"] == REDACTED
    assert secure["backup_transport"] == "com.google.android.gms/.backup.BackupTransportService"
    assert glob["adb_enabled"] == "1"
    assert snap.properties["persist.radio.msisdn"] == REDACTED
    assert snap.properties["ro.some.vendor.addr"] == REDACTED
    assert snap.properties["gsm.sim.operator.alpha"] == "Movistar"
    assert snap.properties["ro.product.model"] == "M2101K7AG"


def test_written_snapshot_carries_no_serial(tmp_path: Path) -> None:
    folder = DEVICES / "redmi-lmi-V14.0.4.0.SJKCNXM"
    serial = parse_getprop((folder / "getprop.txt").read_bytes()).properties["ro.serialno"]
    out = tmp_path / "phone.json"
    assert main(["collect", str(folder), "-o", str(out)]) == 0
    assert serial not in out.read_text(encoding="utf-8")
    # nor the folders above the dump (they name the computer's user, not the phone)
    assert str(folder.parent) not in out.read_text(encoding="utf-8")
    assert load_path(out).source.location == folder.name
    assert main(["collect", str(folder), "--no-redact", "-o", str(out)]) == 0
    assert serial in out.read_text(encoding="utf-8")
    # an unredacted snapshot is redacted again when read back (unless asked not to)
    assert load_path(out).properties["ro.serialno"] == REDACTED
    assert load_path(out, redact=False).properties["ro.serialno"] == serial
