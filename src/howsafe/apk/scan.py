"""Scan APKs, split sets, bundles and folders of them: one ``AppReport`` per app, in input order.

Inputs:

- an ``.apk`` (or a ``.jar`` with DEX files): one app;
- a split-APK folder (``base.apk`` + ``split_*.apk``): one app, its parts merged;
- an ``.apks`` / ``.xapk`` / ``.apkm`` bundle: one app, its parts merged. Layouts (see
  :mod:`howsafe.apk.bundle`): bundletool APK sets (``toc.pb``, ``splits/``, ``standalones/``), SAI and
  APKMirror (APKs at the root with their metadata file), XAPK (``manifest.json``, which names the
  package when the base APK is missing); an encrypted ``.apkm`` is refused with ``encrypted_bundle``;
- any other folder: every input found in it (recursively), each its own app.

Safety: files are memory-mapped read-only and never extracted; each member is inflated alone under
a cap (:mod:`howsafe.apk.zipread`) and dropped once its class names are read; nested APKs are only
probed for depth (Android never loads them). Any refusal becomes ``AppReport.error`` and the scan
goes on. ``jobs > 1`` scans apps in worker processes (0 = all cores).
"""

from __future__ import annotations

import dataclasses
import logging
import mmap
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from howsafe.apk import bundle
from howsafe.apk.arsc import MAX_TABLE_SIZE, ArscError, ResourceTable, parse_reference
from howsafe.apk.axml import Manifest, parse_manifest
from howsafe.apk.dex import class_names
from howsafe.apk.errors import ApkError
from howsafe.apk.matcher import Matcher
from howsafe.apk.model import AppPart, AppReport
from howsafe.apk.signer import signer_digests
from howsafe.apk.trackerdb import load_tracker_db
from howsafe.apk.zipread import MAX_MEMBER_SIZE, ZipArchive
from howsafe.kb import KnowledgeBase
from howsafe.progress import Observer

log = logging.getLogger(__name__)


#: Nested APK depth beyond which an input is refused (exodus-core stops at 10 as well).
MAX_DEPTH = 10
#: Folder levels below a path given to ``apps`` that are walked for APKs.
MAX_WALK_DEPTH = 32
#: Total bytes inflated for one app (all DEX of all parts, nested probes): a second bomb guard.
MAX_TOTAL_INFLATED = 1024 * 1024 * 1024
#: Split / bundle parts accepted for one app.
MAX_PARTS = 200

APP_SUFFIXES = (".apk", ".jar")
BUNDLE_SUFFIXES = (".apks", ".xapk", ".apkm")
_DEX_RE = re.compile(r"classes([0-9]{0,9})\.dex")  # ASCII digits: Android loads classes2.dex ... classesN.dex


@dataclass(frozen=True, slots=True)
class ScanInput:
    """One app to scan: a file, or a split folder with its part files."""

    path: Path
    kind: str  # "file" or "split_dir"
    parts: tuple[Path, ...] = ()


@dataclass
class _Budget:
    left: int = MAX_TOTAL_INFLATED

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ApkError("too_large", f"app inflates to more than {MAX_TOTAL_INFLATED:,} bytes in total")


@dataclass
class _ApkData:
    name: str
    manifest: Manifest | None
    dex: list[tuple[str, int]] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    signers: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)


# -- input discovery ---------------------------------------------------------------------------
def _is_split_dir(d: Path) -> list[Path] | None:
    apks = sorted(p for p in d.iterdir() if p.is_file() and p.suffix.lower() == ".apk")
    names = {p.name for p in apks}
    if "base.apk" in names or (apks and any(n.startswith("split_") for n in names)):
        return apks
    return None


def expand_inputs(paths: Sequence[Path]) -> list[ScanInput]:
    """Turn the user's paths into apps to scan (folders walked in sorted order, depth first).

    The walk uses its own stack, not recursion, and stops :data:`MAX_WALK_DEPTH` folders down:
    a tree nested thousands of levels deep is walked to that depth and the rest is logged.
    """
    out: list[ScanInput] = []
    stack: list[tuple[Path, int]] = [(path, 0) for path in reversed(paths)]
    while stack:
        path, depth = stack.pop()
        if path.is_dir():
            parts = _is_split_dir(path)
            if parts is not None:
                out.append(ScanInput(path, "split_dir", tuple(parts)))
                continue
            children = sorted(path.iterdir())
            wanted = APP_SUFFIXES + BUNDLE_SUFFIXES
            files = [c for c in children if c.is_file() and c.suffix.lower() in wanted]
            out.extend(ScanInput(f, "file") for f in files)
            # Symlinked folders are not followed: a link loop must not hang the scan.
            subdirs = [c for c in children if c.is_dir() and not c.is_symlink() and not c.name.startswith(".")]
            if subdirs and depth >= MAX_WALK_DEPTH:
                log.warning("%s: folders more than %d levels down were not scanned", path, MAX_WALK_DEPTH)
                continue
            stack.extend((d, depth + 1) for d in reversed(subdirs))
        else:
            out.append(ScanInput(path, "file"))
    return out


