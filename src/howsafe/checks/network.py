"""Network checks: what the phone's traffic shows (from ``ctx.network``, a NetworkReport).

Without a capture every check says ``not_available``. Owners, purposes, opt-outs and which owners
make phones come from the domain knowledge (``kb/data/domains``); countries are IP *registration*
countries (iptocc).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.checks.registry import register
from howsafe.model import Evidence, Finding, Outcome, Section, Severity

if TYPE_CHECKING:  # the network code is imported only when a capture was analysed (every check requires one)
    from howsafe.net.attribution import DomainKnowledge
    from howsafe.net.model import Host, NetworkReport

DATA_PURPOSES = ("telemetry", "analytics", "ads")
TRACKER_PURPOSES = ("analytics", "ads")
MAX_EVIDENCE = 25


def human_bytes(n: int) -> str:
    from howsafe.net.section import human_bytes as fmt

    return fmt(n)


def _knowledge(ctx: AuditContext) -> DomainKnowledge:
    from howsafe.net.attribution import DomainKnowledge

    return DomainKnowledge.for_kb(ctx.kb)


def _src(report: NetworkReport) -> str:
    return ", ".join(f.file.rsplit("/", 1)[-1] for f in report.files)


def _host_ev(h: Host, source: str) -> Evidence:
    where = ", ".join(h.countries) or "unknown country"
    if h.flows:
        value = f"{human_bytes(h.bytes_up)} sent, {human_bytes(h.bytes_down)} received, registered in {where}"
    else:
        value = f"looked up {h.dns_queries}x" + (f", blocked {h.blocked}x" if h.blocked else "")
    if h.apps:
        value += "; apps: " + ", ".join(a.display for a in h.apps[:5])
    return Evidence(kind="host", key=h.name, value=value, source=source)


def _used(h: Host) -> bool:
    """Data reached the host (a flow), or a DNS log shows an unblocked lookup."""
    return h.flows > 0 or h.dns_queries > h.blocked


def network_report_section(ctx: AuditContext) -> Section | None:
    """The hosts / countries / apps tables and charts, when a capture was analysed."""
    if ctx.network is None:
        return None
    from howsafe.net.section import network_section

    return network_section(ctx.network)


class _NetworkCheck(BaseCheck):
    """A check on the analysed capture; every one of them brings the capture's tables to the report."""

    sections = (network_report_section,)


@register
class VendorTelemetryCheck(_NetworkCheck):
    id = "network.vendor_telemetry"
    requires = ("network",)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        net = ctx.network
        assert net is not None  # required
        know = _knowledge(ctx)
        by_owner: dict[str, list[Host]] = {}
        for h in net.hosts:
            if h.owner in know.phone_vendors and h.purpose in DATA_PURPOSES and _used(h):
                by_owner.setdefault(h.owner, []).append(h)
        if not by_owner:
            return [d.finding(Outcome.PASS, summary="No vendor telemetry, analytics or ad endpoints in the traffic.")]
        out: list[Finding] = []
        for owner, hosts in sorted(by_owner.items()):
            hosts.sort(key=lambda h: -h.bytes_up)
            purposes = sorted({h.purpose for h in hosts if h.purpose})
            optouts = [o for p in purposes if (o := know.optout(owner, p))]
            sent = sum(h.bytes_up for h in hosts)
            summary = (
                f"{owner} {'/'.join(purposes)} endpoints were contacted: {len(hosts)} hosts, {human_bytes(sent)} sent. "
            )
            if optouts:
                summary += "The opt-out that should have stopped it: " + " | ".join(dict.fromkeys(optouts))
            tags = ["telemetry"] + (["ads"] if "ads" in purposes else [])
            out.append(
                d.finding(
                    Outcome.FAIL,
                    subject=owner.lower(),
                    title=f"{owner} telemetry observed in the traffic",
                    summary=summary,
                    evidence=[_host_ev(h, _src(net)) for h in hosts[:MAX_EVIDENCE]],
                    remediation=("Opt-out: " + "; ".join(dict.fromkeys(optouts)) + ". " + d.remediation)
                    if optouts
                    else None,
                    tags=tags,
                )
            )
        return out


@register
class JurisdictionCheck(_NetworkCheck):
    id = "network.jurisdiction"
    requires = ("network",)
    requires_why: ClassVar[dict[str, str]] = {"network": "no traffic capture was given (--capture)"}

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        net = ctx.network
        assert net is not None  # required
        if not net.by_country:
            return [d.not_available("the inputs carry no byte counts (DNS logs only)")]
        know = _knowledge(ctx)
        out: list[Finding] = []
        quiet: list[str] = []
        for row in net.by_country:
            if row.bytes_up == 0:
                continue
            sev = Severity(know.country_severity(row.key))
            if sev is Severity.INFO:
                quiet.append(f"{row.key} ({human_bytes(row.bytes_up)} sent)")
                continue
            hosts = [h for h in net.hosts if row.key in h.countries and h.flows]
            hosts.sort(key=lambda h: -h.bytes_up)
            why = know.countries.get(row.key, {}).get("why", "")
            out.append(
                d.finding(
                    Outcome.FAIL,
                    subject=row.key,
                    severity=sev,
                    title=f"Data sent to servers registered in {know.country_name(row.key)}",
                    summary=(
                        f"{human_bytes(row.bytes_up)} sent to and {human_bytes(row.bytes_down)} "
                        "received from "
                        f"{len(hosts)} hosts whose IP is registered in {row.key} ({row.flows} flows). {why}"
                    ),
                    evidence=[_host_ev(h, _src(net)) for h in hosts[:MAX_EVIDENCE]],
                    tags=[f"jurisdiction:{row.key}"],
                    confidence="medium",
                )
            )
        if not out:
            out.append(
                d.finding(
                    Outcome.PASS,
                    summary="Data went only to " + ", ".join(quiet) + "."
                    if quiet
                    else "No data sent to internet servers.",
                )
            )
        return out


