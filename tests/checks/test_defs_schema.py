"""Schema test for everything that is data rather than code: check definitions, threat profiles, and
the permission / cloud knowledge files (after OpenSSF scorecard's probe definition checks)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from howsafe.checks import all_checks, load_def
from howsafe.checks.base import DEFS_DIR
from howsafe.kb import bundled_data_dir
from howsafe.model import Area, Grade, Severity
from howsafe.score import available_profiles, load_profile
from howsafe.score.profile import PROFILES_DIR

DEF_FILES = sorted(DEFS_DIR.glob("*.toml"))
PROFILE_FILES = sorted(p for p in PROFILES_DIR.glob("*.toml") if p.stem != "questions")  # not questions.toml
REQUIRED = {"id", "area", "title", "why", "remediation", "severity"}
OPTIONAL = {"references", "pass_title"}
REGISTERED = {c.id for c in all_checks()}


def _load(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_there_are_definitions_and_profiles() -> None:
    assert len(DEF_FILES) >= 30
    assert {p.stem for p in PROFILE_FILES} == {"everyday", "private", "at-risk", "government"}


@pytest.mark.parametrize("path", DEF_FILES, ids=lambda p: p.stem)
def test_check_definition_is_valid(path: Path) -> None:
    raw = _load(path)
    keys = set(raw)
    assert keys >= REQUIRED, f"missing {REQUIRED - keys}"
    assert keys <= REQUIRED | OPTIONAL, f"unknown keys {keys - REQUIRED - OPTIONAL}"
    cid = raw["id"]
    assert isinstance(cid, str) and cid.replace(".", "_") == path.stem
    assert Area(raw["area"]) and Severity(raw["severity"])  # type: ignore[arg-type]
    for key in ("title", "why", "remediation"):
        value = raw[key]
        assert isinstance(value, str) and len(value.strip()) >= 10, key
    assert len(str(raw["title"])) <= 90
    refs = raw.get("references", [])
    assert isinstance(refs, list) and all(isinstance(r, str) and r.startswith("https://") for r in refs)
    assert cid in REGISTERED, f"{cid} has a definition but no registered check"
    assert load_def(cid).id == cid


def test_every_registered_check_has_a_definition() -> None:
    stems = {p.stem for p in DEF_FILES}
    assert {cid.replace(".", "_") for cid in REGISTERED} <= stems


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_profile_is_valid(path: Path) -> None:
    raw = _load(path)
    assert raw["id"] == path.stem and path.stem in available_profiles()
    assert isinstance(raw["name"], str) and isinstance(raw["description"], str) and len(raw["description"]) > 20
    weights = raw["area_weights"]
    assert isinstance(weights, dict) and {Area(k) for k in weights} == set(Area)
    assert all(isinstance(v, int | float) and v > 0 for v in weights.values())
    pen = raw["severity_penalty"]
    assert isinstance(pen, dict) and {Severity(k) for k in pen} == set(Severity)
    ranked = [float(pen[s.value]) for s in sorted(Severity, key=lambda s: s.rank)]
    assert ranked == sorted(ranked) and ranked[0] == 0, "penalties must grow with severity"
    tags = raw.get("tag_weights", {})
    assert isinstance(tags, dict) and all(float(v) > 0 for v in tags.values())
    grades = raw.get("grade_text", {})
    assert isinstance(grades, dict) and {Grade(k) for k in grades} <= set(Grade)
    Severity(raw.get("fail_threshold", "medium"))  # type: ignore[arg-type]
    assert load_profile(path.stem).id == path.stem


def test_stricter_profiles_punish_the_same_problem_harder() -> None:
    order = ["everyday", "private", "at-risk", "government"]
    for sev in (Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL):
        pens = [load_profile(p).severity_penalty[sev] for p in order]
        assert pens == sorted(pens), sev


def _kb(name: str) -> dict[str, object]:
    return tomllib.loads((bundled_data_dir() / name).read_text(encoding="utf-8"))


def test_permission_groups_point_at_registered_checks_with_sources() -> None:
    groups = _kb("permissions/dangerous.toml")["group"]
    assert isinstance(groups, list) and len(groups) == 8
    for g in groups:
        assert g["check"] in REGISTERED
        assert g["source"].startswith("https://developer.android.com/")
        assert all(p.startswith("android.permission.") for p in g["permissions"])
    specials = _kb("permissions/special.toml")["permission"]
    assert isinstance(specials, list) and all(s["check"] in REGISTERED for s in specials)


def test_root_tools_and_installers_have_sources() -> None:
    tools = _kb("permissions/root_tools.toml")["tool"]
    assert isinstance(tools, list) and {"com.topjohnwu.magisk", "me.weishu.kernelsu", "me.bmax.apatch"} <= {
        t["id"] for t in tools
    }
    inst = _kb("permissions/installers.toml")
    for section in ("store", "sideload"):
        entries = inst[section]
        assert isinstance(entries, list) and entries
        assert all(e["source"].startswith("https://") for e in entries)
    stores = {e["id"] for e in inst["store"]}  # type: ignore[attr-defined, union-attr]
    side = {e["id"] for e in inst["sideload"]}  # type: ignore[attr-defined, union-attr]
    assert not stores & side and "com.android.vending" in stores


def test_cloud_services_point_at_registered_checks_with_sources() -> None:
    services = _kb("cloud/services.toml")["service"]
    assert isinstance(services, list)
    ids = [s["id"] for s in services]
    assert len(ids) == len(set(ids))
    for s in services:
        assert s["check"] in REGISTERED and s["source"].startswith("https://")
        assert s["kind"] in ("backup", "find_device") and s["packages"] and s["data"]
    assert {"com.miui.cloudbackup", "com.samsung.android.scloud", "com.huawei.hicloud"} <= {
        p for s in services for p in s["packages"]
    }


def test_definitions_from_the_compiled_copy_equal_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An audit reads the check definitions from the compiled knowledge after the first run: the
    copy holds exactly what parsing every file gives, and a damaged copy is parsed again."""
    from howsafe.checks.base import _def_tables

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parsed = {p.name: _load(p) for p in DEF_FILES}
    first = _def_tables.__wrapped__()
    blobs = list(tmp_path.rglob("checkdefs.marshal"))
    assert len(blobs) == 1
    assert first == parsed
    assert _def_tables.__wrapped__() == parsed  # read back from the copy
    data = bytearray(blobs[0].read_bytes())
    data[-5] ^= 0x41
    blobs[0].write_bytes(bytes(data))
    assert _def_tables.__wrapped__() == parsed
