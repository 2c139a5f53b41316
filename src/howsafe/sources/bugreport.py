"""Android bugreports (``adb bugreport``): a zip whose ``main_entry.txt`` names the
``bugreport-*.txt`` that dumpstate wrote, or that text file on its own.

The text is a sequence of dumpstate sections (``------ TITLE (command) ------``). Read here:
``SYSTEM PROPERTIES`` (getprop), the ``DUMP OF SERVICE`` blocks of the DUMPSYS sections, the
``PROCESSES AND THREADS`` listing, ``dumpsys settings`` tables and the header's ``Kernel:`` line.
A bugreport has no ``getenforce`` or root probe: those stay missing.
"""

from __future__ import annotations

import datetime as dt
import re

from msgspec.structs import replace

from howsafe.errors import InputError
from howsafe.model import Snapshot, SourceInfo, SourceKind
from howsafe.parse.dumpsys import split_dumpsys
from howsafe.parse.settings import parse_dumpsys_settings
from howsafe.parse.text import decode_text
from howsafe.sources.assemble import snapshot_from_outputs
from howsafe.sources.containers import Container, skipped_entries

_SECTION = re.compile(r"^------ (?P<title>.+?) ------$", re.MULTILINE)
_DUMPSTATE = re.compile(r"^== dumpstate: ([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})", re.MULTILINE)
_KERNEL = re.compile(r"^Kernel: (Linux version .*)$", re.MULTILINE)
BUGREPORT_MARK = "== dumpstate:"


def looks_like_bugreport_text(head: str) -> bool:
    return BUGREPORT_MARK in head[:4096]


def _section(text: str, title_prefix: str) -> str | None:
    heads = _SECTION.finditer(text)
    for head in heads:
        if head.group("title").startswith(title_prefix):
            following = next(heads, None)
            return text[head.end() : following.start() if following is not None else len(text)]
    return None


def outputs_from_bugreport_text(text: str) -> tuple[dict[str, str], dt.datetime | None]:
    """Canonical outputs found in a bugreport's main text, and when dumpstate ran (device time)."""
    outputs: dict[str, str] = {}
    props = _section(text, "SYSTEM PROPERTIES")
    if props is not None:
        outputs["getprop"] = props
    services = split_dumpsys(text)
    if services:
        outputs["dumpsys"] = text
        if "settings" in services:
            tables = parse_dumpsys_settings(services["settings"])
            for ns, table in tables.items():
                outputs[f"settings_{ns}"] = "".join(f"{k}={v}\n" for k, v in table.items())
    ps = _section(text, "PROCESSES AND THREADS") or _section(text, "PROCESSES")
    if ps is not None:
        outputs["ps"] = ps
    kernel = _KERNEL.search(text[:65536])
    if kernel:
        outputs["proc_version"] = kernel.group(1)
    else:
        section = _section(text, "KERNEL VERSION")
        if section is not None:
            outputs["proc_version"] = section
    when = _DUMPSTATE.search(text[:65536])
    return outputs, _dumpstate_time(when.group(1)) if when else None


def _dumpstate_time(text: str) -> dt.datetime | None:
    """The header's device time; an impossible one (month 13, hour 99) is unknown, not an error."""
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def main_entry(container: Container) -> str:
    """The member holding the main text: ``main_entry.txt``'s target, else the one bugreport-*.txt."""
    names = container.names()
    if "main_entry.txt" in names:
        target = decode_text(container.read("main_entry.txt", limit=4096)).strip()
        if target in names:
            return target
    candidates = [n for n in names if "/" not in n and n.startswith("bugreport") and n.endswith(".txt")]
    if len(candidates) == 1:
        return candidates[0]
    raise InputError(f"{container.location}: a bugreport zip without its main bugreport-*.txt")


def is_bugreport_zip(container: Container) -> bool:
    """A bugreport zip, or the folder it was extracted to (``main_entry.txt`` or ``bugreport-*.txt`` on top)."""
    names = container.names()
    return "main_entry.txt" in names or any(
        "/" not in n and n.startswith("bugreport-") and n.endswith(".txt") for n in names
    )


def snapshot_from_bugreport_text(text: str, *, location: str, files: tuple[str, ...], redact: bool) -> Snapshot:
    outputs, collected = outputs_from_bugreport_text(text)
    if not outputs:
        raise InputError(f"{location}: the bugreport has no system properties or dumpsys sections")
    source = SourceInfo(
        kind=SourceKind.BUGREPORT, location=location, collected_at=collected, tool="dumpstate", files=files
    )
    return snapshot_from_outputs(outputs, source=source, redact=redact)


def load_bugreport_zip(container: Container, *, redact: bool) -> Snapshot:
    """A bugreport zip, or the folder it was extracted into (read the same way)."""
    entry = main_entry(container)
    text = decode_text(container.read(entry))
    snap = snapshot_from_bugreport_text(text, location=container.location, files=(entry,), redact=redact)
    skipped = skipped_entries(container)
    if skipped:
        snap = replace(snap, source=replace(snap.source, skipped=skipped))
    return snap
