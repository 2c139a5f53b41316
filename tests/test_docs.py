"""Generated documentation stays in step with the code."""

from __future__ import annotations

import importlib.util

from conftest import REPO


def test_checks_page_is_current() -> None:
    spec = importlib.util.spec_from_file_location("gen_checks_doc", REPO / "scripts" / "gen_checks_doc.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (REPO / "docs" / "checks.md").read_text(encoding="utf-8") == mod.render(), (
        "docs/checks.md is stale: run python scripts/gen_checks_doc.py"
    )
