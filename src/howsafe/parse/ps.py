"""Process lists: ``ps -A`` (toybox), old toolbox ``ps``, bugreport's ``ps -A -T ...`` and the JSON
list androidqf's on-device collector writes to ``processes.txt``.

Columns are found from the header line, so extra columns (``LABEL``, ``TID``, ``PRI`` ...) do not
matter. The process name is the last column; toolbox ``ps`` prints a state letter its header does
not name, which reading the name from the end of the row absorbs.
"""

from __future__ import annotations

import json

import msgspec

from howsafe.parse.numbers import strict_int
from howsafe.parse.text import decode_text, iter_lines


def _field(fields: list[str], index: int) -> str | None:
    return fields[index] if -len(fields) <= index < len(fields) else None


class ProcessRow(msgspec.Struct, frozen=True):
    pid: int
    ppid: int | None
    user: str | None
    name: str


def _from_json(text: str) -> list[ProcessRow] | None:
    try:
        loaded = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(loaded, list):
        return None
    rows: list[ProcessRow] = []
    for item in loaded:
        if not isinstance(item, dict) or not isinstance(item.get("pid"), int):
            continue
        cmdline = item.get("command_line")
        name = ""
        if isinstance(cmdline, list) and cmdline and isinstance(cmdline[0], str):
            name = cmdline[0]
        if not name and isinstance(item.get("filename"), str):
            name = item["filename"].strip("()")
        ppid = item.get("ppid")
        uid = item.get("uid")
        rows.append(
            ProcessRow(
                pid=item["pid"],
                ppid=ppid if isinstance(ppid, int) else None,
                user=str(uid) if isinstance(uid, int) else None,
                name=name,
            )
        )
    return rows


def parse_ps(data: bytes | str) -> list[ProcessRow]:
    """Parse a process list; one row per process (threads of ``-T`` listings are folded)."""
    text = decode_text(data)
    stripped = text.lstrip()
    if stripped.startswith("["):
        rows = _from_json(stripped)
        if rows is not None:
            return rows
    header: list[str] | None = None
    result: list[ProcessRow] = []
    seen: set[int] = set()
    for line in iter_lines(text):
        fields = line.split()
        if not fields:
            continue
        if "PID" in fields and (fields[-1] in ("NAME", "CMD", "COMMAND", "ARGS") or "USER" in fields):
            header = fields
            continue
        if header is None:
            continue
        idx_pid = header.index("PID")
        offset = 1 if "LABEL" in header and len(fields) < len(header) else 0
        pid = strict_int(_field(fields, idx_pid - offset))
        if pid is None:
            continue
        if "TID" in header and strict_int(_field(fields, header.index("TID") - offset)) != pid:
            continue
        if pid in seen:
            continue
        ppid: int | None = None
        if "PPID" in header:
            ppid = strict_int(_field(fields, header.index("PPID") - offset))
        user = _field(fields, header.index("USER") - offset) if "USER" in header else None
        seen.add(pid)
        result.append(ProcessRow(pid=pid, ppid=ppid, user=user, name=fields[-1]))
    return result
