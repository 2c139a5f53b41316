"""Cloud backup, sync and find-device services per vendor: a typed view of ``cloud/services.toml``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from howsafe.kb.base import KnowledgeBase
from howsafe.kb.schema import FileMeta, KbModel, load_toml_model

if TYPE_CHECKING:  # an annotation only: the knowledge loads without the snapshot models
    from howsafe.model import Snapshot


class SettingSwitch(KbModel, frozen=True, kw_only=True):
    """A setting that shows whether a service is on (``on``/``off`` are its two values)."""

    namespace: str
    key: str
    on: str
    off: str


class CloudService(KbModel, frozen=True, kw_only=True):
    id: str
    check: str
    vendor: str
    name: str
    kind: str
    data: tuple[str, ...]
    packages: tuple[str, ...]
    source: str
    reference: str | None = None
    transports: tuple[str, ...] = ()
    device_admin_prefixes: tuple[str, ...] = ()
    settings: tuple[SettingSwitch, ...] = ()
    jurisdiction: str | None = None
    jurisdiction_by_region: dict[str, str] = msgspec.field(default_factory=dict)

    def jurisdiction_for(self, snap: Snapshot, china_rom: bool = False) -> str | None:
        """The jurisdiction for this ROM; "CN" only when the shared China-ROM rule says so."""
        region = "CN" if china_rom else (snap.device.region or "").upper()
        if region == "CN" and not china_rom:
            region = ""
        return self.jurisdiction_by_region.get(region, self.jurisdiction)


class ServicesFile(KbModel, frozen=True, kw_only=True):
    meta: FileMeta
    service: tuple[CloudService, ...]


def cloud_services(kb: KnowledgeBase) -> list[CloudService]:
    """Every cloud service entry, in file order."""
    return list(load_toml_model(kb, "cloud/services.toml", ServicesFile).service)
