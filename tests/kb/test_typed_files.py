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


def test_every_knowledge_model_has_the_one_strict_base() -> None:
    """One validation style: every pydantic model of a kb/ loader is a KbModel (frozen, unknown keys refused)."""
    import importlib
    import pkgutil

    from pydantic import BaseModel, ValidationError

    import howsafe.kb
    from howsafe.kb.schema import KbModel

    models: list[type[BaseModel]] = []
    for info in pkgutil.iter_modules(howsafe.kb.__path__):
        module = importlib.import_module(f"howsafe.kb.{info.name}")
        models += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == module.__name__ and v is not KbModel
        ]
    names = {m.__name__ for m in models}
    assert {"PackageEntry", "NeverFile", "ChinaRomFile", "SettingEntry", "SocVendorsFile"} <= names
    assert [m.__name__ for m in models if not issubclass(m, KbModel)] == []
    # and the base really refuses a typo in any of them
    from howsafe.kb.removal import NeverEntry

    with pytest.raises(ValidationError, match="reasn"):
        NeverEntry.model_validate({"label": "Phone", "reason": "breaks calls", "sources": ["x"], "reasn": "typo"})


def test_the_compiled_package_cache_is_keyed_on_the_model_base_too() -> None:
    from howsafe.kb import packages

    assert {p.name for p in packages._CODE_FILES} == {"packages.py", "package_schema.py", "schema.py"}
