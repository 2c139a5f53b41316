"""Write the small generated seeds of the fuzz corpus (``corpus/<family>/``).

Run once when a seed is added (``python tests/fuzz/make_corpus.py``); the output is committed so
the corpus is kept with the tests. Real fixtures are seeds too, by reference (see targets.py).
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"

GETPROP = "[ro.build.version.release]: [14]\n[ro.build.version.sdk]: [34]\n[ro.product.brand]: [Xiaomi]\n"
PM = "package:/data/app/~~a==/com.x-b==/base.apk=com.x installer=com.android.vending uid:10123 versionCode:42\n"
SETTINGS = "adb_enabled=1\nlock_screen_owner_info=line one\ncontinued\ninstall_non_market_apps=0\n"
DUMPSYS_PACKAGE = (
    "Packages:\n  Package [com.x] (1a2b):\n    userId=10123\n    versionCode=42 minSdk=24 targetSdk=34\n"
    "    flags=[ HAS_CODE ALLOW_BACKUP ]\n    requested permissions:\n      android.permission.CAMERA\n"
    "    User 0: ceDataInode=1 installed=true hidden=false stopped=false enabled=0\n"
    "      runtime permissions:\n        android.permission.CAMERA: granted=true, flags=[ USER_SET ]\n"
)
DUMPSYS = (
    "DUMP OF SERVICE accessibility:\nUser state[\n  Enabled services:{{com.x/.Svc}, {com.y/com.y.A$B}}\n]\n"
    "--------- 0.003s was the duration of dumpsys accessibility, ending at: 2024-05-01 10:00:00\n"
    "DUMP OF SERVICE notification:\n  All notification listeners (1) enabled for current profiles:\n"
    "    ComponentInfo{com.z/com.z.L}\nDUMP OF SERVICE backup:\nBackup Manager is enabled\n"
    "Available transports:\n  * com.google.android.gms/.backup.BackupTransportService\n"
)
DUMPSYS_SETTINGS = (
    "GLOBAL SETTINGS (user 0)\n  _id:1 name:adb_enabled pkg:android value:1\n"
    "SECURE SETTINGS (user 0)\n  _id:7 name:android_id pkg:android value:abcdef0123456789\n"
)
DEVICE_POLICY = (
    "Current Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 0):\n"
    "    com.x/.Admin:\n      uid=10123\n  Device Owner: \n    admin=ComponentInfo{com.y/com.y.Owner}\n"
)
PS = (
    "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME\n"
    "root             1     0 12345678  9876 0                   0 S init\n"
    "u0_a123       4242   700 1234567  65432 0                   0 S com.x:remote\n"
)
ROOT = "/system/bin/su\n/system/xbin/su\n/sbin/magisk\n"
KERNEL = "Linux version 5.10.177-android12-9-00001-g1234abcd (build-user@build-host) #1 SMP PREEMPT\n"
BUGREPORT = (
    "== dumpstate: 2024-05-01 10:00:00\nKernel: Linux version 5.10.1 (b@h)\n"
    "------ SYSTEM PROPERTIES (getprop) ------\n"
    + GETPROP
    + "------ DUMPSYS (dumpsys) ------\n"
    + DUMPSYS
    + "DUMP OF SERVICE settings:\nGLOBAL SETTINGS (user 0)\n  _id:1 name:adb_enabled pkg:android value:1\n"
    + "------ PROCESSES AND THREADS (ps) ------\nUSER PID PPID NAME\nroot 1 0 init\n"
)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i, (name, data) in enumerate(members.items()):
            z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED)
    return buf.getvalue()


def _dns_frame() -> bytes:
    query = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00\x00\x01\x00\x01"
    udp = struct.pack(">HHHH", 40000, 53, 8 + len(query), 0) + query
    src, dst = bytes([10, 0, 0, 2]), bytes([8, 8, 8, 8])
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
    return b"\x00" * 12 + b"\x08\x00" + ip + udp


def _pcap() -> bytes:
    frame = _dns_frame()
    return (
        struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        + struct.pack("<IIII", 1714557600, 0, len(frame), len(frame))
        + frame
    )


def _block(btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


def _pcapng() -> bytes:
    frame = _dns_frame()
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _block(1, struct.pack("<HHI", 1, 0, 65535))
    epb = _block(6, struct.pack("<IIIII", 0, 0, 0, len(frame), len(frame)) + frame)
    opb = _block(2, struct.pack("<HHIII", 0, 0, 0, 0, len(frame)) + struct.pack("<I", len(frame)) + frame)
    return shb + idb + epb + opb


SEEDS: dict[str, dict[str, bytes]] = {
    "zip": {"dump.zip": _zip({"getprop.txt": GETPROP.encode(), "packages.txt": PM.encode()})},
    # one folder per device-output parser (each target mutates its own format)
    "getprop": {"getprop.txt": GETPROP.encode(), "utf16.txt": GETPROP.encode("utf-16")},
    "pm_list": {"pm.txt": PM.encode()},
    "settings": {"settings.txt": SETTINGS.encode()},
    "dumpsys_settings": {"dumpsys_settings.txt": DUMPSYS_SETTINGS.encode()},
    "dumpsys_package": {"dumpsys_package.txt": DUMPSYS_PACKAGE.encode()},
    "dumpsys_split": {"dumpsys.txt": DUMPSYS.encode()},
    "accessibility": {"dumpsys.txt": DUMPSYS.encode()},
    "device_policy": {"device_policy.txt": DEVICE_POLICY.encode()},
    "notification_listeners": {"dumpsys.txt": DUMPSYS.encode()},
    "backup": {"dumpsys.txt": DUMPSYS.encode()},
    "ps": {"ps.txt": PS.encode()},
    "root_binaries": {"root.txt": ROOT.encode()},
    "getenforce": {"getenforce.txt": b"Enforcing\n"},
    "kernel_version": {"proc_version.txt": KERNEL.encode()},
    "app_ids": {"dumpsys.txt": DUMPSYS.encode(), "dumpsys_package.txt": DUMPSYS_PACKAGE.encode()},
    "redactor": {"getprop.txt": GETPROP.encode(), "settings.txt": SETTINGS.encode()},
    "device_outputs": {
        "getprop.txt": GETPROP.encode(), "pm.txt": PM.encode(), "settings.txt": SETTINGS.encode(),
        "dumpsys_package.txt": DUMPSYS_PACKAGE.encode(), "dumpsys.txt": DUMPSYS.encode(),
        "utf16.txt": GETPROP.encode("utf-16"),
    },
    "bugreport": {"bugreport.txt": BUGREPORT.encode()},
    "capture": {"dns.pcap": _pcap(), "dns.pcapng": _pcapng()},
    "dns_logs": {
        "querylog.json": (json.dumps({"T": "2024-05-01T10:00:00.123456789Z", "QH": "a.example", "QT": "A",
                                      "IP": "10.0.0.2", "Result": {}}) + "\n").encode(),
    },
    "stix2": {
        "bundle.json": json.dumps({"type": "bundle", "id": "bundle--1", "objects": [
            {"type": "malware", "id": "malware--1", "name": "Evil"},
            {"type": "indicator", "id": "indicator--1", "pattern_type": "stix",
             "pattern": "[domain-name:value = 'evil.example' OR app:id = 'com.evil']"},
            {"type": "relationship", "id": "relationship--1", "relationship_type": "indicates",
             "source_ref": "indicator--1", "target_ref": "malware--1"},
        ]}).encode(),
    },
}  # fmt: skip


def main() -> None:
    for family, files in SEEDS.items():
        folder = CORPUS / family
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
