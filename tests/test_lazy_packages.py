"""Packages that re-export names load their submodules on first use (issue 13): every exported name
resolves to the object its module defines, an unknown name is an AttributeError, and importing the
package alone imports none of those modules."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

LAZY = ["howsafe.apk", "howsafe.iocs", "howsafe.net", "howsafe.parse", "howsafe.score"]


@pytest.mark.parametrize("package", LAZY)
def test_every_exported_name_resolves_to_its_modules_object(package: str) -> None:
    pkg = importlib.import_module(package)
    where: dict[str, str] = pkg._WHERE
    assert sorted(pkg.__all__) == sorted(where)
    # a name equal to a submodule's would become that module as soon as anything imports it
    assert set(where) & {m.name for m in pkgutil.iter_modules(pkg.__path__)} == set()
    for name, module in where.items():
        assert getattr(pkg, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError, match=f"module '{package}' has no attribute 'no_such_name'"):
        pkg.no_such_name  # noqa: B018


def test_importing_a_package_alone_loads_none_of_its_submodules() -> None:
    code = (
        "import importlib, json, sys\n"
        f"out = {{}}\n"
        f"for p in {LAZY!r}:\n"
        "    before = set(sys.modules)\n"
        "    pkg = importlib.import_module(p)\n"
        "    out[p] = sorted(set(pkg._WHERE.values()) & (set(sys.modules) - before))\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(proc.stdout) == {p: [] for p in LAZY}
