"""App ids named inside dumpsys sections other than ``package`` (appops, receivers, activities,
battery history, dbinfo, platform_compat, usagestats).

An app that was uninstalled before the acquisition still leaves its id in these sections (an
appops entry, a battery "pkgunin" event, a database path), which is why MVT checks them against
app-id indicators. Only ids in recognised syntactic positions are taken, never every dotted word:
``Package com.x.y:`` (appops), ``packageName=com.x.y``, a component ``com.x.y/.Receiver``, battery
events ``pkginst=``/``pkgunin=``/``top=`` with a quoted or ``uid:id`` value, and
``/data/data/com.x.y/`` or ``/data/user/0/com.x.y/`` paths. Linear in the input (one regex pass).
"""

from __future__ import annotations

import re

SECTIONS = (
    "appops", "activity", "batterystats", "dbinfo", "platform_compat", "usagestats", "jobscheduler",
    "alarm", "notification", "account", "content",
)  # fmt: skip

_ID = r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+"
_PATTERNS = re.compile(
    rf"""(?:^\s*Package\ (?P<appops>{_ID}):\s*$
      | packageName=(?P<pkgname>{_ID})
      | (?:pkg|package)=(?P<pkgeq>{_ID})\b
      | (?:pkginst|pkgunin|pkgupd|top|fg|bg|pkgactive|pkginactive)=[^"\s]*?"?(?:\d+:)?"?(?P<battery>{_ID})"?
      | /data/(?:data|user(?:_de)?/\d+)/(?P<datapath>{_ID})/
      | (?<![\w.])(?P<component>{_ID})/(?:\.|[A-Za-z])[\w.$]*
    )""",
    re.MULTILINE | re.VERBOSE,
)
MAX_IDS = 100_000


def app_ids_in(text: str) -> tuple[str, ...]:
    """Distinct app ids in ``text``, in order of first appearance (bounded by MAX_IDS)."""
    seen: dict[str, None] = {}
    for m in _PATTERNS.finditer(text):
        value = next(v for v in m.groups() if v is not None)
        if value not in seen:
            seen[value] = None
            if len(seen) >= MAX_IDS:
                break
    return tuple(seen)
