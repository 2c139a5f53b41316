"""A network host is a tracker only when it is one of that tracker's own endpoints (issue 10 §3)."""

from __future__ import annotations

import json

import pytest

from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.net.attribution import DomainKnowledge, host_pattern, parse_exodus


def _dk() -> DomainKnowledge:
    return DomainKnowledge.for_kb(KnowledgeBase(bundled_data_dir(), None))


@pytest.mark.parametrize(
    "host",
    [
        "www.google.com",  # web search
        "android.clients.google.com",  # Play check-in
        "play.googleapis.com",
        "accounts.google.com",
        "www.facebook.com",
        "graph.facebook.com",  # login and sharing use it too
        "login.microsoftonline.com",  # Microsoft sign-in, not "Mobile Engagement"
        "notcrashlytics.com.example.org",  # a substring is not a parent domain
    ],
)
def test_platform_hosts_are_not_trackers(host: str) -> None:
    assert _dk().attribute(host).tracker is None


@pytest.mark.parametrize(
    ("host", "tracker"),
    [
        ("adservice.google.com", "Google Ads"),
        ("www.googleadservices.com", "Google Ads"),
        ("googleads.g.doubleclick.net", "Google DoubleClick"),
        ("settings.crashlytics.com", "Google CrashLytics"),
        ("www.google-analytics.com", "Google Analytics"),
        ("an.facebook.com", "Facebook Audience"),
    ],
)
def test_tracker_endpoints_are_still_found(host: str, tracker: str) -> None:
    assert _dk().attribute(host).tracker == tracker


def test_signatures_match_whole_labels_only() -> None:
    [t] = parse_exodus({"trackers": {"1": {"name": "X", "network_signature": "\\.x\\.com|fidzup"}}})
    assert t.pattern.search("a.x.com") and t.pattern.search("x.com")
    assert not t.pattern.search("ax.com") and not t.pattern.search("x.com.evil")
    assert t.pattern.search("api.fidzup.com") and not t.pattern.search("notfidzup.com")
    assert host_pattern("") == ""


def test_every_override_has_a_reason_and_a_source_and_names_a_real_tracker() -> None:
    raw = json.loads((bundled_data_dir() / "trackers" / "network_overrides.json").read_text(encoding="utf-8"))
    exodus = json.loads((bundled_data_dir() / "trackers" / "exodus_trackers.json").read_text(encoding="utf-8"))
    inner = exodus.get("trackers", exodus)
    names = {v["name"].strip() for v in (inner.values() if isinstance(inner, dict) else inner)}
    for name, entry in raw["trackers"].items():
        assert name in names, name
        assert entry["reason"] and entry["source"].startswith("https://")
