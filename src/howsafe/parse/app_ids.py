"""App ids named inside dumpsys sections other than ``package`` (appops, receivers, activities,
battery history, dbinfo, platform_compat, usagestats).

An app that was uninstalled before the acquisition still leaves its id in these sections (an
appops entry, a battery "pkgunin" event, a database path), which is why MVT checks them against
app-id indicators. Only ids in recognised syntactic positions are taken, never every dotted word:
``Package com.x.y:`` (appops), ``packageName=com.x.y``, a component ``com.x.y/.Receiver``, battery
events ``pkginst=``/``pkgunin=``/``top=`` with a quoted or ``uid:id`` value, and
``/data/data/com.x.y/`` or ``/data/user/0/com.x.y/`` paths. Linear in the input (one pass per form).
"""

from __future__ import annotations

import re

_ID = r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+"
_APPOPS = re.compile(rf"^\s*Package ({_ID}):\s*$", re.MULTILINE)
_PKGNAME = re.compile(rf"packageName=({_ID})")
_PKGEQ = re.compile(rf"(?:pkg|package)=({_ID})\b")
_BATTERY = re.compile(rf"(?:pkginst|pkgunin|pkgupd|top|fg|bg|pkgactive|pkginactive)=[^\"\s]*?\"?(?:\d+:)?\"?({_ID})")
_DATAPATH = re.compile(rf"/data/(?:data|user(?:_de)?/\d+)/({_ID})/")
_COMPONENT = re.compile(rf"(?<![\w.])({_ID})/(?:\.|[A-Za-z])")

# Each section is searched only for the forms it uses: one literal-led pattern at a time is
# several times faster than one alternation tried at every position of a multi-megabyte dump.
SECTION_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "appops": (_APPOPS,),
    "activity": (_COMPONENT, _PKGNAME),
    "batterystats": (_BATTERY,),
    "dbinfo": (_DATAPATH,),
    "platform_compat": (_PKGNAME, _PKGEQ),
    "usagestats": (_PKGEQ, _PKGNAME),
    "jobscheduler": (_COMPONENT,),
}
SECTIONS = tuple(SECTION_PATTERNS)
MAX_IDS = 100_000


def app_ids_in(text: str, section: str | None = None) -> tuple[str, ...]:
    """Distinct app ids in ``text`` (a dumpsys section), in order of first appearance per form,
    bounded by MAX_IDS. ``section`` chooses the forms searched; None searches all of them."""
    patterns = SECTION_PATTERNS.get(section or "") or (_APPOPS, _PKGNAME, _PKGEQ, _BATTERY, _DATAPATH, _COMPONENT)
    seen: dict[str, None] = {}
    for pattern in patterns:
        for m in pattern.finditer(text):
            seen.setdefault(m.group(1), None)
            if len(seen) >= MAX_IDS:
                return tuple(seen)
    return tuple(seen)
