"""The network detail section of a report: tables (hosts, countries, apps) and bar charts.

Pure presentation data built from a NetworkReport; reporters draw it without computing.
"""

from __future__ import annotations

from howsafe.model import Chart, Section, Table
from howsafe.net.model import NetworkReport, Traffic

MAX_ROWS = 200


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover


def _traffic_rows(rows: tuple[Traffic, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (t.key, human_bytes(t.bytes_up), human_bytes(t.bytes_down), str(t.flows), ", ".join(t.hosts[:5]))
        for t in rows[:MAX_ROWS]
    )


def network_section(report: NetworkReport) -> Section:
    """Hosts, countries, owners and apps of a NetworkReport as tables and charts."""
    hosts = sorted(report.hosts, key=lambda h: (-h.bytes_total, h.name))
    host_rows = tuple(
        (
            h.name,
            h.named_by,
            h.owner or "unknown",
            h.purpose or "",
            ", ".join(h.countries) or "-",
            human_bytes(h.bytes_up),
            human_bytes(h.bytes_down),
            str(h.flows) if h.flows else ("DNS only" if h.dns_queries else "0"),
            ", ".join(a.display for a in h.apps[:4]),
        )
        for h in hosts[:MAX_ROWS]
    )
    tables = [
        Table(
            title="Destinations",
            columns=(
                "host",
                "named by",
                "owner",
                "purpose",
                "registered in",
                "sent",
                "received",
                "flows",
                "apps",
            ),
            rows=host_rows,
        ),
        Table(
            title="By registration country of the server IP",
            columns=("country", "sent", "received", "flows", "hosts"),
            rows=_traffic_rows(report.by_country),
        ),
        Table(
            title="By owner",
            columns=("owner", "sent", "received", "flows", "hosts"),
            rows=_traffic_rows(report.by_owner),
        ),
    ]
    if report.by_app:
        tables.append(
            Table(
                title="By app",
                columns=("app", "package", "uid", "sent", "received", "flows", "hosts"),
                rows=tuple(
                    (t.key, t.package or "", "" if t.uid is None else str(t.uid), *row[1:])
                    for t, row in zip(report.by_app[:MAX_ROWS], _traffic_rows(report.by_app), strict=True)
                ),
            )
        )
    if len(report.by_client) > 1:
        tables.append(
            Table(
                title="By local device",
                columns=("device", "sent", "received", "flows", "hosts"),
                rows=_traffic_rows(report.by_client),
            )
        )
    if report.iot_devices:
        tables.append(
            Table(
                title="Smart-home devices",
                columns=("device", "mac", "device id", "vendor cloud", "registered in", "destinations"),
                rows=tuple(
                    (
                        f"{d.ip} ({d.kind})",
                        d.mac or "",
                        str(d.did or ""),
                        ", ".join(d.cloud_endpoints),
                        ", ".join(d.countries),
                        str(len(d.destinations)),
                    )
                    for d in report.iot_devices
                ),
            )
        )
    charts = (
        Chart(
            title="Bytes by registration country",
            unit="bytes",
            items=tuple((t.key, float(t.bytes_total)) for t in report.by_country[:20]),
        ),
        Chart(
            title="Bytes by owner",
            unit="bytes",
            items=tuple((t.key, float(t.bytes_total)) for t in report.by_owner[:20]),
        ),
    )
    total = sum(t.bytes_total for t in report.by_country)
    summary = (
        f"{len([h for h in report.hosts if h.flows])} destinations contacted, "
        f"{len(report.by_country)} registration countries, "
        f"{human_bytes(total)} exchanged with internet servers "
        f"(IP registration country, not server location)."
    )
    if report.errors:
        summary += f" {len(report.errors)} input file(s) were damaged; results cover the readable part."
    return Section(id="network", title="Network traffic", summary=summary, tables=tuple(tables), charts=charts)
