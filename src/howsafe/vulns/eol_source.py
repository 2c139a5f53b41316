"""Readers for end-of-life data: endoflife.date product pages / API JSON, and AOSP kernel lifetimes.

endoflife.date keeps each product as a Markdown page whose YAML front matter lists release cycles
(``releaseCycle``, ``releaseLabel``, ``releaseDate``, ``eoas``, ``eol``, ``link``, custom fields
such as ``apiVersion``). The API serves the same facts as JSON (``cycle``, ``eol`` ...). Both are
read into the same plain rows. Only the flat ``releases:`` list is needed, so a small reader of that
subset is used instead of a YAML dependency; anything it does not understand is rejected, not guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

Row = dict[str, str | bool | None]

_ITEM = re.compile(r"^\s*-\s+([A-Za-z_][\w]*):\s*(.*)$")
_FIELD = re.compile(r"^\s+([A-Za-z_][\w]*):\s*(.*)$")
_KEEP = (
    "releaseCycle",
    "releaseLabel",
    "releaseDate",
    "eoas",
    "eol",
    "link",
    "apiVersion",
    "codename",
    "discontinued",
)


def _scalar(raw: str) -> str | bool | None:
    text = raw.strip()
    if text.startswith(('"', "'")):
        q = text[0]
        end = text.find(q, 1)
        return text[1:end] if end > 0 else text[1:]
    text = text.split(" #", 1)[0].strip()
    if text in ("true", "True"):
        return True
    if text in ("false", "False"):
        return False
    if text in ("null", "~", ""):
        return None
    return text


def parse_product_markdown(text: str) -> list[Row]:
    """Release rows from an endoflife.date product page (front matter ``releases:`` list)."""
    if not text.startswith("---"):
        raise ValueError("not an endoflife.date product page (no front matter)")
    end = text.find("\n---", 3)
    if end < 0:
        raise ValueError("unterminated front matter")
    rows: list[Row] = []
    cur: Row | None = None
    in_releases = False
    for line in text[3:end].splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith((" ", "-")):
            in_releases = line.startswith("releases:")
            cur = None
            continue
        if not in_releases:
            continue
        m = _ITEM.match(line)
        if m:
            cur = {}
            rows.append(cur)
            if m.group(1) in _KEEP:
                cur[m.group(1)] = _scalar(m.group(2))
            continue
        m = _FIELD.match(line)
        if m and cur is not None and m.group(1) in _KEEP:
            cur[m.group(1)] = _scalar(m.group(2))
    if not rows or any("releaseCycle" not in r for r in rows):
        raise ValueError("no release cycles found in product page")
    return rows


def parse_api_json(data: str | bytes) -> list[Row]:
    """Release rows from endoflife.date's API (``/api/<product>.json``: a list of cycles)."""
    doc: Any = json.loads(data)
    if isinstance(doc, dict) and isinstance(doc.get("result"), dict):  # v1: {"result": {"releases": [...]}}
        doc = doc["result"].get("releases")
    if not isinstance(doc, list) or not doc:
        raise ValueError("endoflife.date API answer is not a list of cycles")
    rows: list[Row] = []
    for item in doc:
        if not isinstance(item, dict) or not ("cycle" in item or "name" in item):
            raise ValueError("endoflife.date API cycle without a name")
        row: Row = {
            "releaseCycle": str(item.get("cycle", item.get("name"))),
            "releaseLabel": _opt(item.get("releaseLabel", item.get("label"))),
            "releaseDate": _opt(item.get("releaseDate")),
            "eol": _flag(item["eol"] if "eol" in item else (item.get("eolFrom") or item.get("isEol"))),
            "eoas": _flag(item.get("eoas", item.get("support"))),
            "link": _opt(item.get("link")),
            "apiVersion": _opt(item.get("apiVersion")),
            "codename": _opt(item.get("codename")),
        }
        rows.append(row)
    return rows


def _opt(v: object) -> str | None:
    return None if v is None else str(v)


def _flag(v: object) -> str | bool | None:
    if isinstance(v, bool) or v is None:
        return v
    return str(v)


def parse_product(data: bytes) -> list[Row]:
    """Either format, told apart by its first character."""
    text = data.decode("utf-8")
    return parse_product_markdown(text) if text.lstrip().startswith("---") else parse_api_json(text)


def parse_kernel_lifetimes(xml_text: str) -> list[dict[str, str]]:
    """GKI / Android common kernel branches with launch and end-of-life dates.

    ElementTree is imported here: only ``kb update`` reads this XML, and importing it costs every
    audit about 2% of its start-up."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml_text)  # noqa: S314 - bundled file from AOSP, not user input
    out: list[dict[str, str]] = []
    for br in root.iter("branch"):
        out.append(
            {
                "branch": br.get("name", ""),
                "version": br.get("version", ""),
                "launch": br.get("launch", ""),
                "eol": br.get("eol", ""),
                "min_android_release": br.get("min_android_release", ""),
            }
        )
    if not out:
        raise ValueError("no kernel branches found")
    return out