@register
class TrackersCheck(_NetworkCheck):
    id = "network.trackers"
    requires = ("network",)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        net = ctx.network
        assert net is not None  # required
        phone_vendors = _knowledge(ctx).phone_vendors
        groups: dict[str, list[Host]] = {}
        for h in net.hosts:
            if not _used(h):
                continue
            if h.tracker or (h.purpose in TRACKER_PURPOSES and h.owner not in phone_vendors):
                groups.setdefault(h.tracker or h.owner or h.name, []).append(h)
        if not groups:
            return [d.finding(Outcome.PASS, summary="No known tracker or ad-network host in the traffic.")]
        out: list[Finding] = []
        for name, hosts in sorted(groups.items()):
            apps = sorted({a.display for h in hosts for a in h.apps})
            sent = sum(h.bytes_up for h in hosts)
            summary = f"{name}: {len(hosts)} hosts, {human_bytes(sent)} sent"
            summary += f", contacted by {', '.join(apps)}." if apps else " (the input does not say which app)."
            tags = ["tracker"] + (["ads"] if any(h.purpose == "ads" for h in hosts) else [])
            out.append(
                d.finding(
                    Outcome.FAIL,
                    subject=name.lower().replace(" ", "-"),
                    title=f"Tracker contacted: {name}",
                    summary=summary,
                    evidence=[_host_ev(h, _src(net)) for h in hosts[:MAX_EVIDENCE]],
                    tags=tags,
                )
            )
        return out


@register
class HardcodedIpCheck(_NetworkCheck):
    id = "network.hardcoded_ips"
    requires = ("flows",)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        net = ctx.network
        assert net is not None  # required
        hosts = [h for h in net.hosts if h.named_by == "ip" and h.flows]
        if not hosts:
            return [d.finding(Outcome.PASS, summary="Every connection was to a host named by DNS, TLS or HTTP.")]
        hosts.sort(key=lambda h: -h.bytes_total)
        ev = [
            Evidence(
                kind="ip",
                key=h.name,
                value=(
                    f"ports {', '.join(map(str, h.ports))}; "
                    f"registered in {', '.join(h.countries) or 'unknown'}; "
                    f"{human_bytes(h.bytes_up)} sent, {human_bytes(h.bytes_down)} received"
                    + (f"; apps: {', '.join(a.display for a in h.apps)}" if h.apps else "")
                ),
                source=_src(net),
            )
            for h in hosts[:MAX_EVIDENCE]
        ]
        cn = sorted({c for h in hosts for c in h.countries})
        return [
            d.finding(
                Outcome.FAIL,
                summary=(
                    f"{len(hosts)} server IPs were contacted without any DNS lookup, SNI or Host name in the "
                    f"capture (registered in {', '.join(cn) or 'unknown'}). "
                    "Either the address is built into an app (Mi Push does this) or the connection "
                    "was opened before the capture started."
                ),
                evidence=ev,
                tags=[f"jurisdiction:{c}" for c in cn],
                confidence="medium",
            )
        ]


@register
class PlaintextHttpCheck(_NetworkCheck):
    id = "network.plaintext_http"
    requires = ("flows",)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        net = ctx.network
        assert net is not None  # required
        hosts = [h for h in net.hosts if h.plaintext_http]
        if not hosts:
            return [d.finding(Outcome.PASS, summary="No unencrypted HTTP request carrying data was seen.")]
        return [
            d.finding(
                Outcome.FAIL,
                summary=(
                    f"{len(hosts)} hosts received HTTP requests with a body or query string in clear text "
                    f"({human_bytes(sum(h.http_bytes_up for h in hosts))} sent): anyone on the path can read "
                    "or change them."
                ),
                evidence=[_host_ev(h, _src(net)) for h in hosts[:MAX_EVIDENCE]],
            )
        ]


@register
class IotDevicesCheck(_NetworkCheck):
    id = "network.iot_devices"
    requires = ("flows",)
    requires_why: ClassVar[dict[str, str]] = {"flows": "no packet capture was given (--capture)"}

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        net = ctx.network
        assert net is not None  # required
        if not net.iot_devices:
            return [d.not_applicable("No smart-home (miIO) device in the capture.")]
        out: list[Finding] = []
        for dev in net.iot_devices:
            ev = [
                Evidence(
                    kind="device",
                    key=dev.ip,
                    value=f"{dev.kind}, mac {dev.mac or '?'}, did {dev.did}",
                    source=_src(net),
                )
            ]
            ev += [
                Evidence(kind="cloud", key=c, value="miIO OT cloud (UDP 8053)", source=_src(net))
                for c in dev.cloud_endpoints
            ]
            ev += [Evidence(kind="host", key=x, source=_src(net)) for x in dev.destinations[:MAX_EVIDENCE]]
            summary = (
                f"{dev.kind} device {dev.ip} (device id {dev.did}) talks to {len(dev.destinations)} internet "
                f"destinations registered in {', '.join(dev.countries) or 'unknown'} "
                f"({human_bytes(dev.bytes_up)} sent)."
            )
            sev = None
            if dev.token_leaked:
                summary += " Its hello reply reveals the device token: anyone on the LAN can control it."
                sev = Severity.HIGH
            out.append(
                d.finding(
                    Outcome.FAIL,
                    subject=dev.ip,
                    summary=summary,
                    evidence=ev,
                    severity=sev,
                    tags=["cloud"] + [f"jurisdiction:{c}" for c in dev.countries],
                )
            )
        return out
