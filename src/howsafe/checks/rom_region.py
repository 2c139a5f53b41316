"""Vendor: which market the ROM was built for, and so where the vendor's own services live.

Evidence comes from build properties alone (region letters in Xiaomi/Oppo build numbers, Huawei's
``C00`` China carrier code, Samsung's China sales codes, the build's default locale), so it works
on a bare getprop capture where no package list exists. The rule is data shared with the vendor
checks (:mod:`howsafe.kb.rom_market`); the owner's own language setting is never evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.checks.registry import register
from howsafe.kb.packages import package_db
from howsafe.kb.rom_market import international_hosting
from howsafe.model import Evidence, Finding, Outcome


@register
class RomRegionCheck(BaseCheck):
    id = "vendor.rom_region"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        dev = ctx.snapshot.device
        db = package_db(ctx.kb)
        family = db.family_for_brand(dev.brand) or db.family_for_brand(dev.manufacturer)
        if family is None:
            return [d.not_available(f"no knowledge of where {dev.brand or 'this vendor'} hosts its services")]
        market = ctx.facts.rom_market
        if market.china and family.china_rom_hosting == "CN":
            return [
                d.finding(
                    Outcome.FAIL,
                    summary=(
                        f"This {family.vendor} phone runs a China-market ROM"
                        f"{' (' + dev.rom + ')' if dev.rom else ''}: its vendor account, cloud, app store, "
                        "push, analytics and ad services connect to servers in mainland China "
                        f"(rule {market.rule}: {market.source})."
                    ),
                    evidence=market.evidence,
                    confidence=market.confidence or "medium",
                    tags=("jurisdiction:CN", "cloud", "telemetry"),
                )
            ]
        if market.china:
            return [
                d.not_available(
                    f"this is a China-market ROM (rule {market.rule}), but where {family.vendor} hosts the "
                    "services of its China ROMs is not in the knowledge base"
                )
            ]
        if dev.region:
            hosting = international_hosting(ctx.kb, family.family, dev.region)
            if hosting is not None:
                where = f"; {family.vendor} hosts this region's services in {hosting.where} ({hosting.source})"
                refs: tuple[str, ...] = (hosting.source,)
            else:
                where = f"; where {family.vendor} hosts this region's services is not in the knowledge base"
                refs = ()
            hq = f" The vendor is headquartered in {family.headquarters}." if family.headquarters else ""
            return [
                d.finding(
                    Outcome.PASS,
                    summary=f"{family.vendor} ROM built for region {dev.region}{where}.{hq}",
                    evidence=[
                        Evidence(kind="device", key="region", value=dev.region, source=ctx.snapshot.source.location)
                    ],
                    references=refs,
                )
            ]
        return [d.not_available("the build properties do not say which market this ROM was built for")]
