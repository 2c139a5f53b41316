"""Tracker SDKs inside apps (from ``ctx.apps``, the APK scanner's AppReports).

One finding per app that ships trackers (evidence: the tracker, its company and categories, and
the matching classes), one summary when none do, and one for files that could not be scanned.
Also contributes the "Trackers in apps" report section (per-app table, prevalence and company
tables, a chart of how many apps ship each tracker) and declares the tracker database it used.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from howsafe.apk.trackerdb import load_tracker_db
from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.checks.registry import register
from howsafe.kb import KnowledgeBase
from howsafe.model import Chart, DataSource, Evidence, Finding, Outcome, Section, Severity, Table

if TYPE_CHECKING:  # the scanner's records exist only when APKs were scanned (then the scanner imported them)
    from howsafe.apk.model import AppReport, TrackerHit

_PURPOSE_TAGS = ("ads", "analytics", "telemetry")
"""The purposes an εxodus category maps to (``domains/lists.toml [exodus_purpose]``), in tag order."""
MAX_CLASSES = 5
CHART_TOP = 15


def _app_name(app: AppReport) -> str:
    label = app.label if app.label and not app.label.startswith("@0x") else None
    ident = app.package or app.path.rsplit("/", 1)[-1]
    return f"{label} ({ident})" if label else ident


def _purposes(hits: Sequence[TrackerHit], purposes: Mapping[str, str]) -> set[str]:
    return {purposes[c] for h in hits for c in h.categories if c in purposes}


def _tags(hits: Sequence[TrackerHit], purposes: Mapping[str, str]) -> list[str]:
    found = _purposes(hits, purposes)
    tags = ["tracker", *(p for p in _PURPOSE_TAGS if p in found)]
    countries = sorted({h.country for h in hits if h.country})
    tags.extend(f"jurisdiction:{c}" for c in countries)
    return tags


def _severity(hits: Sequence[TrackerHit], purposes: Mapping[str, str]) -> Severity:
    sure = [h for h in hits if h.confidence != "low"]
    if not sure:
        return Severity.INFO
    if len(sure) >= 5 or "ads" in _purposes(sure, purposes):
        return Severity.MEDIUM
    return Severity.LOW


def _evidence(app: AppReport, hit: TrackerHit) -> Evidence:
    who = hit.company or "company unknown"
    cats = ", ".join(hit.categories) or "uncategorised"
    ident = f"εxodus #{hit.exodus_id}" if hit.exodus_id is not None else ""
    if hit.origin == "howsafe":
        ident = f"{ident}, howsafe signature" if ident else "howsafe signature"
    value = f"{who}; {cats}; {ident}; {hit.class_count} classes, e.g. " + ", ".join(hit.classes[:MAX_CLASSES])
    if hit.confidence == "low":
        value += f"; doubtful: {hit.reason}"
    return Evidence(kind="class", key=hit.name, value=value, source=app.path)


def _section(ctx: AuditContext) -> Section | None:
    if not ctx.apps:
        return None
    return tracker_section(ctx.apps)


def _data_source(kb: KnowledgeBase) -> Sequence[DataSource]:
    db = load_tracker_db(kb)
    own = len(db.trackers) - db.exodus_count
    return (
        DataSource(
            name="εxodus tracker list",
            version=db.exodus_version,
            licence="ODbL-1.0 (© Exodus Privacy)",
            note=f"{db.exodus_count} trackers; " + ("updated copy" if db.exodus_updated else "bundled copy"),
        ),
        DataSource(
            name="howsafe tracker additions",
            version="bundled",
            licence="Apache-2.0",
            note=f"{own} SDK signatures εxodus lacks (Xiaomi, JiGuang, Umeng, Google Ads ...)",
        ),
    )


@register
class AppTrackersCheck(BaseCheck):
    id = "apps.trackers"
    requires = ("apps",)
    sections = (_section,)
    data_sources = (_data_source,)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        assert ctx.apps is not None  # required
        scanned = [a for a in ctx.apps if a.error is None]
        with_trackers = [a for a in scanned if a.trackers]
        if not scanned:
            return [d.not_available("none of the given APKs could be read")]
        if not with_trackers:
            summary = f"{len(scanned)} apps scanned; no known tracker SDK found."
            return [d.finding(Outcome.PASS, summary=summary)]
        from howsafe.net.attribution import exodus_purposes  # only with APKs: a plain audit loads no net/

        purposes = exodus_purposes(ctx.kb)
        out: list[Finding] = []
        for app in with_trackers:
            hits = app.trackers
            sure = [h for h in hits if h.confidence != "low"]
            names = ", ".join(h.name for h in hits)
            summary = f"{_app_name(app)} contains {len(hits)} tracker SDK(s): {names}."
            if len(sure) < len(hits):
                summary += f" {len(hits) - len(sure)} of them doubtful (see evidence)."
            out.append(
                d.finding(
                    Outcome.FAIL,
                    subject=app.package or app.path,
                    summary=summary,
                    evidence=[_evidence(app, h) for h in hits],
                    severity=_severity(hits, purposes),
                    confidence="high" if sure else "low",
                    tags=_tags(hits, purposes),
                )
            )
        return out


@register
class AppScanErrorsCheck(BaseCheck):
    id = "apps.trackers_errors"
    requires = ("apps",)
    requires_why: ClassVar[dict[str, str]] = {"apps": "no APKs were scanned"}

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        assert ctx.apps is not None  # required
        bad = [a for a in ctx.apps if a.error is not None]
        if not bad:
            return [d.finding(Outcome.PASS, summary=f"All {len(ctx.apps)} inputs were read.")]
        ev = [Evidence(kind="file", key=a.path, value=f"{a.error}: {a.error_detail}") for a in bad]
        return [
            d.finding(
                Outcome.FAIL,
                summary=f"{len(bad)} of {len(ctx.apps)} inputs could not be scanned.",
                evidence=ev,
                severity=Severity.INFO,
            )
        ]


def tracker_section(apps: Sequence[AppReport]) -> Section:
    """Trackers per app, per tracker (apps that ship it), per company; a prevalence chart."""
    ok = [a for a in apps if a.error is None]
    # An app is counted once however many files hold it (an APK and its bundle, two versions).
    per_tracker_apps: dict[str, set[str]] = defaultdict(set)
    info: dict[str, TrackerHit] = {}
    companies: dict[str, set[str]] = defaultdict(set)
    company_apps: dict[str, set[str]] = defaultdict(set)
    category_apps: dict[str, set[str]] = defaultdict(set)
    for a in ok:
        key = a.package or a.path
        for h in a.trackers:
            per_tracker_apps[h.name].add(key)
            info.setdefault(h.name, h)
            comp = h.company or "unknown"
            companies[comp].add(h.name)
            company_apps[comp].add(key)
            for c in h.categories:
                category_apps[c].add(key)
    per_tracker = Counter({name: len(keys) for name, keys in per_tracker_apps.items()})
    categories = Counter({c: len(keys) for c, keys in category_apps.items()})
    per_app = tuple(
        (
            _app_name(a),
            a.version_name or "",
            str(len(a.trackers)),
            ", ".join(h.name + (" (doubtful)" if h.confidence == "low" else "") for h in a.trackers) or "none",
        )
        for a in sorted(ok, key=lambda a: (-len(a.trackers), a.package or a.path))
    )
    prevalence = tuple(
        (name, info[name].company or "", ", ".join(info[name].categories), str(n))
        for name, n in sorted(per_tracker.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    by_company = tuple(
        (comp, ", ".join(sorted(companies[comp])), str(len(company_apps[comp])))
        for comp in sorted(companies, key=lambda c: (-len(company_apps[c]), c))
    )
    n_with = len({a.package or a.path for a in ok if a.trackers})
    n_apps = len({a.package or a.path for a in ok})
    return Section(
        id="apps.trackers",
        title="Trackers in apps",
        summary=(
            f"{n_with} of {n_apps} scanned apps ship {len(per_tracker)} distinct tracker SDKs"
            + (f"; {len(apps) - len(ok)} files could not be read." if len(ok) < len(apps) else ".")
        ),
        tables=(
            Table(title="Trackers per app", columns=("App", "Version", "Trackers", "Names"), rows=per_app),
            Table(
                title="Apps shipping each tracker",
                columns=("Tracker", "Company", "Categories", "Apps"),
                rows=prevalence,
            ),
            Table(title="By company", columns=("Company", "Trackers", "Apps"), rows=by_company),
            Table(
                title="By category",
                columns=("Category", "Apps"),
                rows=tuple((c, str(n)) for c, n in categories.most_common()),
            ),
        ),
        charts=(
            Chart(
                title="Apps shipping each tracker",
                unit="apps",
                items=tuple((name, float(n)) for name, n in per_tracker.most_common(CHART_TOP)),
            ),
        ),
    )