# -- reading -----------------------------------------------------------------------------------
@contextmanager
def _mapped(path: Path) -> Iterator[tuple[memoryview, mmap.mmap]]:
    """The file's bytes, memory-mapped read-only (pages load on demand, nothing is copied)."""
    if not path.is_file():  # a FIFO would block forever, a device (/dev/zero) never ends
        raise ApkError("unreadable", "not a regular file (a pipe or a device)")
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            raise ApkError("empty_file", "file is empty")
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(mm)
        try:
            yield view, mm
        finally:
            try:
                view.release()
                mm.close()
            except BufferError:  # slices still referenced (an error being raised): freed with them
                pass


def _probe_depth(zf: ZipArchive, depth: int, budget: _Budget) -> None:
    """Refuse APK matryoshkas deeper than MAX_DEPTH (their contents are never scanned)."""
    for name in zf.names():
        if name.lower().endswith(".apk"):
            if depth + 1 > MAX_DEPTH:
                raise ApkError("nesting_too_deep", f"nested APK at depth {depth + 1} > {MAX_DEPTH} ({name})")
            try:
                raw = zf.read(name)
                budget.take(len(raw))
                inner = ZipArchive(raw, label=name)
            except ApkError as exc:
                if exc.code in ("zip_bomb", "too_large"):
                    raise
                continue  # a broken nested file is not loaded by Android either
            _probe_depth(inner, depth + 1, budget)


def _read_apk(zf: ZipArchive, name: str, depth: int, budget: _Budget) -> _ApkData:
    """Manifest, DEX class names and signers of one APK (or DEX jar)."""
    if zf.unsafe_names:
        raise ApkError("unsafe_entry_name", f"unsafe entry name {zf.unsafe_names[0]!r}")
    dex_names = sorted(
        (n for n in zf.members if _DEX_RE.fullmatch(n)),
        key=lambda n: int(_DEX_RE.fullmatch(n).group(1) or 1),  # type: ignore[union-attr]
    )
    has_manifest = "AndroidManifest.xml" in zf.members
    if not has_manifest and not dex_names:
        raise ApkError("not_an_apk", "no AndroidManifest.xml and no classes.dex")
    manifest = None
    if has_manifest:
        raw = zf.read("AndroidManifest.xml", cap=32 * 1024 * 1024)
        manifest = parse_manifest(bytes(raw))
    data = _ApkData(name=name, manifest=manifest)
    if manifest is not None:
        data.warnings.extend(_resolve_references(zf, name, manifest))
    _probe_depth(zf, depth, budget)
    nested = [n for n in zf.members if n.lower().endswith(".apk")]
    if nested:
        data.warnings.append(f"{name}: {len(nested)} nested APK(s) not scanned (Android does not load them)")
    for dn in dex_names:
        buf = zf.read(dn, cap=MAX_MEMBER_SIZE)
        budget.take(len(buf))
        names = class_names(buf)
        del buf
        data.dex.append((dn, len(names)))
        data.classes.extend(names)
    data.signers = signer_digests(zf)
    return data


def _resolve_references(zf: ZipArchive, name: str, manifest: Manifest) -> list[str]:
    """Replace a label / versionName given as ``@0x7f...`` by its string from resources.arsc.

    Lazy: the table is only opened when a reference is present. Whatever goes wrong, the reference
    stays and a warning says why; the scan of the app goes on.
    """
    refs = {
        attr: rid
        for attr, value in (("label", manifest.label), ("versionName", manifest.version_name))
        if (rid := parse_reference(value)) is not None
    }
    if not refs:
        return []
    try:
        if "resources.arsc" not in zf.members:
            raise ArscError("the APK has no resources.arsc")
        table = ResourceTable(zf.read("resources.arsc", cap=MAX_TABLE_SIZE))
    except (ApkError, ArscError) as exc:
        return [f"{name}: {attr} @0x{rid:08x} not resolved: {exc}" for attr, rid in refs.items()]
    warnings = []
    for attr, rid in refs.items():
        try:
            value = table.resolve_string(rid)
        except ArscError as exc:
            warnings.append(f"{name}: {attr} @0x{rid:08x} not resolved: {exc}")
            continue
        if attr == "label":
            manifest.label = value
        else:
            manifest.version_name = value
    return warnings


