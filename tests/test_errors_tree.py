"""Every howsafe error class is defined in errors.py and drawn in its tree."""

from __future__ import annotations

import importlib
import pkgutil

import howsafe
from howsafe import errors
from howsafe.errors import ExitCode, HowsafeError


def _all_subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _all_subclasses(sub)
    return out


def test_every_error_class_lives_in_errors_and_is_drawn() -> None:
    for mod in pkgutil.walk_packages(howsafe.__path__, "howsafe."):
        if mod.name.endswith("__main__") or mod.name.startswith(("howsafe.web", "howsafe.store", "howsafe.corpus")):
            continue  # optional extras: their imports may be missing; their errors are checked when present
        importlib.import_module(mod.name)
    doc = errors.__doc__ or ""
    for cls in _all_subclasses(HowsafeError):
        if cls.__module__.startswith("tests") or cls.__module__ == "__main__":
            continue
        assert cls.__module__ == "howsafe.errors", f"{cls.__qualname__} is defined in {cls.__module__}"
        assert f" {cls.__name__} " in doc, f"{cls.__name__} is not drawn in the errors.py tree"


def test_exit_codes_are_the_documented_ones() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 130]
    assert not hasattr(errors, "NetworkDisabledError")
