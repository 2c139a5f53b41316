"""Facts the device identity reads build properties with: ``kb/data/identity/``.

``xiaomi_regions.toml`` names the region letters of Xiaomi build numbers (``V14.0.4.0.SJKCNXM``:
``CN``). Like the SoC table it is read on first use with :mod:`tomllib` (every collection needs
it); :class:`~howsafe.kb.schema.XiaomiRegionsFile` checks the shipped file in the tests.
"""

from __future__ import annotations

from functools import cache

from howsafe.errors import KnowledgeError
from howsafe.kb.tables import bundled_toml

XIAOMI_REGIONS_FILE = "identity/xiaomi_regions.toml"


@cache
def xiaomi_regions() -> dict[str, str]:
    """Region code -> region name (``MI`` -> ``Global``), read once per process."""
    try:
        return {str(code): str(name) for code, name in bundled_toml(XIAOMI_REGIONS_FILE)["regions"].items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"{XIAOMI_REGIONS_FILE} is invalid: {exc}") from exc