def _analyse_file(path: Path, matcher: Matcher) -> AppReport:
    with _mapped(path) as (buf, mm):
        return _analyse_buffer(path, buf, mm, matcher)


def _analyse_buffer(path: Path, buf: memoryview, mm: mmap.mmap | None, matcher: Matcher) -> AppReport:
    budget = _Budget()
    try:
        zf = ZipArchive(buf, label=path.name, backing=mm)
    except ApkError as exc:
        if exc.code == "not_a_zip" and path.suffix.lower() == ".apkm":
            raise ApkError("encrypted_bundle", "an encrypted APKMirror bundle (not a ZIP): decrypt it first") from exc
        raise
    is_apk = "AndroidManifest.xml" in zf.members or any(_DEX_RE.fullmatch(n) for n in zf.members)
    layout = None if is_apk else bundle.detect(zf, suffix=path.suffix.lower())
    if layout is not None:
        if zf.unsafe_names:
            raise ApkError("unsafe_entry_name", f"unsafe entry name {zf.unsafe_names[0]!r}")
        if len(layout.parts) > MAX_PARTS:
            raise ApkError("too_large", f"bundle has {len(layout.parts)} APKs (limit {MAX_PARTS})")
        parts = []
        for n in layout.parts:
            raw = zf.read(n)
            budget.take(len(raw))
            inner = ZipArchive(raw, label=n)
            parts.append(_read_apk(inner, n, 1, budget))
        return _merge(path, layout.kind, parts, matcher, meta=layout.meta, notes=layout.warnings)
    data = _read_apk(zf, path.name, 0, budget)
    kind = "apk" if data.manifest is not None else "jar"
    return _merge(path, kind, [data], matcher)


def _analyse_split_dir(inp: ScanInput, matcher: Matcher) -> AppReport:
    if len(inp.parts) > MAX_PARTS:
        raise ApkError("too_large", f"split folder has {len(inp.parts)} APKs (limit {MAX_PARTS})")
    parts = []
    budget = _Budget()
    for p in inp.parts:
        with _mapped(p) as (buf, mm):
            parts.append(_read_apk(ZipArchive(buf, label=p.name, backing=mm), p.name, 0, budget))
    return _merge(inp.path, "split_dir", parts, matcher)


def _merge(
    path: Path,
    kind: str,
    parts: list[_ApkData],
    matcher: Matcher,
    *,
    meta: bundle.BundleMeta | None = None,
    notes: Sequence[str] = (),
) -> AppReport:
    with_manifest = [p for p in parts if p.manifest is not None]
    base = next((p for p in with_manifest if p.manifest and p.manifest.split is None), None)
    has_base = base is not None
    if base is None and with_manifest:
        base = with_manifest[0]
    man = base.manifest if base is not None else None
    warnings = list(notes) + [w for p in parts for w in p.warnings]
    pkgs = {p.manifest.package for p in with_manifest if p.manifest}
    if len(pkgs) > 1:
        warnings.append(f"parts name different packages: {', '.join(sorted(str(x) for x in pkgs))}")
    classes = [c for p in parts for c in p.classes]
    package = man.package if man else None
    version_name = man.version_name if man else None
    version_code = man.version_code if man else None
    label = man.label if man else None
    if meta is not None:
        if meta.package and package and meta.package != package:
            warnings.append(f"bundle metadata ({meta.source}) names {meta.package}, the APKs {package}")
        if not has_base and (meta.package or meta.version_name or meta.version_code is not None):
            warnings.append(f"no base APK in the bundle: package and version from its {meta.source} metadata")
            package = meta.package or package
            version_name = meta.version_name or version_name
            version_code = meta.version_code if meta.version_code is not None else version_code
            label = meta.label or label
    perms = sorted({x for p in with_manifest if p.manifest for x in p.manifest.permissions})
    signers = tuple(dict.fromkeys(s for p in parts for s in p.signers))
    multi = len(parts) > 1
    return AppReport(
        path=str(path),
        kind=kind,
        package=package,
        version_name=version_name,
        version_code=version_code,
        label=label,
        min_sdk=man.min_sdk if man else None,
        target_sdk=man.target_sdk if man else None,
        permissions=tuple(perms),
        signer_sha256=signers,
        trackers=matcher.match(classes, package),
        classes_scanned=len(classes),
        dex_files=tuple((f"{p.name}!{d}" if multi else d, n) for p in parts for d, n in p.dex),
        parts=tuple(
            AppPart(p.name, p.manifest.split if p.manifest else None, tuple(p.dex), len(p.classes)) for p in parts
        )
        if multi
        else (),
        warnings=tuple(warnings),
    )


