#!/usr/bin/env python3
"""Build the adb replay recordings shipped in ``src/howsafe/sources/recordings/`` from real device data.

Usage: ``python scripts/build_recordings.py [DEVICES_DIR] [--out DIR]`` (default input:
``../shared/fixtures/devices`` beside the checkout, or ``$HOWSAFE_SHARED/fixtures/devices``; default
output: the package's recordings folder).

What is copied and what is rendered is written into each recording's ``manifest.json``
(``provenance``) and into ``recordings/README.md``. Rule: outputs are copied byte for byte when a real
capture exists; otherwise they are rendered in the exact AOSP output format from facts the real data
states, and a command nothing real tells us about is left out (the replay server then refuses it and
the snapshot marks it missing).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "howsafe" / "sources" / "recordings"

GARNET = "redmi-garnet-OS2.0.205.0.VNRMIXM"
SHENG = "xiaomi-sheng-OS2.0.205.0.VNXCNXM"


def default_devices_dir() -> Path:
    shared = Path(os.environ.get("HOWSAFE_SHARED", REPO.parent / "shared"))
    return shared / "fixtures" / "devices"


def props(getprop_text: str) -> dict[str, str]:
    out = {}
    for line in getprop_text.splitlines():
        if line.startswith("[") and "]: [" in line:
            key, _, value = line[1:].partition("]: [")
            out[key] = value.rstrip("]")
    return out


def write(folder: Path, manifest: dict[str, object], files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="\n")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def settings_from_adb_session(p: dict[str, str]) -> str:
    """`settings list global` lines implied by the phone answering over an authorised adb session.

    USB debugging is on (adb_enabled=1) and Developer options are on (they must be, to reach the
    USB debugging switch). Nothing else is claimed.
    """
    del p
    return "adb_enabled=1\ndevelopment_settings_enabled=1\n"


def build_garnet(devices: Path, out: Path) -> None:
    src = devices / GARNET
    getprop = (src / "getprop.txt").read_text(encoding="utf-8")
    p = props(getprop)
    paths: dict[str, str] = {}
    for line in (src / "packages-f.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("package:") and "=" in line:
            path, _, pkg = line[len("package:") :].rpartition("=")
            paths.setdefault(pkg, path)  # pm prints one line per package: its base APK
    ids = [
        ln[len("package:") :]
        for ln in (src / "packages.txt").read_text(encoding="utf-8").splitlines()
        if ln.startswith("package:")
    ]
    # UIDs are rendered: `android` runs as system (1000, AOSP Process.SYSTEM_UID); every other
    # package gets an app uid from 10000 (FIRST_APPLICATION_UID) in list order. Not real values.
    uids = {pkg: (1000 if pkg == "android" else 10000 + i) for i, pkg in enumerate(ids)}
    full = "".join(
        f"package:{paths[pkg]}={pkg}  installer=null uid:{uids[pkg]}\n"
        if pkg in paths
        else f"package:{pkg}  installer=null uid:{uids[pkg]}\n"
        for pkg in ids
    )
    third = [pkg for pkg in ids if "/data-app/" in paths.get(pkg, "")]
    system = [pkg for pkg in ids if pkg not in third]
    files = {
        "getprop.txt": getprop,
        "pm_list_packages.txt": (src / "packages.txt").read_text(encoding="utf-8"),
        "pm_list_packages_fiUu.txt": full,
        "pm_list_packages_s.txt": "".join(f"package:{pkg}\n" for pkg in system),
        "pm_list_packages_3.txt": "".join(f"package:{pkg}\n" for pkg in third),
        "settings_list_global.txt": settings_from_adb_session(p),
    }
    commands: dict[str, dict[str, object]] = {
        "getprop": {"file": "getprop.txt"},
        "pm list packages -f -i -U -u": {"file": "pm_list_packages_fiUu.txt"},
        "pm list packages -s": {"file": "pm_list_packages_s.txt"},
        "pm list packages -3": {"file": "pm_list_packages_3.txt"},
        "pm list packages -d": {"stdout": ""},
        "pm list packages": {"file": "pm_list_packages.txt"},
        "settings list global": {"file": "settings_list_global.txt"},
    }
    manifest = {
        "serial": "replay-garnet",
        "state": "device",
        "product": p.get("ro.product.name", ""),
        "model": p.get("ro.product.model", ""),
        "device": p.get("ro.product.device", ""),
        "provenance": {
            "device_folder": GARNET,
            "facts": f"Redmi Note 13 Pro 5G ({p.get('ro.product.model')}), HyperOS "
            f"{p.get('ro.mi.os.version.incremental')}, Android "
            f"{p.get('ro.build.version.release')}, SPL {p.get('ro.build.version.security_patch')}, "
            f"{len(ids)} preinstalled packages",
            "getprop.txt": "copied: the folder's getprop.txt (merged from the firmware's build.prop files; "
            "no runtime ro.boot.* / ro.serialno values)",
            "pm list packages -f -i -U -u": "rendered: ids and APK paths from packages.txt / packages-f.txt; "
            "installer=null (preinstalled); uid values rendered, not real",
            "pm list packages -s / -3": "rendered: -3 = packages whose APK sits in a data-app folder "
            "(MIUI installs those as removable user apps), -s = the rest",
            "pm list packages -d": "rendered empty: factory state assumed (no package disabled)",
            "pm list packages": "copied: the folder's packages.txt (factory state: every package installed)",
            "settings list global": "rendered: only adb_enabled=1 and development_settings_enabled=1, "
            "which any phone answering over adb has",
            "not recorded": "settings secure/system, dumpsys, getenforce, ps, /proc/version, root probe: "
            "no public data; the replay server refuses them and the snapshot marks "
            "them missing",
            "serial": "synthetic (a firmware dump has no serial)",
        },
        "commands": commands,
    }
    write(out / "redmi-garnet", manifest, files)


def build_sheng(devices: Path, out: Path) -> None:
    src = devices / SHENG
    getprop = (src / "getprop.txt").read_text(encoding="utf-8")
    p = props(getprop)
    files = {"getprop.txt": getprop, "settings_list_global.txt": settings_from_adb_session(p)}
    manifest = {
        "serial": p.get("ro.serialno", "replay-sheng"),
        "state": "device",
        "product": p.get("ro.product.name", ""),
        "model": p.get("ro.product.model", ""),
        "device": p.get("ro.product.device", ""),
        "provenance": {
            "device_folder": SHENG,
            "facts": f"Xiaomi Pad 6S Pro 12.4 ({p.get('ro.product.model')}), HyperOS "
            f"{p.get('ro.mi.os.version.incremental')}, Android {p.get('ro.build.version.release')}, "
            f"SPL {p.get('ro.build.version.security_patch')}; a live `adb shell getprop` capture",
            "getprop.txt": "copied byte for byte (its serial values are the fixture's format-preserving pseudo values)",
            "settings list global": "rendered: only adb_enabled=1 and development_settings_enabled=1 "
            "(the capture shows init.svc.adbd=running and sys.usb.config=adb)",
            "not recorded": "pm lists, settings secure/system, dumpsys, getenforce, ps, /proc/version, "
            "root probe: no public data for this phone",
            "serial": "the capture's (pseudo) ro.serialno, as adb reports a USB phone's serial",
        },
        "commands": {
            "getprop": {"file": "getprop.txt"},
            "settings list global": {"file": "settings_list_global.txt"},
        },
    }
    write(out / "xiaomi-sheng", manifest, files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("devices", nargs="?", type=Path, default=default_devices_dir())
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    build_garnet(args.devices, args.out)
    build_sheng(args.devices, args.out)
    print(f"recordings written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
