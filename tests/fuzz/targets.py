"""One fuzz target per parser (per format for the binary and capture readers): bytes in, and only
howsafe's own errors may come out.

A target returns normally or raises a :class:`~howsafe.errors.HowsafeError` (the one-line errors
the CLI prints); any other exception, a hang or runaway memory is a finding. The same targets run
under hypothesis (always, in the test suite) and under atheris (coverage-guided, when installed).
Seeds for each family are listed in :data:`SEEDS`: tiny generated files in ``corpus/`` beside
this module, and real fixtures referenced by path (never copied).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from howsafe.errors import HowsafeError

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = Path(os.environ.get("HOWSAFE_SHARED", REPO.parent / "shared")).resolve()
FIXTURES = SHARED / "fixtures"
CORPUS = HERE / "corpus"

sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))

_SCRATCH = Path(tempfile.mkdtemp(prefix="howsafe-fuzz-"))


def _as_file(data: bytes, name: str) -> Path:
    """Readers that take a path get one scratch file, rewritten for each input."""
    path = _SCRATCH / name
    path.write_bytes(data)
    return path


def zip_container(data: bytes) -> None:
    from howsafe.apk.zipread import ZipArchive
    from howsafe.sources.containers import ZipContainer

    zf = ZipArchive(data)
    for name in zf.names()[:16]:
        zf.read(name, cap=1 << 20)
    zc = ZipContainer(data, location="fuzz.zip")
    for name in zc.names()[:16]:
        zc.read(name, limit=1 << 20)


def dex(data: bytes) -> None:
    from howsafe.apk.dex import class_names

    class_names(data)


def axml(data: bytes) -> None:
    from howsafe.apk.axml import parse_manifest

    parse_manifest(data)


def arsc(data: bytes) -> None:
    from howsafe.apk.arsc import ResourceTable

    table = ResourceTable(data)
    for res_id in (0x7F010000, 0x7F020001, 0x7F0E001B, 0x01040000):
        with contextlib.suppress(HowsafeError):  # one missing id must not hide the others
            table.resolve_string(res_id)


def signer(data: bytes) -> None:
    from howsafe.apk.signer import signer_digests
    from howsafe.apk.zipread import ZipArchive

    signer_digests(ZipArchive(data))


def _text_parser(name: str) -> Callable[[bytes], None]:
    """A target for one device-output parser of ``howsafe.parse`` (bytes in, as read from a dump)."""

    def target(data: bytes) -> None:
        from howsafe import parse

        getattr(parse, name)(data)

    target.__name__ = name
    return target


# One target per parser, so that coverage guidance and seeds are each parser's own (one target
# running every parser on each input spent most executions outside the parser being mutated).
TEXT_PARSERS: dict[str, str] = {
    "getprop": "parse_getprop", "pm_list": "parse_pm_list", "settings": "parse_settings",
    "dumpsys_settings": "parse_dumpsys_settings", "dumpsys_package": "parse_dumpsys_package",
    "dumpsys_split": "split_dumpsys", "accessibility": "parse_accessibility",
    "device_policy": "parse_device_policy", "notification_listeners": "parse_notification_listeners",
    "backup": "parse_backup", "ps": "parse_ps", "root_binaries": "parse_root_binaries",
    "getenforce": "parse_getenforce", "kernel_version": "parse_kernel_version",
}  # fmt: skip


def app_ids(data: bytes) -> None:
    from howsafe.parse.app_ids import app_ids_in
    from howsafe.parse.text import decode_text

    text = decode_text(data)
    app_ids_in(text)
    app_ids_in(text, "packages")


def redactor(data: bytes) -> None:
    from howsafe.parse.text import decode_text, iter_lines
    from howsafe.sources.redact import redact_mapping, redact_value

    text = decode_text(data)
    redact_value(text)
    pairs = (line.partition("=") for line in iter_lines(text))
    redact_mapping({key: value for key, _, value in pairs})


def device_outputs(data: bytes) -> None:
    """The whole assembly of a snapshot from command outputs (each output given the same text)."""
    from howsafe.model import SourceInfo, SourceKind
    from howsafe.parse.text import decode_text
    from howsafe.sources.assemble import snapshot_from_outputs

    text = decode_text(data)
    outputs = {key: text for key in ("getprop", "packages", "settings_secure", "dumpsys_package", "dumpsys", "ps")}
    snapshot_from_outputs(outputs, source=SourceInfo(kind=SourceKind.FOLDER, location="fuzz"), redact=True)


def bugreport(data: bytes) -> None:
    from howsafe.parse.text import decode_text
    from howsafe.sources.bugreport import snapshot_from_bugreport_text

    snapshot_from_bugreport_text(decode_text(data), location="fuzz", files=("bugreport.txt",), redact=True)


def snapshot_json(data: bytes) -> None:
    from howsafe.sources.snapshot import snapshot_from_json, snapshot_to_json

    snapshot_to_json(snapshot_from_json(data, location="fuzz.json"))


def capture(data: bytes) -> None:
    from howsafe.net.collect import Collector, FileStats
    from howsafe.net.packets import PacketEngine
    from howsafe.net.pcapio import CaptureMeta, open_records

    c = Collector()
    stats = FileStats(file="fuzz.pcap")
    engine = PacketEngine(c, stats)
    try:
        engine.run(open_records(io.BytesIO(data), CaptureMeta()))
    finally:
        engine.finish()


def _net_file(data: bytes, name: str) -> None:
    from howsafe.kb import KnowledgeBase
    from howsafe.net import analyse_captures

    analyse_captures([_as_file(data, name)], kb=_kb(KnowledgeBase))  # type: ignore[arg-type]


_KB: list[object] = []


def _kb(cls: type) -> object:
    if not _KB:
        _KB.append(cls.default())  # type: ignore[attr-defined]
    return _KB[0]


def pcapdroid_csv(data: bytes) -> None:
    _net_file(data, "flows.csv")


def dns_logs(data: bytes) -> None:
    _net_file(data, "dns.log")


def stix2(data: bytes) -> None:
    from howsafe.iocs.stix import read_bundle

    read_bundle(_as_file(data, "bundle.json"))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "zip": zip_container, "dex": dex, "axml": axml, "arsc": arsc, "signer": signer,
    **{family: _text_parser(fn) for family, fn in TEXT_PARSERS.items()},
    "app_ids": app_ids, "redactor": redactor, "device_outputs": device_outputs,
    "bugreport": bugreport, "snapshot_json": snapshot_json,
    "capture": capture, "pcapdroid_csv": pcapdroid_csv, "dns_logs": dns_logs, "stix2": stix2,
}  # fmt: skip


APK = FIXTURES / "apk" / "apks" / "io.appium.settings-8.0.10.apk"
MALFORMED = FIXTURES / "apk" / "malformed"
CAPS = FIXTURES / "captures"
DEVICES = FIXTURES / "devices"
XIAOMI = DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM"
DEMO = REPO / "src" / "howsafe" / "sources" / "demo" / "redmi-note-13-pro-5g-hyperos2-global.json"

# Real fixtures used as seeds, by reference (never copied here): a path, or (APK, member name).
FIXTURE_SEEDS: dict[str, tuple[Path | tuple[Path, str], ...]] = {
    "zip": tuple(MALFORMED / n for n in (
        "androguard-apksig-nul-in-entry-name.apk", "androguard-apksig-truncated-cd.apk", "dex-truncated.apk",
        "encrypted-entry.apk", "zipslip-dotdot.apk",
    )),
    "dex": ((APK, "classes7.dex"), (APK, "classes4.dex")),
    "axml": ((APK, "AndroidManifest.xml"),),
    "arsc": ((APK, "resources.arsc"),),
    "signer": (MALFORMED / "androguard-apksig-truncated-cd.apk", MALFORMED / "dex-bad-magic.apk"),
    "getprop": (DEVICES / "google-oriole-13277524" / "getprop.txt", XIAOMI / "getprop.txt"),
    "pm_list": (XIAOMI / "packages.txt", XIAOMI / "packages-f.txt"),
    "redactor": (DEVICES / "google-oriole-13277524" / "getprop.txt", XIAOMI / "raw" / "system.build.prop"),
    "device_outputs": (DEVICES / "google-oriole-13277524" / "getprop.txt",),
    "snapshot_json": (DEMO,),
    "capture": (CAPS / "hostile-bad-blocklen.pcapng", CAPS / "hostile-dns-loop.pcap"),
    "pcapdroid_csv": (CAPS / "pcapdroid.csv", CAPS / "pcapdroid_old.csv"),
    "dns_logs": (CAPS / "pihole-FTL.db", CAPS / "querylog.json", CAPS / "nextdns.csv"),
    "stix2": (SHARED / "data" / "iocs" / "2022-06-23_rcs_lab" / "rcs.stix2",),
}  # fmt: skip


def _load(ref: Path | tuple[Path, str]) -> bytes | None:
    import zipfile

    if isinstance(ref, tuple):
        apk, member = ref
        if not apk.is_file():
            return None
        with zipfile.ZipFile(apk) as z:
            return z.read(member)
    return ref.read_bytes() if ref.is_file() else None


def seeds(family: str) -> list[bytes]:
    """The kept corpus of ``family``: the generated seeds in ``corpus/<family>/`` plus the
    referenced fixtures."""
    out: list[bytes] = []
    folder = CORPUS / family
    if folder.is_dir():
        out += [p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()]
    for ref in FIXTURE_SEEDS.get(family, ()):
        data = _load(ref)
        if data is not None:
            out.append(data)
    return out or [b""]


def run_one(family: str, data: bytes) -> None:
    """Run a target on one input; howsafe's own errors are expected answers, anything else fails."""
    with contextlib.suppress(HowsafeError):
        TARGETS[family](data)
