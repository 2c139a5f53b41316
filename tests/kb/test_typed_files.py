"""The knowledge files read by kb/ loaders validate against their msgspec models; a broken copy
(an unknown key, a missing field) is one KnowledgeError naming the file and the place."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.cloud import cloud_services
from howsafe.kb.package_schema import VendorFile
from howsafe.kb.permissions import dangerous_permissions, installers, permission_groups, special_permissions
from howsafe.kb.root_tools import root_daemons, root_tools
from howsafe.kb.schema import LifecycleFile, M, first_error, validate


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
    """One validation style: every msgspec model of a kb/ loader is a KbModel (frozen, unknown keys
    refused), or a frozen KbRecord the loader builds from models it has already validated."""
    import importlib
    import pkgutil

    import msgspec

    import howsafe.kb
    from howsafe.kb.schema import KbModel, KbRecord, validate

    models: list[type[msgspec.Struct]] = []
    for info in pkgutil.iter_modules(howsafe.kb.__path__):
        module = importlib.import_module(f"howsafe.kb.{info.name}")
        models += [
            v
            for v in vars(module).values()
            if isinstance(v, type)
            and issubclass(v, msgspec.Struct)
            and v.__module__ == module.__name__
            and v not in (KbModel, KbRecord)
        ]
    names = {m.__name__ for m in models}
    assert {"PackageEntry", "NeverFile", "ChinaRomFile", "SettingEntry", "SocVendorsFile"} <= names
    records = {m.__name__ for m in models if issubclass(m, KbRecord)}
    assert {"PackageInfo", "PackageDB", "RemovalInfo", "RomMarket"} <= records
    assert [m.__name__ for m in models if not issubclass(m, (KbModel, KbRecord))] == []
    assert [m.__name__ for m in models if not m.__struct_config__.frozen] == []
    # a record is built, never read from a file: no loader decodes into one
    sources = "".join(p.read_text(encoding="utf-8") for p in Path(howsafe.kb.__path__[0]).glob("*.py"))
    decoded = [r for r in sorted(records) if re.search(rf"(validate|convert)\([^()]*,\s*{r}\)|type={r}\b", sources)]
    assert decoded == []
    assert re.search(r"(validate|convert)\([^()]*,\s*ChinaRomFile\)", sources)  # the pattern finds a real call
    lax = sorted(m.__name__ for m in models if issubclass(m, KbModel) and not m.__struct_config__.forbid_unknown_fields)
    # only εxodus's own format ignores keys it adds later (an unknown key is not a typo there)
    assert lax == ["ExodusTracker", "ExodusTrackersFile"]
    # and the base really refuses a typo in any of them
    from howsafe.kb.removal import NeverEntry

    with pytest.raises(msgspec.ValidationError, match="reasn"):
        validate({"label": "Phone", "reason": "breaks calls", "sources": ["x"], "reasn": "typo"}, NeverEntry)


def test_the_knowledge_loaders_do_not_import_pydantic() -> None:
    """Start-up cost (issue 13): pydantic's import was about a third of an audit's instructions, so
    no knowledge module, and not the profile questions every audit reads, may import it."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import howsafe.kb\n"
        "for info in pkgutil.iter_modules(howsafe.kb.__path__):\n"
        "    importlib.import_module(f'howsafe.kb.{info.name}')\n"
        "import howsafe.score.questions, howsafe.apk.update\n"
        "from howsafe.kb import KnowledgeBase\n"
        "from howsafe.kb.packages import package_db\n"
        "from howsafe.kb.permissions import permission_groups\n"
        "from howsafe.score.questions import load_questions\n"
        "kb = KnowledgeBase()\n"
        "package_db(kb), permission_groups(kb), load_questions()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout


def _problem(raw: dict[str, Any], model: type[M]) -> str:
    with pytest.raises(msgspec.ValidationError) as err:
        validate(raw, model)
    return first_error(err.value, raw, model)


def test_a_problem_is_one_line_naming_the_place_with_dict_keys() -> None:
    """msgspec writes ``$.packages[...]`` for a value of a dict; the message names the key again."""
    entry: dict[str, object] = {
        "role": "system",
        "removal": "safe",
        "description": "A test entry only.",
        "sources": ["a"],
    }
    base: dict[str, object] = {
        "family": "x",
        "vendor": "X",
        "headquarters": "CN",
        "sources": {"a": "https://example.org"},
    }
    packages = {"com.x.a": entry, "com.x.b": {**entry, "role": "spyware"}, "com.x.c": {**entry, "rol": "ads"}}
    assert _problem({**base, "packages": packages}, VendorFile) == "packages.com.x.b.role: Invalid enum value 'spyware'"
    packages = {"com.x.a": entry, "com.x.c": {**entry, "rol": "ads"}}
    assert _problem({**base, "packages": packages}, VendorFile) == "packages.com.x.c.rol: unknown key"
    packages = {"com.x.a": entry, "com.x.d": {**entry, "account_bound": True}}
    assert _problem({**base, "packages": packages}, VendorFile).startswith(
        "packages.com.x.d: an account-bound package is never 'safe'"
    )
    packages = {"com.x.a": entry, "not a package!": entry}
    assert _problem({**base, "packages": packages}, VendorFile).startswith(
        "packages.not a package!: key Expected `str` matching regex"
    )
    assert _problem({**base, "packages": {}, "vendor": None}, VendorFile) == "vendor: Expected `str`, got `null`"
    del base["vendor"]
    assert _problem({**base, "packages": {}}, VendorFile) == "vendor: missing required key"
    assert _problem([], VendorFile) == "top level: Expected `object`, got `array`"  # type: ignore[arg-type]
    # a list inside a dict inside the document: the index and the key
    doc = json.loads((bundled_data_dir() / "lifecycle/lifecycle.json").read_text(encoding="utf-8"))
    name = list(doc["devices"])[1]
    doc["devices"][name][0]["eol"] = 3
    assert _problem(doc, LifecycleFile) == f"devices.{name}.0.eol: Expected `bool | str | null`, got `int`"


def test_the_compiled_package_cache_is_keyed_on_the_model_base_too() -> None:
    from howsafe.kb import packages

    assert {p.name for p in packages._CODE_FILES} == {"packages.py", "package_schema.py", "schema.py"}
