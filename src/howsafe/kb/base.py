"""Locating and memoising knowledge datasets (see the package docstring)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

import platformdirs

from howsafe.errors import KnowledgeError

T = TypeVar("T")

_BUNDLED = Path(__file__).resolve().parent / "data"


def bundled_data_dir() -> Path:
    """Folder of the datasets shipped inside the package."""
    return _BUNDLED


def user_cache_dir() -> Path:
    """Folder where ``howsafe kb update`` stores newer data (never written by an audit)."""
    return Path(platformdirs.user_cache_dir("howsafe", appauthor=False))


class KnowledgeBase:
    """Finds data files and memoises what domain modules load from them.

    ``data_dir`` is the bundled data; ``cache_dir`` holds updated copies that take precedence.
    Tests pass their own folders, so nothing reads global state.
    """

    def __init__(self, data_dir: Path | None = None, cache_dir: Path | None = None) -> None:
        self.data_dir = data_dir or bundled_data_dir()
        self.cache_dir = cache_dir
        self._memo: dict[str, object] = {}
        self._lock = threading.RLock()  # a loader may itself call memo()

    @classmethod
    def default(cls) -> KnowledgeBase:
        """The bundled data overlaid with the user's cache from ``howsafe kb update``."""
        return cls(bundled_data_dir(), user_cache_dir())

    def find(self, name: str, *, required: bool = True) -> Path | None:
        """Path of dataset ``name`` (relative), preferring the updated copy in the cache."""
        if self.cache_dir is not None:
            cached = self.cache_dir / name
            if cached.exists():
                return cached
        bundled = self.data_dir / name
        if bundled.exists():
            return bundled
        if required:
            raise KnowledgeError(f"knowledge file {name!r} is missing from the installation")
        return None

    def is_updated(self, name: str) -> bool:
        """True when ``name`` comes from the user cache (a ``kb update``), not the bundle."""
        return self.cache_dir is not None and (self.cache_dir / name).exists()

    def memo(self, key: str, loader: Callable[[], T]) -> T:
        """Load once per knowledge base; later calls return the same object."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = loader()
            return cast(T, self._memo[key])
