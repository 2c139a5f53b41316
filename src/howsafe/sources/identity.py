"""Device identity and integrity facts read from system properties.

This interprets properties (which one names the ROM, the region, the SoC vendor) but never judges
them: an unlocked bootloader is recorded as ``bootloader_locked=False``, what it means is a
check's business. Each field falls back through the property spellings vendors and Android
releases actually use, and stays ``None`` when none is present.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from howsafe.model import Device, Integrity
from howsafe.parse.misc import SelinuxMode
from howsafe.parse.numbers import leading_int, strict_int


def _first(props: Mapping[str, str], *keys: str) -> str | None:
    for key in keys:
        value = props.get(key, "").strip()
        if value:
            return value
    return None


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    m = re.match(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", value.strip())
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    return leading_int(value.strip()) if value is not None else None


_XIAOMI_INCREMENTAL = re.compile(r"^(?:V\d+(?:\.\d+)+|OS\d+(?:\.\d+)+)\.[A-Z]([A-Z]{2})([A-Z]{2})(?:XM|FI|FN)$")


def _xiaomi_region(incremental: str | None) -> str | None:
    if not incremental:
        return None
    m = _XIAOMI_INCREMENTAL.match(incremental)
    if not m:
        return None
    from howsafe.kb.identity import xiaomi_regions  # the one table (as for the SoC vendor below)

    return xiaomi_regions().get(m.group(2), m.group(2))


def _oneui(code: str) -> str:
    """``ro.build.version.oneui`` packs major*10000 + minor*100 + patch (50101 -> 5.1.1)."""
    n = strict_int(code, max_digits=9)
    if n is None:
        return code
    major, minor, patch = n // 10000, (n // 100) % 100, n % 100
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def _rom(props: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """(ROM family, version, region) from the vendor properties that name them."""
    incremental = _first(props, "ro.build.version.incremental")
    mios = _first(props, "ro.mi.os.version.name")
    if mios:
        version = _first(props, "ro.mi.os.version.incremental") or mios
        return "HyperOS", version, _xiaomi_region(version) or _xiaomi_region(incremental)
    miui = _first(props, "ro.miui.ui.version.name")
    if miui:
        family = "JOYUI" if incremental and "JOYUI" in incremental else "MIUI"
        return family, incremental or miui, _xiaomi_region(incremental)
    oneui = _first(props, "ro.build.version.oneui")
    if oneui:
        return "One UI", _oneui(oneui), _first(props, "ro.csc.sales_code", "ro.csc.country_code")
    harmony = _first(props, "hw_sc.build.platform.version")
    emui = _first(props, "ro.build.version.emui")
    magic = _first(props, "ro.build.version.magic")
    if harmony and (_first(props, "ro.product.brand") or "").upper() in ("HUAWEI", "HONOR"):
        return "HarmonyOS", harmony, None
    if emui or magic:
        raw = emui or magic or ""
        if raw.startswith("MagicOS_") or (magic and not emui):
            return "MagicOS", raw.removeprefix("MagicOS_"), None
        return "EMUI", raw.removeprefix("EmotionUI_"), None
    oplus = _first(props, "ro.build.version.oplusrom", "ro.build.version.opporom")
    if oplus or _first(props, "ro.oxygen.version", "ro.build.version.realmeui"):
        region = _first(props, "ro.oplus.regionmark", "ro.vendor.oplus.regionmark", "persist.sys.oplus.region")
        brand = (_first(props, "ro.product.brand") or "").lower()
        oxygen = _first(props, "ro.oxygen.version")
        realme = _first(props, "ro.build.version.realmeui")
        if oxygen:
            return "OxygenOS", oxygen, region
        if brand == "oneplus" and region and region.upper() != "CN":
            # since 2021 OnePlus ships the ColorOS code base as OxygenOS outside China
            return "OxygenOS", (oplus or "").removeprefix("V") or None, region
        if brand == "realme" and realme:
            return "realme UI", realme.removeprefix("V"), region
        return "ColorOS", (oplus or "").removeprefix("V") or None, region
    h2 = _first(props, "ro.rom.version")
    if h2 and (_first(props, "ro.product.brand") or "").lower() == "oneplus":
        return "H2OS", h2, None
    display = _first(props, "ro.build.display.id") or ""
    brand = (_first(props, "ro.product.brand") or "").lower()
    if display.startswith("Flyme"):
        return "Flyme", display.removeprefix("Flyme").strip(), None
    vivo = _first(props, "ro.vivo.os.version")
    if vivo:
        name = _first(props, "ro.vivo.os.name") or "Funtouch"
        family = "OriginOS" if "origin" in name.lower() else "Funtouch OS"
        return family, vivo, None
    nubia = _first(props, "ro.build.nubia.rom.name", "ro.build.rom.id")
    if nubia:
        return nubia, _first(props, "ro.build.nubia.rom.code"), None
    vendor_os = re.match(r"^(?P<name>[A-Za-z]+OS)(?P<ver>\d+(?:\.\d+)*)", display)
    if vendor_os and brand in ("nubia", "zte"):
        return vendor_os.group("name"), vendor_os.group("ver"), None
    zui = _first(props, "ro.com.zui.version")
    if zui and brand in ("lenovo", "zuk"):
        return "ZUI", zui, None
    smartisan = _first(props, "ro.smartisan.version")
    if smartisan:
        return "Smartisan OS", smartisan.split("-")[0], None
    lineage = _first(props, "ro.lineage.version", "ro.cm.version")
    if lineage:
        return "LineageOS", lineage, None
    pe = _first(props, "org.pixelexperience.version")
    if pe:
        return "PixelExperience", pe, None
    return None, None, None


def _soc_vendor(props: Mapping[str, str]) -> str | None:
    """The SoC vendor's name from ``kb/data/soc/vendors.toml`` (a declared maker not in it is kept)."""
    from howsafe.kb.soc import soc_vendor_for

    declared = _first(props, "ro.soc.manufacturer")
    if declared:
        known = soc_vendor_for(declared)
        return known.name if known else declared
    for key in ("ro.board.platform", "ro.hardware", "ro.boot.hardware"):
        vendor = soc_vendor_for(props.get(key))
        if vendor is not None:
            return vendor.name
    return None


