"""Removal levels, the never-list and remediation prose grouped by level (issue 10 §1).

The UAD NG list (GPL) is read from ``../shared`` as a reference of facts (ids and levels) only.
"""

from __future__ import annotations

import json

import pytest
from msgspec import ValidationError

from conftest import DATA
from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.package_schema import REMOVAL_RANK, PackageEntry, VendorFile
from howsafe.kb.packages import package_db
from howsafe.kb.removal import (
    advice_for_groups,
    disable_advice,
    group_packages,
    is_never,
    never_list,
    parse_never_file,
    removal_info,
)
from howsafe.kb.schema import validate

UAD: dict[str, dict[str, object]] = json.loads((DATA / "oem" / "uad_lists_ng.json").read_bytes())
_UAD_TO_OURS = {"Recommended": "safe", "Advanced": "breaks", "Expert": "expert", "Unsafe": "never"}


def _entry(**kw: object) -> dict[str, object]:
    return {"role": "system", "removal": "safe", "description": "A test entry only.", "sources": ["x"], **kw}


def test_account_bound_packages_can_never_be_marked_safe() -> None:
    with pytest.raises(ValidationError, match="account-bound"):
        validate(_entry(account_bound=True), PackageEntry)
    assert validate(_entry(account_bound=True, removal="breaks"), PackageEntry).account_bound


def test_an_override_needs_both_reason_and_source() -> None:
    with pytest.raises(ValidationError, match="go together"):
        validate(_entry(override_reason="The vendor documents that it is optional."), PackageEntry)
    ok = validate(
        _entry(override_reason="The vendor documents that it is optional.", override_source="https://x.example/"),
        PackageEntry,
    )
    assert ok.override_source == "https://x.example/"


def test_the_old_may_not_boot_value_still_reads_as_never() -> None:
    assert validate(_entry(removal="may-not-boot"), PackageEntry).removal == "never"


@pytest.mark.parametrize(
    "pid",
    [
        "com.xiaomi.account",
        "com.xiaomi.finddevice",
        "com.osp.app.signin",
        "com.samsung.android.fmm",
        "com.huawei.hwid",
        "com.hihonor.id",
        "com.heytap.usercenter",
        "com.bbk.account",
        "com.vivo.findphone",
    ],
)
def test_account_and_find_device_packages_say_sign_out_first_and_are_not_safe(pid: str) -> None:
    kb = KnowledgeBase()
    info = removal_info(kb, pid)
    assert info.account_bound and info.known
    assert info.group != "safe"
    advice = disable_advice(kb, [pid])
    assert "sign out of the account first" in advice
    assert "Safe to disable" not in advice


@pytest.mark.parametrize(
    ("pid", "least"),
    [
        ("com.xiaomi.micloud.sdk", "never"),  # UAD Unsafe: reboots by itself
        ("com.xiaomi.finddevice", "breaks"),
        ("com.xiaomi.joyose", "expert"),
        ("com.coloros.activation.overlay.common", "breaks"),
        ("com.sec.android.diagmonagent", "breaks"),
        ("com.google.mainline.telemetry", "breaks"),
    ],
)
def test_the_packages_the_issue_found_called_safe_are_not_safe(pid: str, least: str) -> None:
    info = removal_info(KnowledgeBase(), pid)
    assert REMOVAL_RANK[info.level] >= REMOVAL_RANK[least], (pid, info.level)
    assert not info.safe


def test_every_kb_level_is_at_least_the_uad_level_or_carries_a_sourced_override() -> None:
    db = package_db(KnowledgeBase())
    looser = []
    for pid, info in db.exact.items():
        uad = UAD.get(pid, {}).get("removal")
        if not isinstance(uad, str) or uad not in _UAD_TO_OURS or info.removal == "unknown":
            continue
        if REMOVAL_RANK[info.removal] < REMOVAL_RANK[_UAD_TO_OURS[uad]] and not info.override_reason:
            looser.append((pid, uad, info.removal))
    assert looser == []


def test_the_never_list_names_core_packages_with_reasons_and_sources() -> None:
    kb = KnowledgeBase()
    never = never_list(kb)
    for pid in (
        "android",
        "com.android.systemui",
        "com.android.phone",
        "com.android.providers.settings",
        "com.android.packageinstaller",
        "com.google.android.packageinstaller",
        "com.android.providers.telephony",
        "com.android.shell",
    ):
        assert pid in never, pid
        assert is_never(kb, pid)
        assert never[pid].reason and never[pid].sources
    raw = (bundled_data_dir() / "removal" / "never.json").read_bytes()
    sources = json.loads(raw)["sources"]
    for entry in never.values():
        assert all(s in sources for s in entry.sources)


