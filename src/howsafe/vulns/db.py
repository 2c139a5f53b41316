"""The vulnerability database: a gzipped JSON table of VulnEntry rows, loaded once per audit.

Why gzipped JSON: it is diffable after ``zcat``, needs no extra dependency, loads in a few
milliseconds for the ~3,000 rows of the 2015-2019 bulletins, and ``howsafe kb update`` can write
the same format from OSV records. Rows are arrays (see ``COLUMNS``) to keep the file small.

File: ``vulns/bulletins.json.gz`` in the knowledge base (bundled or updated in the user cache).
"""

from __future__ import annotations

import bisect
import datetime as dt
import gzip
import io
import json
import marshal
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, overload

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase
from howsafe.kb.compiled import compiled_key, read_compiled, write_compiled
from howsafe.model import DataSource, Severity
from howsafe.vulns.model import ComponentKind, VulnEntry

DB_NAME = "vulns/bulletins.json.gz"
SCHEMA = 1
COLUMNS = (
    "cve",
    "bulletin",
    "spl",
    "severity",
    "type",
    "kind",
    "component",
    "vendor",
    "versions",
    "references",
    "fixes",
    "pixel_only",
    "aliases",
    "name",
)
MAX_DB_BYTES = 512 * 1024 * 1024  # inflated size bound; a database merged with OSV's export is far smaller
# dict lookups instead of Enum() calls, which dominated load time
_SEVERITY = {s.value: s for s in Severity}
_KIND = {k.value: k for k in ComponentKind}
UNRATED_CELL = ""  # the severity cell of a row whose source gave no severity
COMPLETE, PARTIAL, ABSENT = "complete", "partial", "absent"


def _month_key(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _next_month(key: str) -> str:
    y, m = int(key[:4]), int(key[5:7])
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def month_ranges(months: Sequence[str]) -> str:
    """ "2023-04, 2023-06..2023-07": consecutive months folded into ranges."""
    runs: list[list[str]] = []
    for m in sorted(months):
        if runs and _next_month(runs[-1][-1]) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)


class Coverage(msgspec.Struct, frozen=True):
    """How complete the bulletin data is for a span of months: every report states it."""

    through: str  # last bulletin month with data ("2024-09")
    partial: tuple[str, ...] = ()  # months whose rows are incomplete (CVE records only, no severity)
    absent: tuple[str, ...] = ()  # months with no rows at all

    @property
    def complete(self) -> bool:
        return not self.partial and not self.absent

    def text(self) -> str:
        """'published through 2024-09; not in the data: 2023-04; partial: 2023-08..2024-09'."""
        parts = [f"bulletins published through {self.through}"]
        if self.absent:
            parts.append(f"months missing from the data: {month_ranges(self.absent)}")
        if self.partial:
            parts.append(
                f"months only partly in the data (CVE records that cite the bulletin, severity often not "
                f"stated): {month_ranges(self.partial)}"
            )
        return "; ".join(parts)