_MARKETNAME_KEYS = (
    "ro.product.marketname", "ro.product.odm.marketname", "ro.product.vendor.marketname",
    "ro.product.product.marketname", "ro.product.system.marketname", "ro.config.marketing_name",
    "ro.vendor.oplus.market.name", "ro.oppo.market.name", "ro.vivo.market.name",
    "ro.product.model.name",
)  # fmt: skip


_MANUFACTURER_KEYS = (
    "ro.product.manufacturer",
    "ro.product.system.manufacturer",
    "ro.product.vendor.manufacturer",
)


def device_from_properties(props: Mapping[str, str], *, kernel: str | None = None) -> Device:
    """Build the identity record; ``kernel`` comes from ``/proc/version`` when the source had it."""
    rom, rom_version, region = _rom(props)
    fingerprint = _first(props, "ro.build.fingerprint", "ro.system.build.fingerprint", "ro.vendor.build.fingerprint")
    return Device(
        brand=_first(props, "ro.product.brand", "ro.product.system.brand", "ro.product.vendor.brand"),
        manufacturer=_first(props, *_MANUFACTURER_KEYS),
        model=_first(props, "ro.product.model", "ro.product.odm.model", "ro.product.vendor.model",
                     "ro.product.system.model"),
        marketname=_first(props, *_MARKETNAME_KEYS),
        device=_first(props, "ro.product.device", "ro.product.vendor.device", "ro.build.product"),
        rom=rom,
        rom_version=rom_version,
        region=region,
        android_release=_first(props, "ro.build.version.release", "ro.build.version.release_or_codename"),
        sdk=_int(_first(props, "ro.build.version.sdk", "ro.system.build.version.sdk",
                        "ro.product.build.version.sdk", "ro.bootimage.build.version.sdk")),
        security_patch=_date(_first(props, "ro.build.version.security_patch")),
        vendor_security_patch=_date(_first(props, "ro.vendor.build.security_patch")),
        build_fingerprint="".join(fingerprint.split()) if fingerprint else None,
        build_id=_first(props, "ro.build.id"),
        build_incremental=_first(props, "ro.build.version.incremental"),
        build_type=_first(props, "ro.build.type"),
        build_tags=_first(props, "ro.build.tags"),
        kernel_version=kernel,
        soc_manufacturer=_soc_vendor(props),
        soc_model=_first(props, "ro.soc.model"),
        hardware=_first(props, "ro.hardware", "ro.boot.hardware"),
    )  # fmt: skip


def _bool01(value: str | None) -> bool | None:
    if value is None:
        return None
    value = value.strip().lower()
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    return None


def integrity_from_properties(
    props: Mapping[str, str],
    *,
    getenforce: SelinuxMode | None = None,
    root_binaries: Sequence[str] | None = None,
) -> Integrity:
    """Boot, SELinux, encryption and debug state; ``None`` wherever the source did not say."""
    locked = _bool01(props.get("ro.boot.flash.locked"))
    if locked is None:
        state = (props.get("ro.boot.vbmeta.device_state") or "").strip().lower()
        locked = {"locked": True, "unlocked": False}.get(state)
    selinux: SelinuxMode | None = getenforce
    if selinux is None:
        boot = (props.get("ro.boot.selinux") or "").strip().lower()
        if boot == "enforcing":
            selinux = "enforcing"
        elif boot == "permissive":
            selinux = "permissive"
        elif boot == "disabled":
            selinux = "disabled"
    vbs = (props.get("ro.boot.verifiedbootstate") or "").strip().lower() or None
    return Integrity(
        bootloader_locked=locked,
        verified_boot_state=vbs,
        selinux=selinux,
        encryption_state=_first(props, "ro.crypto.state"),
        encryption_type=_first(props, "ro.crypto.type"),
        debuggable=_bool01(props.get("ro.debuggable")),
        root_binaries=tuple(root_binaries) if root_binaries is not None else None,
    )
