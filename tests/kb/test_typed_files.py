"""The knowledge files read by kb/ loaders validate against their pydantic models; a broken copy
(an unknown key, a missing field) is one KnowledgeError naming the file and the place."""

from __future__ import annotations

from pathlib import Path

import pytest

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.cloud import cloud_services
from howsafe.kb.permissions import dangerous_permissions, installers, permission_groups, special_permissions
from howsafe.kb.root_tools import root_daemons, root_tools


def test_bundled_files_validate_with_real_content() -> None:
    kb = KnowledgeBase()
    groups = permission_groups(kb)
    assert "android.permission.READ_SMS" in groups["apps.perm_sms"].permissions
    assert dangerous_permissions(kb)["android.permission.READ_CONTACTS"].startswith("the address book")
    assert special_permissions(kb)
    stores, side = installers(kb)
    assert stores["com.android.vending"] == "Google Play Store" and side
    assert "com.topjohnwu.magisk" in root_tools(kb) and root_daemons(kb)
    services = {s.id: s for s in cloud_services(kb)}
    assert services["google_backup"].jurisdiction == "US"
    assert services["google_backup"].settings[0].key == "backup_enabled"


def _copy_with(tmp_path: Path, name: str, old: str, new: str) -> KnowledgeBase:
    text = (bundled_data_dir() / name).read_text(encoding="utf-8")
    assert old in text
    dest = tmp_path / name
    dest.parent.mkdir(parents=True)
    dest.write_text(text.replace(old, new, 1), encoding="utf-8")
    return KnowledgeBase(bundled_data_dir(), tmp_path)


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    kb = _copy_with(
        tmp_path,
        "permissions/dangerous.toml",
        'check = "apps.perm_contacts"',
        'check = "apps.perm_contacts"\nchekc = "typo"',
    )
    with pytest.raises(KnowledgeError, match=r"permissions/dangerous.toml is invalid: group.0.chekc"):
        permission_groups(kb)


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    kb = _copy_with(tmp_path, "cloud/services.toml", 'vendor = "Google"\n', "")
    with pytest.raises(KnowledgeError, match=r"cloud/services.toml is invalid: service.0.vendor"):
        cloud_services(kb)