def test_never_list_and_family_files_agree() -> None:
    """An id on the never-list that a family file also describes must say ``never`` there too."""
    kb = KnowledgeBase()
    db = package_db(kb)
    disagree = [pid for pid in never_list(kb) if pid in db.exact and db.exact[pid].removal != "never"]
    assert disagree == []


def test_a_broken_never_file_is_a_knowledge_error() -> None:
    with pytest.raises(KnowledgeError):
        parse_never_file(b'{"sources": {}, "packages": {"android": {"label": "x", "reason": "short"}}}')
    with pytest.raises(KnowledgeError, match="unknown source"):
        parse_never_file(
            json.dumps(
                {
                    "sources": {},
                    "packages": {
                        "android": {"label": "Android", "reason": "the framework itself", "sources": ["nowhere"]}
                    },
                }
            )
        )


def test_advice_groups_by_level_and_says_safe_only_of_the_safe_group() -> None:
    kb = KnowledgeBase()
    ids = [
        "com.miui.analytics",
        "com.xiaomi.account",
        "com.xiaomi.joyose",
        "com.xiaomi.micloud.sdk",
        "org.example.not.known",
    ]
    groups = group_packages(kb, ids)
    assert [i.package for i in groups.safe] == ["com.miui.analytics"]
    assert [i.package for i in groups.breaks] == ["com.xiaomi.account"]
    assert [i.package for i in groups.expert] == ["com.xiaomi.joyose", "org.example.not.known"]
    assert [i.package for i in groups.never] == ["com.xiaomi.micloud.sdk"]
    text = advice_for_groups(groups)
    safe_sentence, _, rest = text.partition(". ")
    assert safe_sentence.startswith("Safe to disable") and "com.miui.analytics" in safe_sentence
    for other in ("com.xiaomi.account", "com.xiaomi.joyose", "com.xiaomi.micloud.sdk", "org.example.not.known"):
        assert other not in safe_sentence and other in rest
    assert "safe" not in rest.lower()
    assert "level not reviewed" in rest
    assert "Never disable" in rest


def test_prefix_guesses_are_never_safe() -> None:
    info = removal_info(KnowledgeBase(), "com.miui.something.new")
    assert (info.level, info.group, info.known) == ("unknown", "expert", False)


def test_no_advice_for_no_packages() -> None:
    assert disable_advice(KnowledgeBase(), []) == ""


def test_the_family_files_validate_with_the_new_fields() -> None:
    for path in sorted((bundled_data_dir() / "packages").glob("*.json")):
        validate(json.loads(path.read_bytes()), VendorFile)


def test_the_users_own_uad_import_can_only_make_levels_stricter(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`kb import-uad` of the reference list: with it, no looked-up level is looser than UAD's."""
    from howsafe.kb.packages import build_db, load_vendor_files
    from howsafe.kb.uad_import import import_uad, load_imported

    result = import_uad(DATA / "oem" / "uad_lists_ng.json", tmp_path / "uad_import.json")
    imported = load_imported(result.path)
    kb = KnowledgeBase()
    db = build_db(load_vendor_files(kb), imported)
    looser = []
    for pid in db.exact:
        info = db.lookup(pid)
        uad = imported.get(pid)
        assert info is not None
        if uad is None or uad.removal_level == "unknown" or info.override_reason:
            continue
        if REMOVAL_RANK[info.removal] < REMOVAL_RANK[uad.removal_level]:
            looser.append(pid)
    assert looser == []
    # and a bundled level stricter than UAD stays strict (com.android.phone: UAD Expert, ours never)
    phone = db.lookup("com.android.phone")
    assert phone is not None and phone.removal == "never"


def test_kb_lookup_shows_the_effective_level_account_binding_and_why_never(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from howsafe.cli import main

    assert main(["kb", "lookup", "--format", "json", "com.android.providers.settings", "com.xiaomi.finddevice"]) == 0
    doc = json.loads(capsys.readouterr().out)
    settings, finddevice = doc["packages"]
    assert settings["removal"] == "never" and settings["removal_group"] == "never" and settings["never_reason"]
    assert finddevice["account_bound"] is True and finddevice["removal_group"] != "safe"
    assert main(["kb", "lookup", "com.xiaomi.finddevice"]) == 0
    assert "sign out first" in capsys.readouterr().out
