"""Read Android Security Bulletin pages (HTML from the AOSP docs) into VulnEntry rows.

Used by ``scripts/build_bulletin_db.py`` to build the shipped database, and by a test that
rebuilds it. The pages changed layout several times between 2015 and 2019, so the reader keys on
what stays stable:

* the security patch level of a row is the date in the nearest ``<h2>`` that names one
  ("2016-07-05 security patch level ..."); older pages have one level, the bulletin's date; Pixel
  pages are fixed at the ``-05`` level of their month;
* the component is the nearest ``<h3>`` ("Media framework", "Qualcomm components", or before
  mid-2017 "Elevation of privilege vulnerability in Qualcomm GPU driver", which also gives the type);
* a table is a vulnerability table when its first header cell is "CVE"; columns are found by
  header name; row and column spans are expanded, so a CVE split over several rows keeps its id.

Only the standard library is used (``html.parser``): the pages are trusted, versioned inputs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from howsafe.vulns.components import components, vendor_in
from howsafe.vulns.model import ComponentKind, VulnEntry
from howsafe.vulns.versions import parse_versions

_DATE = re.compile(r"(20[0-9][0-9])-([0-9][0-9])-([0-9][0-9])")
_CVE = re.compile(r"CVE-\d{4}-\d{4,}")


@dataclass
class _Cell:
    text: str = ""
    links: list[str] = field(default_factory=list)
    rowspan: int = 1
    colspan: int = 1


@dataclass
class _Table:
    rows: list[list[_Cell]] = field(default_factory=list)


class _Reader(HTMLParser):
    """Flatten a page into a sequence of headings and tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, str, str] | _Table] = []
        self._heading: list[str] | None = None
        self._table: _Table | None = None
        self._row: list[_Cell] | None = None
        self._cell: _Cell | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("h2", "h3", "h4"):
            self._heading = [tag, a.get("id") or "", ""]
        elif tag == "table":
            self._table = _Table()
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.rows.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = _Cell(rowspan=_span(a.get("rowspan")), colspan=_span(a.get("colspan")))
            self._row.append(self._cell)
        elif tag == "a" and self._cell is not None and a.get("href"):
            self._cell.links.append(a["href"] or "")
        elif tag == "br" and self._cell is not None:
            self._cell.text += " "

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "h3", "h4") and self._heading is not None:
            kind, hid, text = self._heading
            self.events.append((kind, hid, " ".join(text.split())))
            self._heading = None
        elif tag == "table" and self._table is not None:
            self.events.append(self._table)
            self._table = self._row = self._cell = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading[2] += data
        if self._cell is not None:
            self._cell.text += data


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or "1"), 50))
    except ValueError:
        return 1


def _grid(table: _Table) -> list[list[_Cell]]:
    """Expand row/column spans into a rectangular grid."""
    grid: list[list[_Cell]] = []
    carry: dict[int, tuple[_Cell, int]] = {}  # column -> (cell, rows left)
    for row in table.rows:
        out: list[_Cell] = []
        cells = iter(row)
        col = 0
        while True:
            if col in carry:
                cell, left = carry[col]
                out.append(cell)
                if left <= 1:
                    del carry[col]
                else:
                    carry[col] = (cell, left - 1)
                col += 1
                continue
            nxt = next(cells, None)
            if nxt is None:
                if any(c > col for c in carry):  # a short row before a spanned cell: keep columns aligned
                    out.append(_Cell())
                    col += 1
                    continue
                break
            for _ in range(nxt.colspan):
                out.append(nxt)
                if nxt.rowspan > 1:
                    carry[col] = (nxt, nxt.rowspan - 1)
                col += 1
        grid.append(out)
    return grid


def _clean(text: str) -> str:
    return " ".join(text.split())


def spl_of_heading(text: str, hid: str) -> dt.date | None:
    """The patch level an ``<h2>`` introduces, when it names one."""
    if "patch level" not in text.lower() and "details" not in hid:
        return None
    m = _DATE.search(text) or _DATE.search(hid)
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def find_vendor(text: str) -> str | None:
    """The vendor a component heading names (``kb/data/vulns/components.toml``)."""
    return vendor_in(text)


def _component_of_heading(text: str) -> tuple[str, str]:
    """(component, type) from a heading such as 'Elevation of privilege vulnerability in NFC'."""
    low = text.lower()
    vtype = ""
    for phrase, code in components().type_phrases:
        if low.startswith(phrase):
            vtype = code
            break
    m = re.search(r"\bvulnerabilit(?:y|ies) in (.+)$", text, re.IGNORECASE)
    if m is None:
        m = re.search(r"\b(?:privilege|execution|disclosure|service) in (.+)$", text, re.IGNORECASE)
    component = m.group(1).strip() if m else text.strip()
    return component, vtype


