"""Every howsafe error class is defined in errors.py and drawn in its tree."""

from __future__ import annotations

import importlib
import pkgutil

import howsafe
from howsafe import errors
from howsafe.errors import ExitCode, HowsafeError


def _all_subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():  # type: ignore[var-annotated]
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


def test_no_public_exception_class_is_defined_outside_errors() -> None:
    """Parser and API errors too (ValueError/Exception subclasses) live in errors.py and are drawn;
    only private control-flow exceptions (``_Skip``) may live beside their one user."""
    doc = errors.__doc__ or ""
    for mod in pkgutil.walk_packages(howsafe.__path__, "howsafe."):
        if mod.name.endswith("__main__") or ".migrations" in mod.name:
            continue  # alembic's migration scripts run only inside alembic
        try:
            module = importlib.import_module(mod.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == mod.name:
                assert mod.name == "howsafe.errors" or name.startswith("_"), f"{name} is defined in {mod.name}"
                if mod.name == "howsafe.errors" and obj is not HowsafeError and not name.startswith("_"):
                    assert f" {name} " in doc, f"{name} is not drawn in the errors.py tree"