def scan_input(inp: ScanInput, matcher: Matcher) -> AppReport:
    """Scan one app; every failure becomes an error record (never an exception)."""
    return _guarded(
        inp.path,
        inp.kind,
        lambda: _analyse_split_dir(inp, matcher) if inp.kind == "split_dir" else _analyse_file(inp.path, matcher),
    )


def scan_bytes(data: bytes, path: str, matcher: Matcher) -> AppReport:
    """Scan one app file already read into memory (from an object store); ``path`` names it.

    Same checks and caps as :func:`scan_input`; every failure becomes an error record.
    """
    p = Path(path)

    def run() -> AppReport:
        if not data:
            raise ApkError("empty_file", "file is empty")
        return _analyse_buffer(p, memoryview(data), None, matcher)

    report = _guarded(p, "file", run)
    return report if report.path == path else dataclasses.replace(report, path=path)


def _guarded(path: Path, kind: str, fn: Callable[[], AppReport]) -> AppReport:
    inp = ScanInput(path, kind)
    try:
        return fn()
    except ApkError as exc:
        log.info("%s: %s", inp.path, exc)
        return AppReport(path=str(inp.path), kind=inp.kind, error=exc.code, error_detail=exc.detail)
    except (OSError, ValueError) as exc:
        log.info("%s: unreadable: %s", inp.path, exc)
        return AppReport(path=str(inp.path), kind=inp.kind, error="unreadable", error_detail=str(exc))
    except MemoryError:
        return AppReport(path=str(inp.path), kind=inp.kind, error="too_large", error_detail="out of memory")


# -- workers -----------------------------------------------------------------------------------
_WORKER_MATCHER: Matcher | None = None


def _worker_init(data_dir: str, cache_dir: str | None) -> None:
    global _WORKER_MATCHER
    kb = KnowledgeBase(Path(data_dir), Path(cache_dir) if cache_dir else None)
    _WORKER_MATCHER = Matcher(load_tracker_db(kb))


def _worker_scan(inp: ScanInput) -> AppReport:
    assert _WORKER_MATCHER is not None
    return scan_input(inp, _WORKER_MATCHER)


def matcher_for(kb: KnowledgeBase) -> Matcher:
    """The tracker matcher for ``kb`` (built once per knowledge base)."""
    db = load_tracker_db(kb)  # memo() is not re-entrant: load the DB before memoising the matcher
    return kb.memo("apk.matcher", lambda: Matcher(db))


def scan_paths(
    paths: Sequence[Path], *, kb: KnowledgeBase, jobs: int = 1, observer: Observer | None = None
) -> list[AppReport]:
    """Scan every app found under ``paths``; results in input order, one per app.

    ``observer(path, done, total)`` is called after each app. ``jobs``: worker processes
    (1 = in this process, 0 = one per core).
    """
    inputs = expand_inputs([Path(p) for p in paths])
    total = len(inputs)
    if jobs == 0:
        jobs = os.cpu_count() or 1
    jobs = max(1, min(jobs, total))
    results: list[AppReport | None] = [None] * total
    if jobs == 1:
        matcher = matcher_for(kb)
        for i, inp in enumerate(inputs):
            results[i] = scan_input(inp, matcher)
            if observer:
                observer(str(inp.path), i + 1, total)
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        cache = str(kb.cache_dir) if kb.cache_dir is not None else None
        with ProcessPoolExecutor(jobs, initializer=_worker_init, initargs=(str(kb.data_dir), cache)) as ex:
            futures = {ex.submit(_worker_scan, inp): i for i, inp in enumerate(inputs)}
            for done, fut in enumerate(as_completed(futures), 1):
                i = futures[fut]
                results[i] = fut.result()
                if observer:
                    observer(str(inputs[i].path), done, total)
    return [r for r in results if r is not None]
