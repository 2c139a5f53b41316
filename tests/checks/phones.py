"""Real phones for the device-check tests, and the few scenarios built on them.

* ``device(folder)``: a real device folder from the shared fixtures, loaded the way ``howsafe
  collect FOLDER`` loads it.
* ``garnet_over_adb()``: the bundled adb recording of a real Redmi Note 13 Pro 5G (HyperOS 2
  global firmware, see ``src/howsafe/sources/recordings/README.md``), collected over a real
  loopback socket by the replay adb server, exactly as ``howsafe collect --adb`` does.
* ``garnet_with_appium()``: the same phone after the Appium test framework set it up. Appium
  installs its helper app ``io.appium.settings`` over adb with ``adb install -g``, which grants
  every runtime permission the app requests. The package id, version and requested permissions are
  read from the real APK in the shared fixtures (``apk/apks/io.appium.settings-8.0.10.apk``); the
  ``pm`` and ``dumpsys package`` lines are rendered in the AOSP output format from those facts.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import replace
from functools import cache

from conftest import DEVICES, FIXTURES
from howsafe.apk.axml import parse_manifest
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase
from howsafe.model import Finding, Report, Snapshot
from howsafe.sources import load_path
from howsafe.sources.adb import collect_adb
from howsafe.sources.adb_transport import AdbServerTransport
from howsafe.sources.replay import Recording, ReplayServer, Reply, bundled_recording_dir, load_recording

TODAY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
APPIUM_APK = FIXTURES / "apk" / "apks" / "io.appium.settings-8.0.10.apk"
# Permissions of the "dangerous" (runtime) protection level in the platform manifest; the rest of
# what the app requests are install-time permissions.
RUNTIME = {
    "android.permission.ACCESS_BACKGROUND_LOCATION", "android.permission.ACCESS_COARSE_LOCATION",
    "android.permission.ACCESS_FINE_LOCATION", "android.permission.BLUETOOTH_CONNECT",
    "android.permission.BLUETOOTH_SCAN", "android.permission.READ_EXTERNAL_STORAGE",
    "android.permission.READ_MEDIA_IMAGES", "android.permission.READ_PHONE_STATE",
    "android.permission.READ_SMS", "android.permission.RECORD_AUDIO",
}  # fmt: skip


@cache
def kb() -> KnowledgeBase:
    return KnowledgeBase.default()


@cache
def device(folder: str) -> Snapshot:
    return load_path(DEVICES / folder)


def audit(snap: Snapshot, profile: str = "everyday") -> Report:
    auditor = Auditor(kb(), clock=lambda: TODAY)
    return auditor.run(auditor.context(snap), profile)


def finding(report: Report, finding_id: str) -> Finding:
    matches = [f for f in report.findings if f.id == finding_id]
    assert len(matches) == 1, (finding_id, [f.id for f in report.findings])
    return matches[0]


def collect(recording: Recording) -> Snapshot:
    with ReplayServer(recording) as srv:
        return collect_adb(transport=AdbServerTransport(port=srv.port))


def garnet_recording() -> Recording:
    return load_recording(bundled_recording_dir("redmi-garnet"))


@cache
def garnet_over_adb() -> Snapshot:
    return collect(garnet_recording())


def with_replies(rec: Recording, **extra: str) -> Recording:
    """The recording with more shell commands answered."""
    replies = dict(rec.replies)
    for cmd, text in extra.items():
        replies[cmd] = Reply(stdout=text)
    return replace(rec, replies=replies)


def appium_manifest() -> tuple[str, str, int, tuple[str, ...]]:
    with zipfile.ZipFile(APPIUM_APK) as zf:
        man = parse_manifest(zf.read("AndroidManifest.xml"))
    assert man.package and man.version_name and man.version_code
    return man.package, man.version_name, man.version_code, tuple(man.permissions)


def _dumpsys_package(pkg: str, version_name: str, version_code: int, perms: tuple[str, ...]) -> str:
    install = [p for p in perms if p not in RUNTIME and p.startswith("android.permission.")]
    runtime = [p for p in perms if p in RUNTIME]
    lines = [
        "Packages:",
        f"  Package [{pkg}] (5d1f0a2):",
        "    userId=10300",
        f"    codePath=/data/app/~~bM5uQh1x3z2Q==/{pkg}-Jt7vE0w9kq3g==",
        f"    versionCode={version_code} minSdk=26 targetSdk=35",
        f"    versionName={version_name}",
        "    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]",
        "    firstInstallTime=2025-12-20 10:00:00",
        "    lastUpdateTime=2025-12-20 10:00:00",
        "    requested permissions:",
        *[f"      {p}" for p in perms],
        "    install permissions:",
        *[f"      {p}: granted=true" for p in install],
        "    User 0: ceDataInode=4242 installed=true hidden=false suspended=false stopped=false "
        "notLaunched=false enabled=0 instant=false virtual=false",
        "      runtime permissions:",
        *[
            f"        {p}: granted=true, flags=[ USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]"
            for p in runtime
        ],
        "",
    ]
    return "\n".join(lines)


def garnet_with_appium_recording() -> Recording:
    rec = garnet_recording()
    pkg, vname, vcode, perms = appium_manifest()
    pm_all = rec.replies["pm list packages -f -i -U -u"].stdout
    pm_3 = rec.replies["pm list packages -3"].stdout
    path = f"/data/app/~~bM5uQh1x3z2Q==/{pkg}-Jt7vE0w9kq3g==/base.apk"
    line = f"package:{path}={pkg}  installer=null uid:10300\n"
    return with_replies(
        rec,
        **{
            "pm list packages -f -i -U -u": pm_all.rstrip("\n") + "\n" + line,
            "pm list packages -3": pm_3.rstrip("\n") + f"\npackage:{pkg}\n",
            "dumpsys package": _dumpsys_package(pkg, vname, vcode, perms),
        },
    )


@cache
def garnet_with_appium() -> Snapshot:
    return collect(garnet_with_appium_recording())


PS_HEADER = "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME\n"


@cache
def garnet_rooted_with_magisk() -> Snapshot:
    """The Redmi Note 13 Pro after rooting with Magisk (the user's own APK, ``installer=null``).

    Rendered from Magisk's documented layout: the app id ``com.topjohnwu.magisk``, the ``su`` and
    ``magisk`` binaries on the ``/debug_ramdisk`` tmpfs (Magisk 26+), and its ``magiskd`` daemon in
    ``ps -A`` (toybox column format).
    """
    rec = garnet_recording()
    pkg = "com.topjohnwu.magisk"
    path = f"/data/app/~~Vd3kq0Lr9FzA==/{pkg}-x1YtQk2m7E0b==/base.apk"
    ps = (PS_HEADER
          + "root             1     0 10935084 12544 do_epoll_wait       0 S init\n"
          + "root           612     1 10791288  3520 do_sys_poll         0 S magiskd\n"
          + "root           977     1 15383948 142016 do_sys_poll        0 S zygote64\n")  # fmt: skip
    rec = with_replies(
        rec,
        **{
            "pm list packages -f -i -U -u": rec.replies["pm list packages -f -i -U -u"].stdout.rstrip("\n")
            + f"\npackage:{path}={pkg}  installer=null uid:10310\n",
            "pm list packages -3": rec.replies["pm list packages -3"].stdout.rstrip("\n") + f"\npackage:{pkg}\n",
            "which -a su": "/debug_ramdisk/su\n",
            "which -a magisk": "/debug_ramdisk/magisk\n",
            "ps -A": ps,
        },
    )
    return collect(rec)
