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


def test_jurisdiction_page_lists_every_china_rom_rule() -> None:
    from howsafe.kb import KnowledgeBase, bundled_data_dir
    from howsafe.kb.rom_market import china_rom_rules

    text = (REPO / "docs" / "jurisdiction.md").read_text(encoding="utf-8")
    rules = china_rom_rules(KnowledgeBase(bundled_data_dir(), None))
    for rule in rules.rule:
        assert f"| `{rule.id}` |" in text, rule.id
    for prop in rules.not_evidence:
        assert prop in text


def test_removal_levels_page_names_every_level() -> None:
    from howsafe.kb.package_schema import REMOVAL_LEVELS

    text = (REPO / "docs" / "removal-levels.md").read_text(encoding="utf-8")
    for level in REMOVAL_LEVELS:
        assert f"| `{level}` |" in text, level


def test_benchmarks_page_is_the_merge_of_its_parts(tmp_path: object) -> None:
    """docs/benchmarks.md is built from docs/benchmarks/*.md by scripts/merge_benchmarks.py: a figure
    edited on the page alone would be lost at the next merge (it happened: three parts had drifted)."""
    import shutil
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    spec = importlib.util.spec_from_file_location("merge_benchmarks", REPO / "scripts" / "merge_benchmarks.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    shutil.copytree(REPO / "docs" / "benchmarks", tmp_path / "docs" / "benchmarks")
    setattr(mod, "ROOT", tmp_path)  # noqa: B010 - the script reads its module global
    mod.main()
    assert (tmp_path / "docs" / "benchmarks.md").read_text(encoding="utf-8") == (
        REPO / "docs" / "benchmarks.md"
    ).read_text(encoding="utf-8")