class _ChunkedRows(Sequence[Sequence[Any]]):
    """The rows of a compiled copy, kept as one marshalled blob per bulletin year and read on first use.

    An audit asks only for the rows after the phone's patch level (:meth:`VulnDB.after`): a phone
    patched in 2023 needs three years of the eleven, and reading all 5,500 rows cost about 4% of a
    whole audit. The blobs come from :func:`howsafe.kb.compiled.read_compiled`, whose SHA-256 covers
    them, so reading one back is as safe as reading the whole copy."""

    __slots__ = ("_blobs", "_loaded", "_n", "_starts")

    def __init__(self, starts: Sequence[int], blobs: Sequence[bytes], n: int) -> None:
        if len(starts) != len(blobs) or list(starts) != sorted(starts) or (starts and starts[0] != 0):
            raise ValueError("chunk offsets do not match the chunks")
        self._starts = list(starts)
        self._blobs = list(blobs)
        self._loaded: list[list[Any] | None] = [None] * len(blobs)
        self._n = n

    def __len__(self) -> int:
        return self._n

    def _chunk(self, c: int) -> list[Any]:
        rows = self._loaded[c]
        if rows is None:
            rows = marshal.loads(self._blobs[c])  # noqa: S302 - part of the SHA-256-checked compiled copy
            end = self._starts[c + 1] if c + 1 < len(self._starts) else self._n
            if not isinstance(rows, list) or len(rows) != end - self._starts[c]:
                raise ValueError("a chunk of the compiled copy does not hold its rows")
            self._loaded[c] = rows
        return rows

    @overload
    def __getitem__(self, i: int) -> Sequence[Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[Sequence[Any]]: ...
    def __getitem__(self, i: int | slice) -> Sequence[Any] | list[Sequence[Any]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if not 0 <= i < self._n:
            raise IndexError(i)
        c = bisect.bisect_right(self._starts, i) - 1
        row: Sequence[Any] = self._chunk(c)[i - self._starts[c]]
        return row


def _chunked(rows: Sequence[Sequence[Any]]) -> tuple[list[int], list[bytes]]:
    """Row offsets and marshalled blobs, one per bulletin year (rows are sorted by patch level)."""
    starts: list[int] = []
    blobs: list[bytes] = []
    year = None
    for i, r in enumerate(rows):
        if str(r[2])[:4] != year:
            year = str(r[2])[:4]
            starts.append(i)
    for c, start in enumerate(starts):
        end = starts[c + 1] if c + 1 < len(starts) else len(rows)
        blobs.append(marshal.dumps([list(r) for r in rows[start:end]]))
    return starts, blobs


class VulnDB:
    """Rows sorted by patch level, plus what the data covers and where it came from.

    Rows stay as the plain lists read from JSON and become VulnEntry objects only when a lookup
    needs them: an audit of a recent phone touches a handful of rows, not all of them.
    """

    __slots__ = (
        "_cache",
        "_keys",
        "_rows",
        "bulletins",
        "covers_until",
        "generated",
        "licence",
        "months",
        "named",
        "source",
    )

    def __init__(
        self,
        rows: Sequence[Sequence[Any]],
        *,
        covers_until: dt.date,
        bulletins: tuple[str, ...] = (),
        source: str = "",
        licence: str = "",
        generated: str = "",
        named: dict[str, tuple[str, ...]] | None = None,
        months: dict[str, str] | None = None,
        cache: Sequence[VulnEntry] | None = None,
        keys: Sequence[str] | None = None,
    ) -> None:
        self._rows: Sequence[Sequence[Any]] = rows if isinstance(rows, _ChunkedRows) else list(rows)
        # ISO dates sort as dates; a compiled copy brings them so that no row is read to find them
        self._keys = list(keys) if keys is not None else [str(r[2]) for r in self._rows]
        if len(self._keys) != len(self._rows):
            raise ValueError("the patch-level keys do not match the rows")
        self._cache: list[VulnEntry | None] = list(cache) if cache is not None else [None] * len(self._rows)
        self.covers_until = covers_until
        self.bulletins = bulletins
        self.source = source
        self.licence = licence
        self.generated = generated
        self.named = dict(named or {})
        # "YYYY-MM" -> complete | partial | absent: how much of that month's bulletin the rows hold
        self.months = dict(sorted((months or {}).items()))

    def coverage(self, spl: dt.date | None = None, until: dt.date | None = None) -> Coverage:
        """What the data holds for the bulletins a device at ``spl`` is missing (all months if None),
        up to ``until`` (an audit dated in the past sees only what was published by then)."""
        first = _month_key(spl) if spl is not None else ""
        if spl is not None and spl.day >= 5:  # a -05 level holds the whole month
            first = _next_month(first)
        through = _month_key(self.covers_until)
        if until is not None:
            through = min(through, _month_key(until))
        months = {m: st for m, st in self.months.items() if first <= m <= through}
        return Coverage(
            through=through,
            partial=tuple(m for m, st in months.items() if st == PARTIAL),
            absent=tuple(m for m, st in months.items() if st == ABSENT),
        )

    @classmethod
    def build(cls, entries: Iterable[VulnEntry], **meta: Any) -> VulnDB:
        ordered = sorted(entries, key=lambda e: (e.spl, e.bulletin, e.cve))
        return cls([_row(e) for e in ordered], cache=ordered, **meta)

    def __len__(self) -> int:
        return len(self._rows)

    def _get(self, i: int) -> VulnEntry:
        e = self._cache[i]
        if e is None:
            e = self._cache[i] = _entry(self._rows[i])
        return e

    @property
    def entries(self) -> tuple[VulnEntry, ...]:
        return tuple(self._get(i) for i in range(len(self._rows)))

    def rows(self) -> list[list[Any]]:
        """The rows as serialised (for writing the file)."""
        return [list(r) for r in self._rows]

    def after(self, spl: dt.date) -> list[VulnEntry]:
        """Entries fixed at a patch level strictly later than ``spl`` (SPLs compare as dates)."""
        start = bisect.bisect_right(self._keys, spl.isoformat())
        return [self._get(i) for i in range(start, len(self._rows))]

    def by_cve(self, cve: str) -> list[VulnEntry]:
        return [self._get(i) for i, r in enumerate(self._rows) if r[0] == cve or cve in (r[12] or ())]


def _row(e: VulnEntry) -> list[Any]:
    return [
        e.cve,
        e.bulletin,
        e.spl.isoformat(),
        e.severity.value if e.rated else UNRATED_CELL,
        e.type,
        e.kind.value,
        e.component,
        e.vendor,
        list(e.versions) if e.versions is not None else None,
        e.references,
        list(e.fixes),
        1 if e.pixel_only else 0,
        list(e.aliases),
        e.name,
    ]


def _entry(row: Sequence[Any]) -> VulnEntry:
    (cve, bulletin, spl, sev, vtype, kind, component, vendor, versions, refs, fixes, pixel, aliases, name) = row
    return VulnEntry(
        cve=str(cve),
        bulletin=str(bulletin),
        spl=dt.date.fromisoformat(spl),
        severity=_SEVERITY[sev] if sev != UNRATED_CELL else Severity.MEDIUM,
        rated=sev != UNRATED_CELL,
        type=str(vtype),
        kind=_KIND[kind],
        component=str(component),
        vendor=vendor,
        versions=tuple(versions) if versions is not None else None,
        references=str(refs),
        fixes=tuple(fixes),
        pixel_only=bool(pixel),
        aliases=tuple(aliases),
        name=name,
    )


def dumps(db: VulnDB) -> bytes:
    """Deterministic gzipped JSON (same input, same bytes: the rebuild test relies on it)."""
    doc = {
        "schema": SCHEMA,
        "source": db.source,
        "licence": db.licence,
        "generated": db.generated,
        "covers_until": db.covers_until.isoformat(),
        "bulletins": list(db.bulletins),
        "named": {k: list(v) for k, v in sorted(db.named.items())},
        "months": dict(db.months),
        "columns": list(COLUMNS),
        "entries": db.rows(),
    }
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    return buf.getvalue()


def loads(data: bytes) -> VulnDB:
    """Parse a database file fully; raises KnowledgeError on anything malformed."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            raw = gz.read(MAX_DB_BYTES + 1)
        if len(raw) > MAX_DB_BYTES:
            raise KnowledgeError("vulnerability database is larger than the safety bound")
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise KnowledgeError("vulnerability database is damaged: not a JSON object")
        if doc.get("schema") != SCHEMA or list(doc.get("columns", ())) != list(COLUMNS):
            raise KnowledgeError("vulnerability database has an unknown schema")
        rows = doc["entries"]
        if not isinstance(rows, list) or any(not isinstance(r, list) or len(r) != len(COLUMNS) for r in rows):
            raise KnowledgeError("vulnerability database rows do not match its columns")
        rows.sort(key=lambda r: (str(r[2]), str(r[1]), str(r[0])))
        for r in rows:  # cheap validation of what matching relies on; rows become objects lazily
            dt.date.fromisoformat(r[2])
            if (r[3] not in _SEVERITY and r[3] != UNRATED_CELL) or r[5] not in _KIND:
                raise KnowledgeError(f"vulnerability database row {r[0]!r} has an unknown severity or kind")
        return VulnDB(
            rows,
            covers_until=dt.date.fromisoformat(doc["covers_until"]),
            bulletins=tuple(doc.get("bulletins", ())),
            source=str(doc.get("source", "")),
            licence=str(doc.get("licence", "")),
            generated=str(doc.get("generated", "")),
            named={k: tuple(v) for k, v in doc.get("named", {}).items()},
            months={str(k): str(v) for k, v in doc.get("months", {}).items()},
        )
    except KnowledgeError:
        raise
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise KnowledgeError(f"vulnerability database is damaged: {exc}") from exc


def load_file(path: Path) -> VulnDB:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"cannot read vulnerability database {path}: {exc.strerror or exc}") from exc
    return loads(data)


_COMPILED = "vulns"


def _load_compiled(kb: KnowledgeBase, path: Path) -> VulnDB:
    """:func:`load_file`, but a copy already checked by an earlier run (:mod:`howsafe.kb.compiled`) is reused."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"cannot read vulnerability database {path}: {exc.strerror or exc}") from exc
    here = Path(__file__)
    code = [here, here.with_name("model.py"), here.parents[1] / "model.py"]  # the row checks use their enums
    key = compiled_key(_COMPILED, [(DB_NAME, data)], code)
    stored = read_compiled(kb, _COMPILED, key)
    if stored is not None:
        try:
            keys, starts, blobs, fields = stored
            rows = _ChunkedRows(starts, blobs, len(keys))
            return VulnDB(rows, keys=keys, covers_until=dt.date.fromisoformat(fields.pop("covers_until")), **fields)
        except (ValueError, TypeError, AttributeError, KeyError):
            pass  # not the shape this code writes: parse again
    db = loads(data)
    fields = {
        "covers_until": db.covers_until.isoformat(),
        "bulletins": db.bulletins,
        "source": db.source,
        "licence": db.licence,
        "generated": db.generated,
        "named": db.named,
        "months": db.months,
    }
    starts, blobs = _chunked(db.rows())
    write_compiled(kb, _COMPILED, key, ([str(r[2]) for r in db.rows()], starts, blobs, fields))
    return db


def load_db(kb: KnowledgeBase) -> VulnDB:
    """The database this knowledge base uses (an updated copy wins over the bundled one), memoised."""

    def _load() -> VulnDB:
        path = kb.find(DB_NAME)
        assert path is not None
        try:
            return _load_compiled(kb, path)
        except KnowledgeError as exc:
            if kb.is_updated(DB_NAME):  # a damaged download: say which file and how to recover
                raise KnowledgeError(f"{exc} ({path}); run `howsafe kb update` again or delete it") from exc
            raise

    return kb.memo("vulns.db", _load)


def data_source(kb: KnowledgeBase) -> list[DataSource]:
    """How current the vulnerability data is: shown in every report so stale data never looks safe."""
    try:
        db = load_db(kb)
    except KnowledgeError as exc:
        return [DataSource(name="Android vulnerabilities", note=f"unavailable: {exc}")]
    cov = db.coverage()
    updated = kb.is_updated(DB_NAME)
    note = (
        f"updated copy from `howsafe kb update`; {cov.text()}"
        if updated
        else f"{cov.text()}; run `howsafe kb update` for later ones"
    )
    return [
        DataSource(
            name="Android vulnerabilities",
            version=db.generated or None,
            covers_until=db.covers_until.isoformat(),
            licence=db.licence or None,
            note=note,
        )
    ]
