"""Compromise: indicators of compromise (MVT-compatible STIX2) matched against everything seen.

The snapshot (packages, certificates, processes, files, properties), scanned APKs and the
network evidence are turned into observables and looked up in the indicator indexes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.checks.registry import register
from howsafe.model import Evidence, Finding, Outcome

if TYPE_CHECKING:  # the matcher is imported by run(), which only runs when there are indicators
    from howsafe.iocs.match import Observable


def _observables(ctx: AuditContext) -> Iterator[Observable]:
    from howsafe.iocs.match import snapshot_observables
    from howsafe.iocs.model import IocType
    from howsafe.iocs.observe import app_observables, network_observables

    yield from snapshot_observables(ctx.snapshot)
    if ctx.apps is not None and ctx.iocs is not None:
        hashes = any(ctx.iocs.has(t) for t in (IocType.FILE_SHA256, IocType.FILE_SHA1, IocType.FILE_MD5))
        yield from app_observables(ctx.apps, hash_files=hashes)
    if ctx.network is not None:
        yield from network_observables(ctx.network)


@register
class IocCheck(BaseCheck):
    id = "compromise.iocs"
    requires = ("iocs",)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        from howsafe.iocs.match import match

        d = self.defn
        iset = ctx.iocs
        assert iset is not None  # required
        load_problems = [Evidence(kind="file", key=e.path, value=e.message) for e in iset.errors]
        unsupported = iset.all_unsupported()
        load_problems += [
            Evidence(kind="indicator not evaluated", key=u.pattern, value=u.reason, source=u.collection)
            for u in unsupported[:20]
        ]
        collections = iset.all_collections()
        if not collections:
            return [d.finding(Outcome.ERROR, summary="No indicator collection could be read.", evidence=load_problems)]
        kinds: dict[str, int] = {}

        def counted() -> Iterator[Observable]:
            for obs in _observables(ctx):
                kinds[_KIND_NAMES.get(obs.evidence.kind, obs.evidence.kind)] = 1
                yield obs

        hits = match(iset, counted())
        findings: list[Finding] = []
        for hit in hits:
            ind = hit.indicator
            family = ind.malware or ind.collection
            findings.append(
                d.finding(
                    Outcome.FAIL,
                    subject=f"{ind.type.value}={ind.value}",
                    title=f"{family} indicator matched: {hit.observable.evidence.key}",
                    summary=(
                        f"The {ind.type.value} indicator {ind.value!r} from the {ind.collection!r} collection "
                        f"({family}) matches {hit.observable.evidence.kind} {hit.observable.evidence.key!r}"
                        + ("." if hit.exact else " (its host only: the capture does not show the full URL).")
                    ),
                    evidence=(
                        hit.observable.evidence,
                        Evidence(kind="indicator", key=ind.type.value, value=ind.value, source=ind.collection),
                    ),
                    tags=("spyware", f"collection:{ind.collection}"),
                    confidence="high" if hit.exact else "medium",
                )
            )
        if findings:
            return findings
        seen = list(kinds) or ["nothing (the source held no packages, processes, files or properties)"]
        names = ", ".join(c.name for c in collections)
        summary = (
            f"{len(iset)} indicators from {len(collections)} collection{'s' if len(collections) != 1 else ''}"
            f" ({names}) were compared with "
            f"the {', '.join(seen)}; none matched."
        )
        if unsupported:
            summary += (
                f" {len(unsupported)} indicator pattern(s) could not be evaluated and were not compared (see evidence)."
            )
        if iset.errors:
            summary += f" {len(iset.errors)} collection file(s) could not be read (see evidence)."
        return [d.finding(Outcome.PASS, summary=summary, evidence=load_problems)]


# Evidence kinds of observables -> the words the summary uses, in the order first seen.
_KIND_NAMES = {
    "package": "packages", "certificate": "signing certificates", "file": "file paths",
    "file hash": "file hashes", "dumpsys": "app ids named in dumpsys", "process": "processes",
    "property": "properties", "setting": "settings", "apk": "scanned APKs", "host": "network hosts",
    "ip": "network addresses",
}  # fmt: skip