def classify(component: str, links: Iterable[str] = ()) -> tuple[ComponentKind, str | None]:
    """Component group and vendor of a bulletin component name (reference links break ties)."""
    vendor = find_vendor(component)
    if vendor is not None:
        return ComponentKind.VENDOR, vendor
    low = component.lower()
    if "kernel" in low or "linux" in low:
        return ComponentKind.KERNEL, None
    if any(w in low for w in components().media):
        return ComponentKind.MEDIA, None
    joined = " ".join(links)
    if "/frameworks/av/" in joined:
        return ComponentKind.MEDIA, None
    if "/kernel/" in joined:
        return ComponentKind.KERNEL, None
    if any(w in low for w in components().framework) or "/frameworks/base/" in joined:
        return ComponentKind.FRAMEWORK, None
    return ComponentKind.SYSTEM, None


def _column(header: list[str], *names: str) -> int | None:
    for i, h in enumerate(header):
        hl = h.lower().rstrip("*").strip()
        if any(hl.startswith(n) for n in names):
            return i
    return None


def bulletin_id(path: Path) -> str:
    """'2018-06-01' for an Android page, 'pixel/2018-06-01' for a Pixel/Nexus page."""
    return f"pixel/{path.stem}" if path.parent.name == "pixel" else path.stem


def parse_bulletin(html: str, bulletin: str) -> list[VulnEntry]:
    """Every vulnerability row of one bulletin page, in page order."""
    pixel = bulletin.startswith("pixel/")
    day = bulletin.split("/")[-1]
    m = _DATE.fullmatch(day)
    if m is None:
        raise ValueError(f"bulletin id {bulletin!r} is not a date")
    page_date = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    base_spl = page_date.replace(day=5) if pixel else page_date
    reader = _Reader()
    reader.feed(html)
    reader.close()

    spl = base_spl
    heading = ""
    out: list[VulnEntry] = []
    for ev in reader.events:
        if isinstance(ev, tuple):
            kind, hid, text = ev
            if kind == "h2":
                level = spl_of_heading(text, hid)
                if level is not None and not pixel:
                    spl = level
                heading = ""
            else:
                heading = text
            continue
        grid = _grid(ev)
        if not grid or not grid[0] or _clean(grid[0][0].text) != "CVE":
            continue
        out.extend(_rows(grid, bulletin=bulletin, spl=spl, heading=heading, pixel=pixel))
    return out


def _rows(grid: list[list[_Cell]], *, bulletin: str, spl: dt.date, heading: str, pixel: bool) -> list[VulnEntry]:
    header = [_clean(c.text) for c in grid[0]]
    c_ref = _column(header, "reference", "bug", "android bug")
    c_type = _column(header, "type")
    c_sev = _column(header, "severity")
    c_comp = _column(header, "component")
    c_ver = _column(header, "updated aosp versions", "updated versions", "affected versions")
    heading_component, heading_type = _component_of_heading(heading) if heading else ("", "")
    out: list[VulnEntry] = []
    seen_cells: set[tuple[int, int]] = set()
    for row in grid[1:]:
        if not row:
            continue
        cve_cell = row[0]
        sev_cell = row[c_sev] if c_sev is not None and c_sev < len(row) else None
        key = (id(cve_cell), id(sev_cell))
        if key in seen_cells:  # a continuation row (extra bug link) of a spanned CVE
            continue
        seen_cells.add(key)
        cves = _CVE.findall(cve_cell.text)
        if not cves or sev_cell is None:
            continue
        sev = components().severity.get(_clean(sev_cell.text).rstrip("*").strip().lower())
        if sev is None:  # NSI / None: no security impact
            continue
        vtype = _clean(row[c_type].text) if c_type is not None and c_type < len(row) else heading_type
        if vtype in {"N/A", "NSI"}:
            vtype = ""
        sub = _clean(row[c_comp].text) if c_comp is not None and c_comp < len(row) else ""
        links: list[str] = []
        refs = ""
        if c_ref is not None and c_ref < len(row):
            refs = _clean(row[c_ref].text)
            links = [u for u in row[c_ref].links if u.startswith("http")]
        versions = None
        if c_ver is not None and c_ver < len(row) and "kernel" not in header[c_ver].lower():
            versions = parse_versions(row[c_ver].text)
        kind, vendor = classify(heading_component or sub, links)
        if vendor is None and sub:
            sub_vendor = find_vendor(sub)
            if sub_vendor is not None:
                kind, vendor = ComponentKind.VENDOR, sub_vendor
        component = heading_component
        if sub and sub.lower() not in heading_component.lower():
            component = f"{heading_component}: {sub}" if heading_component else sub
        for cve in dict.fromkeys(cves):
            out.append(
                VulnEntry(
                    cve=cve,
                    bulletin=bulletin,
                    spl=spl,
                    severity=sev,
                    type=vtype,
                    kind=kind,
                    component=component,
                    vendor=vendor,
                    versions=versions,
                    references=refs,
                    fixes=tuple(dict.fromkeys(links)),
                    pixel_only=pixel,
                )
            )
    return out


def parse_folder(folder: Path) -> list[VulnEntry]:
    """All monthly bulletins under ``folder`` (Android pages and ``pixel/``), oldest first."""
    pages = sorted(folder.glob("20??-??-??.html")) + sorted((folder / "pixel").glob("20??-??-??.html"))
    out: list[VulnEntry] = []
    for page in pages:
        out.extend(parse_bulletin(page.read_text(encoding="utf-8"), bulletin_id(page)))
    return out
