"""Rebuild docs/benchmarks.md from the per-topic results each bench script writes.

Usage: python scripts/merge_benchmarks.py   (after running the bench/ scripts you want refreshed)
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ["apk", "net", "vulns", "iocs", "adb", "startup", "corpus"]

SUMMARY = "summary.md"  # hand-written summary table, kept beside the parts


def main() -> None:
    parts = []
    for name in PARTS:
        text = (ROOT / "docs" / "benchmarks" / f"{name}.md").read_text(encoding="utf-8").strip()
        # demote the part's own headings one level under this page's title
        lines, fenced = [], False
        for line in text.splitlines():
            if line.startswith("```"):
                fenced = not fenced
            lines.append("#" + line if line.startswith("#") and not fenced else line)
        if not lines[0].startswith("## "):
            lines[0] = "## " + lines[0].lstrip("# ")
        parts.append("\n".join(lines))
    header = (ROOT / "docs" / "benchmarks" / SUMMARY).read_text(encoding="utf-8")
    (ROOT / "docs" / "benchmarks.md").write_text(header + "\n\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
