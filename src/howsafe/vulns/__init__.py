"""Security updates knowledge: bulletin database, OSV reader, matching, end-of-support data.

Public API::

    load_db(kb) -> VulnDB                          the bundled or updated database (memoised)
    assess(db, snapshot, today) -> Assessment      open CVEs, days and bulletins behind
    one_line(assessment) -> str                    "37 critical and 212 high ... 412 days behind"
    read_osv(records) -> list[VulnEntry]           OSV Android-ecosystem records
    update_kb(dest, fetch, ...) -> UpdateResult    `howsafe kb update` (howsafe.vulns.update)
"""

from howsafe.vulns.db import VulnDB, load_db
from howsafe.vulns.match import assess, facts_of, one_line, open_vulns
from howsafe.vulns.model import Assessment, ComponentKind, DeviceFacts, MatchStatus, OpenVuln, VulnEntry

__all__ = [
    "Assessment",
    "ComponentKind",
    "DeviceFacts",
    "MatchStatus",
    "OpenVuln",
    "VulnDB",
    "VulnEntry",
    "assess",
    "facts_of",
    "load_db",
    "one_line",
    "open_vulns",
]
