"""Vendor: which market the ROM was built for, and so where the vendor's own services live.

Evidence comes from properties alone (region letters in Xiaomi/Oppo build numbers, Huawei's
``C00`` China carrier code, the build's default locale), so it works on a bare getprop capture
where no package list exists: the answer to "are my data sent to servers in Beijing?" starts here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.checks.registry import register
from howsafe.kb.packages import package_db
from howsafe.model import Evidence, Finding, Outcome

_HUAWEI_CHINA = re.compile(r"\(C00[A-Z0-9]*\)|C00E\d")
_LOCALE_PROPS = ("ro.product.locale", "ro.product.locale.region", "persist.sys.locale")
# Region names for mainland-China builds: ISO code, and Samsung's China sales codes (CSC).
_CHINA_REGIONS = {"CN", "CHINA", "CHC", "CHN", "CHM", "CTC", "CHU"}


def _china_evidence(ctx: AuditContext) -> tuple[list[Evidence], str]:
    """Evidence that the ROM is a China-market build, and how strong it is ('high'/'medium'/'')."""
    snap = ctx.snapshot
    props = snap.properties
    src = snap.source.location
    region = (snap.device.region or "").strip().upper()
    if region in _CHINA_REGIONS:
        for key in ("ro.mi.os.version.incremental", "ro.build.version.incremental", "ro.miui.build.region",
                    "ro.oplus.regionmark", "ro.vendor.oplus.regionmark"):
            if key in props:
                return [Evidence(kind="property", key=key, value=props[key], source=src)], "high"
        return [Evidence(kind="device", key="region", value=snap.device.region, source=src)], "high"
    display = props.get("ro.build.display.id", "")
    if _HUAWEI_CHINA.search(display):
        return [Evidence(kind="property", key="ro.build.display.id", value=display, source=src)], "high"
    if not region:
        hits = [k for k in _LOCALE_PROPS if props.get(k, "").replace("_", "-") in ("zh-CN", "zh-Hans-CN", "CN")]
        if hits:
            return [Evidence(kind="property", key=k, value=props[k], source=src) for k in hits], "medium"
    return [], ""


@register
class RomRegionCheck(BaseCheck):
    id = "vendor.rom_region"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        dev = ctx.snapshot.device
        family = package_db(ctx.kb).family_for_brand(dev.brand) or package_db(ctx.kb).family_for_brand(
            dev.manufacturer
        )
        if family is None:
            return [d.not_available(f"no knowledge of where {dev.brand or 'this vendor'} hosts its services")]
        evidence, strength = _china_evidence(ctx)
        if evidence and family.china_rom_hosting == "CN":
            return [
                d.finding(
                    Outcome.FAIL,
                    summary=(
                        f"This {family.vendor} phone runs a China-market ROM"
                        f"{' (' + dev.rom + ')' if dev.rom else ''}: its vendor account, cloud, app store, "
                        "push, analytics and ad services connect to servers in mainland China."
                    ),
                    evidence=evidence,
                    confidence="high" if strength == "high" else "medium",
                    tags=("jurisdiction:CN", "cloud", "telemetry"),
                )
            ]
        if evidence:
            return [d.not_available(
                f"this looks like a China-market ROM, but where {family.vendor} hosts the services of its "
                "China ROMs is not in the knowledge base"
            )]
        if dev.region:
            hq = f"; the vendor is headquartered in {family.headquarters}" if family.headquarters else ""
            return [
                d.finding(
                    Outcome.PASS,
                    summary=f"{family.vendor} ROM built for region {dev.region}{hq}.",
                    evidence=[Evidence(kind="device", key="region", value=dev.region,
                                       source=ctx.snapshot.source.location)],
                )
            ]
        return [d.not_available("the properties do not say which market this ROM was built for")]
