"""Write docs/checks.md: every check with its area, default severity, title and references.

Usage: python scripts/gen_checks_doc.py   (tests/test_docs.py fails when the page is stale)
"""

from __future__ import annotations

from pathlib import Path

from howsafe.checks import all_checks, load_def
from howsafe.model import Area

ROOT = Path(__file__).resolve().parents[1]


def render() -> str:
    defs = [load_def(c.id) for c in all_checks()]
    out = [
        "# Checks",
        "",
        "Generated from `src/howsafe/checks/defs/*.toml` by `python scripts/gen_checks_doc.py`.",
        "Severity is the default when the check fails; some checks raise or lower it with the evidence.",
        "",
    ]
    for area in Area:
        rows = [d for d in defs if d.area is area]
        if not rows:
            continue
        out += [f"## {area.value}", "", "| id | severity | what it reports |", "|---|---|---|"]
        out += [f"| `{d.id}` | {d.severity.value} | {d.title} |" for d in sorted(rows, key=lambda d: d.id)]
        out.append("")
    return "\n".join(out)


def main() -> None:
    (ROOT / "docs" / "checks.md").write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
